"""Face Album: the one entry point.

`python app.py` (= `python app.py serve`) runs the dashboard; other subcommands run the heavy work
(ingest, cluster, find, train, eval) or act on the library (export, people, folders). WSGI servers use the
module-level `server` (e.g. `gunicorn app:server`); it is built lazily, so importing this module parses
nothing and loads no model.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def _serve(args: argparse.Namespace) -> int:
    from dashapp.server import serve

    serve(host=args.host, port=args.port, data_dir=args.data_dir, debug=args.debug, log_requests=args.verbose)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from dashapp.commands import run_ingest

    return run_ingest(args)


def _cluster(args: argparse.Namespace) -> int:
    from dashapp.commands import run_cluster

    return run_cluster(args)


def _find(args: argparse.Namespace) -> int:
    from dashapp.find_command import run_find

    return run_find(args)


def _folders(args: argparse.Namespace) -> int:
    from dashapp.commands import run_folders

    return run_folders(args)


def _export(args: argparse.Namespace) -> int:
    from dashapp.commands import run_export

    return run_export(args)


def _people(args: argparse.Namespace) -> int:
    from dashapp.people_command import run_people

    return run_people(args)


def _eval_cluster(args: argparse.Namespace) -> int:
    from dashapp.commands import run_eval_cluster

    return run_eval_cluster(args)


def _eval_verify(args: argparse.Namespace) -> int:
    from model.evaluate import run_verify_command

    return run_verify_command(args.pairs, args.images, args.weights, args.identities)


def _eval_attributes(args: argparse.Namespace) -> int:
    from model.evaluate import run_attributes_command

    return run_attributes_command(args.labels, args.images, args.weights)


def _train(args: argparse.Namespace) -> int:
    from model.training.train import run_train_command

    return run_train_command(args)


def _not_empty(what: str, convert: Callable[[str], Any] = Path) -> Callable[[str], Any]:
    """An argparse type that refuses an empty value (a script's unset variable), saying `what` to give: Path("") is
    the current folder, where a library would quietly be made, which `ingest` would add to the library, or whose
    photos `folders remove` would take out of it."""
    def parse(text: str) -> Any:
        if not text.strip():
            raise argparse.ArgumentTypeError(f"an empty {what}")
        return convert(text)
    return parse


_folder = _not_empty("folder name: give the library's folder")
_path = _not_empty("path: give a photo, video or folder")
_listed_folder = _not_empty("path: give the folder, as `folders` lists it", str)


def _workers(text: str) -> int:
    """A number of worker processes for argparse: 1 or more (0 or less would start none)."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of processes: {text!r}") from None
    if workers < 1:
        raise argparse.ArgumentTypeError(f"at least 1 worker process, not {workers}")
    return workers


def _port(text: str) -> int:
    """A TCP port number for argparse (an impossible port is a usage error, not a traceback from the server)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is between 1 and 65535, not {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    """The CLI: serve (default), ingest, folders, cluster, find, export, people, train, eval {verify, attributes, cluster}."""
    from model.matching import STRICTNESS  # numpy only
    parser = argparse.ArgumentParser(prog="app.py", description="Face Album: who is in your photos.")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir", type=_folder, default=None,
        help="library folder (default: $FACEALBUM_DATA_DIR or ~/.local/share/facealbum)",
    )
    # `people list --data-dir X` as well as `people --data-dir X list`: the actions' own copy has no default, so it
    # leaves the one given before the action alone.
    action_data_dir = argparse.ArgumentParser(add_help=False)
    action_data_dir.add_argument("--data-dir", type=_folder, default=argparse.SUPPRESS,
                                 help="library folder (also before the action)")
    weights = argparse.ArgumentParser(add_help=False)
    weights.add_argument(
        "--weights", type=Path, default=None, help="face model weights (default: model/weights/face_model.keras)"
    )
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", parents=[data_dir], help="run the dashboard (default)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, local only)")
    serve.add_argument("--port", type=_port, default=8050, help="TCP port, 1-65535 (default: 8050)")
    serve.add_argument("--debug", action="store_true", help="Dash debug mode (development only)")
    serve.set_defaults(handler=_serve)

    ingest = sub.add_parser("ingest", parents=[data_dir, weights], help="add photo folders to the library")
    ingest.add_argument("paths", nargs="*", type=_path,
                        help="photo folders or files (none: check the library's folders for new, changed and deleted photos)")
    ingest.add_argument("--outdated", action="store_true",
                        help="also re-analyse every photo whose faces came from an older face model "
                             "(after a model upgrade; names and manual moves are kept)")
    ingest.add_argument("--no-cluster", action="store_true", help="do not re-cluster after ingest")
    ingest.add_argument("--workers", type=_workers, default=None, help="worker processes (default: CPU count)")
    ingest.add_argument("--job-id", type=int, default=None, help="report progress into this job (set by the dashboard)")
    ingest.set_defaults(handler=_ingest)

    folders = sub.add_parser("folders", parents=[data_dir], help="list the library's folders; remove one")
    folders.set_defaults(handler=_folders)
    folder_actions = folders.add_subparsers(dest="folders_action", metavar="ACTION")
    folder_actions.add_parser("list", parents=[action_data_dir],
                              help="every folder with its photos, faces and when it was last checked (the default)")
    folder_actions.add_parser(
        "remove", parents=[action_data_dir],
        help="remove a folder's photos and faces from the library (its files are not touched; the library's "
             "copies of uploaded photos are deleted)",
    ).add_argument("path", type=_listed_folder, help="the folder, as `folders` lists it")

    cluster = sub.add_parser("cluster", parents=[data_dir], help="group faces into people")
    cluster.add_argument("--no-project", action="store_true", help="do not recompute the 2-D map")
    cluster.add_argument("--job-id", type=int, default=None, help="report progress into this job (set by the dashboard)")
    cluster.set_defaults(handler=_cluster)

    find = sub.add_parser("find", parents=[data_dir, weights], help="find a person: every photo and video moment they are in")
    find.add_argument("query", type=_path, nargs="?", help="a photo of the person")
    find.add_argument("--person", metavar="NAME_OR_ID", default=None,
                      help="instead of a photo: a person of the library (the mean of their faces), by name or by "
                           "the id `people` lists; a name wins when someone is called those digits, '#ID' is "
                           "always the id")
    find.add_argument("--also", type=_path, action="append", metavar="PHOTO",
                      help="another photo of the same person: its face most like theirs joins the search (repeatable)")
    find.add_argument("--video", type=_path, action="append", metavar="FILE", help="also search this video (repeatable)")
    find.add_argument("--face", type=int, default=None, help="which face of the query photo: 1 = the largest (default)")
    find.add_argument("--every", type=float, default=1.0, metavar="SECONDS", help="video sampling interval (default: 1)")
    find.add_argument("--strictness", choices=STRICTNESS, default="default", help="same-person threshold")
    find.add_argument("--out", type=Path, default=None,
                      help="folder for the result file and frame thumbnails (default: a new one in the library's finds/)")
    find.add_argument("--job-id", type=int, default=None, help="report progress into this job (set by the dashboard)")
    find.set_defaults(handler=_find)

    export = sub.add_parser("export", parents=[data_dir], help="write every face (photo, box, person, attributes) as CSV")
    export.add_argument("output", help="the CSV file to write, or - for standard output")
    export.set_defaults(handler=_export)

    people = sub.add_parser("people", parents=[data_dir], help="list, name, merge, hide and show people; undo")
    people.set_defaults(handler=_people, hidden=False)
    actions = people.add_subparsers(dest="people_action", metavar="ACTION")
    listing = actions.add_parser("list", parents=[action_data_dir],
                                 help="every person with their id and number of faces (the default)")
    listing.add_argument("--hidden", action="store_true", help="include hidden people")
    name = actions.add_parser("name", parents=[action_data_dir], help="name a person (an empty name removes it)")
    name.add_argument("person", type=int, help="person id (from `people list`)")
    name.add_argument("name", help="the new name, in quotes if it has spaces")
    name.add_argument("--merge", action="store_true", help="if someone else has this name, merge into them")
    merge = actions.add_parser("merge", parents=[action_data_dir],
                               help="make several people one (the target keeps its id and name)")
    merge.add_argument("target", type=int, help="person id the others join")
    merge.add_argument("sources", type=int, nargs="+", help="person ids to merge into the target")
    for action in ("hide", "show"):
        one = actions.add_parser(action, parents=[action_data_dir], help=f"{action} a person on the People page")
        one.add_argument("person", type=int, help="person id")
    actions.add_parser("undo", parents=[action_data_dir],
                       help="take back the newest change to people (made here or in the dashboard)")

    train = sub.add_parser("train", help="train the face model from ../shared/data")
    train.add_argument("--data-root", type=Path, default=Path("../shared/data"),
                       help="the training sets and the teacher's descriptors (default: ../shared/data)")
    train.add_argument("--cache-dir", type=Path, default=Path("cache/crops"), help="aligned-crop cache")
    train.add_argument("--run-dir", type=Path, default=Path("cache/train-run"), help="checkpoints and logs")
    train.add_argument("--output", type=Path, default=None,
                       help="the trained model, with its .tflite and .json beside it (default: in --run-dir; the "
                            "shipped model is model/weights/face_model.keras)")
    train.add_argument("--epochs", type=int, default=40, help="epochs to train (default: 40)")
    train.add_argument("--limit", type=int, default=None, help="use only this many training images (smoke runs)")
    train.add_argument("--batch-size", type=int, default=128, help="faces per batch (default: 128)")
    train.add_argument("--input-size", type=int, default=64, help="network input in pixels (aligned crops are 112)")
    train.add_argument("--width", type=float, default=0.5, help="MobileNetV2 width multiplier")
    train.add_argument("--output-stride", type=int, choices=(16, 32), default=32, help="backbone output stride")
    train.add_argument("--learning-rate", type=float, default=2e-3, help="peak learning rate")
    train.add_argument("--centroid-mix", type=float, default=0.0,
                       help="share of the identity's mean teacher descriptor in each distillation target (0..1)")
    train.add_argument("--small-face-share", type=float, default=0.33,
                       help="share of each batch shrunk to 16-56 px and back, like small album faces (0..1)")
    train.add_argument("--identity-group-share", type=float, default=0.0,
                       help="share of each batch drawn as groups of 4 faces of one person (0..1)")
    train.add_argument("--identity-weight", type=float, default=0.1,
                       help="weight of the CosFace identity loss beside distillation (>= 0)")
    train.add_argument("--attribute-weight", type=float, default=1.0,
                       help="weight of the attribute head's loss beside distillation (>= 0)")
    train.add_argument("--neighbour-weight", type=float, default=0.0,
                       help="weight of matching the teacher's nearest neighbours in each batch (softmax KL, >= 0)")
    train.add_argument("--bank-neighbour-weight", type=float, default=0.0,
                       help="the same among every training face's teacher descriptor, not only the batch's (>= 0)")
    train.add_argument("--student-bank-weight", type=float, default=0.0,
                       help="the same, the student's side among its own embeddings of the training faces (>= 0)")
    train.add_argument("--student-bank-momentum", type=float, default=0.0,
                       help="share of a face's remembered embedding kept when a batch refreshes it (0 <= m < 1)")
    train.add_argument(
        "--init-from", type=Path, default=None,
        help="start from this saved model's weights (e.g. model/weights/face_model.keras; any input size)",
    )
    train.set_defaults(handler=_train)

    evaluate = sub.add_parser("eval", help="measure the model or the clustering")
    ev = evaluate.add_subparsers(dest="what", required=True)
    verify = ev.add_parser("verify", parents=[weights], help="face verification accuracy on pairs")
    verify.add_argument("--pairs", type=Path, required=True, help="LFW pairs.txt or CSV path1,path2,same")
    verify.add_argument("--images", type=Path, required=True, help="image folder the pairs refer to")
    verify.add_argument("--identities", type=Path, default=None,
                        help="identity_CelebA.txt format (by file name): also measure searching with a person's faces")
    verify.set_defaults(handler=_eval_verify)
    attributes = ev.add_parser("attributes", parents=[weights], help="attribute accuracy on CelebA-style labels")
    attributes.add_argument("--labels", type=Path, required=True, help="list_attr_celeba.txt format")
    attributes.add_argument("--images", type=Path, required=True, help="image folder the labels' file names refer to")
    attributes.set_defaults(handler=_eval_attributes)
    clustering = ev.add_parser("cluster", parents=[weights], help="clustering quality on an identity-labelled folder")
    clustering.add_argument("--images", type=Path, required=True, help="photo folder to ingest and cluster")
    clustering.add_argument("--truth", type=Path, required=True, help="identity_CelebA.txt format")
    clustering.add_argument("--workers", type=_workers, default=None, help="ingest worker processes")
    clustering.add_argument("--library", type=Path, default=None, help="keep the library here (reused when run again)")
    clustering.add_argument("--min-cluster-size", type=int, default=None, help="override the default")
    clustering.add_argument("--min-samples", type=int, default=None, help="override the default")
    clustering.add_argument("--selection", choices=["eom", "leaf"], default=None, help="override the default")
    clustering.add_argument("--attach-scale", type=float, default=None, help="override the default")
    clustering.set_defaults(handler=_eval_cluster)
    return parser


# OSErrors that are the user's or the machine's doing, not the program's: a folder that cannot be written, a file
# where a folder is needed or the other way round. Others (and every other exception) keep their traceback.
USER_OS_ERRORS = (PermissionError, IsADirectoryError, NotADirectoryError, FileExistsError)
INTERRUPTED = 130  # the shell's status for Ctrl+C (128 + SIGINT)
# SQLite's "attempt to write a readonly database": the library file (or its drive) is read-only while its folder is
# not, so it opened and could be read, and the first write failed.
READ_ONLY = ("the library cannot be written (a read-only drive, or its permissions): give yourself write permission "
             "on its folder and on its library.sqlite3, then run it again (what was done so far is kept)")


def _os_error_message(exc: OSError) -> str:
    """An OSError in words, without its errno: "Permission denied: /x/library.sqlite3"."""
    text = exc.strerror or str(exc)
    if exc.filename is None:
        return text
    return f"{text}: {exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 else "")


def _run(args: argparse.Namespace) -> int:
    """Run the chosen command; user mistakes become one line on stderr and a non-zero status."""
    try:
        return args.handler(args)
    except (FileNotFoundError, ValueError) as exc:
        if args.verbose:  # developers get the traceback
            raise
        print(f"error: {_os_error_message(exc) if isinstance(exc, OSError) else exc}", file=sys.stderr)
        return 2
    except USER_OS_ERRORS as exc:
        if args.verbose:
            raise
        print(f"error: {_os_error_message(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        from dashapp.jobs import DISK_FULL, is_disk_full

        if args.verbose:
            raise
        if "readonly database" in str(exc):
            print(f"error: {READ_ONLY}", file=sys.stderr)
            return 2
        if not is_disk_full(exc):
            raise
        print(f"error: {DISK_FULL}", file=sys.stderr)
        return 4


def _serve_by_default(argv: list[str]) -> list[str]:
    """`app.py --port 8051` is `app.py serve --port 8051`, as `app.py` alone is `app.py serve`: "serve" goes where the
    command would be when the global flags are followed by nothing or by an option (not --help)."""
    at = next((i for i, arg in enumerate(argv) if arg not in ("-v", "--verbose")), len(argv))
    if at == len(argv) or (argv[at].startswith("-") and argv[at] not in ("-h", "--help")):
        return [*argv[:at], "serve", *argv[at:]]
    return argv


def _reader_gone() -> int:
    """The program reading the output stopped before it ended (`app.py people | head -3`): stop quietly, as Unix tools
    do. The rest of the output goes to /dev/null, or Python's flush at exit fails on the closed pipe once more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    verbose = "-v" in argv or "--verbose" in argv
    if verbose:  # anywhere on the line (`app.py people -v list`), as the other options: it is the program's own
        argv = ["-v", *(arg for arg in argv if arg not in ("-v", "--verbose"))]
    args = None
    try:
        args = build_parser().parse_args(_serve_by_default(argv))
        logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                            format="%(levelname)s %(name)s: %(message)s")
        status = _run(args)
        sys.stdout.flush()  # a reader that left shows here, not as a traceback at exit
        return status
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        if verbose:  # where it was stopped
            raise
        # A command that changes the library keeps what it finished (ingest stores photo by photo), so the same
        # command continues; a search keeps nothing (its folder is removed), and changed nothing.
        if getattr(args, "command", None) == "find":
            print("interrupted: the search was stopped and the library is unchanged; run it again for its answer",
                  file=sys.stderr)
        else:
            print("interrupted: what was finished is kept; run the same command again to continue", file=sys.stderr)
        return INTERRUPTED


def __getattr__(name: str) -> Any:
    """Build the Dash `app`/`server` on first access, for WSGI servers (PEP 562)."""
    if name in ("app", "server"):
        from dashapp.server import create_app

        dash_app = create_app()
        globals().update(app=dash_app, server=dash_app.server)
        return globals()[name]
    raise AttributeError(name)


if __name__ == "__main__":
    sys.exit(main())
