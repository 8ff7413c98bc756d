"""The CLI commands behind `app.py ingest`, `app.py folders`, `app.py cluster`, `app.py export` and
`app.py eval cluster` (`app.py find` and `app.py people` have their own modules).

Each returns the process exit status. The same functions run as job processes started by the
dashboard (with `--job-id`), reporting progress into that job's row.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dashapp.config import Config, load_config, resolve_data_dir
from dashapp.folders import (is_uploads, not_a_photo_refusal, own_folder_refusal, remembered_path, remove_folder,
                             split_missing)
from dashapp.jobs import IngestBusy, JobReporter, failure_message, ingest_lock, refresh_stale
from dashapp.store import Store
from dashapp.words import PHASES, count_of

if TYPE_CHECKING:
    from dashapp.clustering import ClusterSummary

log = logging.getLogger(__name__)

# What a cancelled clustering leaves: its run is not 'done', so the next ingest clusters (`store.runs.behind()`).
REGROUPED = "the photos are kept; people are grouped again at the next ingest (or Check for new photos)"


class _CliProgress:
    """One tqdm bar per phase on stderr (silent when stderr is not a terminal), plus the job row."""

    def __init__(self, reporter: JobReporter | None) -> None:
        self.reporter = reporter
        self.phase: str | None = None
        self.bar = None

    def __call__(self, phase: str, done: int, total: int | None, n_errors: int, n_faces: int) -> None:
        from tqdm import tqdm

        if phase != self.phase:
            self.close()
            self.phase = phase
            if total:
                self.bar = tqdm(total=total, desc=phase, unit="photo", disable=None, file=sys.stderr)
        if self.bar is not None:
            self.bar.n = done
            self.bar.set_postfix(faces=n_faces, errors=n_errors, refresh=False)
            self.bar.refresh()
        if self.reporter is not None:
            self.reporter.update(
                force=done == total, phase=phase, done=done, total=total, n_errors=n_errors, n_faces=n_faces
            )

    def cancelled(self) -> bool:
        return self.reporter.cancelled() if self.reporter else False

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _groups(result: ClusterSummary) -> str:
    """"1 person/group", "3 people/groups, 1 hidden": the people and groups a clustering leaves, the hidden ones
    counted apart (they are not on the People page)."""
    n = result.n_people
    hidden = f", {result.n_hidden} hidden" if result.n_hidden else ""
    return f"{n} {'person/group' if n == 1 else 'people/groups'}{hidden}"


def _job(store: Store, args: argparse.Namespace, kind: str, job_args: dict) -> JobReporter:
    job_id = getattr(args, "job_id", None) or store.jobs.create(kind, job_args)
    return JobReporter(store, job_id)


def _cluster_after_ingest(store: Store, reporter: JobReporter | None, project: bool = True):
    """Group people and make the map; ClusteringStopped when the job is cancelled meanwhile."""
    from dashapp.clustering import recluster

    def phase(name: str) -> None:
        _say_phase(name)
        if reporter is not None:
            reporter.update(force=True, phase=name)  # the Library page names the phase

    should_stop = reporter.cancel_requested if reporter is not None else None
    return recluster(store, project=project, progress=phase, should_stop=should_stop)


def _say_phase(name: str) -> None:
    """A line on stderr as grouping people or making the map starts: on a large library they take a while, after
    the progress bar has gone."""
    print(f"{PHASES.get(name, name)}…", file=sys.stderr, flush=True)


def run_ingest(args: argparse.Namespace) -> int:
    """`app.py ingest [PATH...] [--outdated]`: add photos (no paths: check the library's folders again), then
    cluster and project unless --no-cluster."""
    from dashapp.clustering import ClusteringStopped
    from dashapp.ingest import IngestOptions, current_model_version, file_types, ingest

    paths = [Path(p) for p in args.paths]
    outdated = getattr(args, "outdated", False)
    if not paths and not outdated:
        paths = _remembered_folders(args.data_dir)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:  # before touching the library: a typo must not create or change anything
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    own = [r for r in (own_folder_refusal(Config(resolve_data_dir(args.data_dir)), p) for p in paths) if r]
    own += [r for r in map(not_a_photo_refusal, paths) if r]
    if own:  # before touching the library, as a typo
        raise ValueError(own[0])
    if not paths:  # --outdated alone re-analyses a library's photos: a mistyped --data-dir must not make one
        existing_store(args.data_dir).close()
    config = load_config(args.data_dir)
    store = Store.open(config)
    refresh_stale(store, config)
    folders = [remembered_path(config, p) for p in paths]  # what the user asked to scan, before --outdated adds
    job_args = {"paths": [str(p) for p in paths], "outdated": outdated}  # the request, not every outdated file
    n_unfound = 0
    if outdated:
        # Photos whose file is gone (an unplugged drive) keep their faces until their folder is scanned again.
        stale = [Path(r.path) for r in store.photos.outdated(current_model_version(getattr(args, "weights", None)))]
        found = [p for p in stale if p.exists()]
        n_unfound = len(stale) - len(found)
        paths += found
        if not paths:
            message = _outdated_not_found(n_unfound) or "every photo in the library is analysed with the current face model"
            _job(store, args, "ingest", job_args).finish("done", message)
            print(message)
            return 0
    reporter = _job(store, args, "ingest", job_args)
    try:
        with ingest_lock(config):
            reporter.start()
            store.folders.add(folders)  # now: an interrupted ingest is continued by checking the folders again
            progress = _CliProgress(reporter)
            try:
                report = ingest(
                    store, config, paths, IngestOptions(workers=args.workers, weights=getattr(args, "weights", None)),
                    progress, progress.cancelled,
                )
            finally:
                progress.close()
            # The last counts, unthrottled: cancelled mid-way, the page showed "25 faces found" beside a summary
            # of 43.
            reporter.update(force=True, n_faces=report.n_faces, n_errors=report.n_errors)
            n_other = report.not_photos.total()
            other = f"{n_other} not {'a photo' if n_other == 1 else 'photos'}, " if n_other else ""
            summary = (
                f"{count_of(report.n_files, 'file')}: {count_of(report.n_analyzed, 'photo')} analysed "
                f"({count_of(report.n_faces, 'face')}), "
                f"{report.n_unchanged} unchanged, {report.n_moved} moved, {count_of(report.n_copied, 'duplicate')}, "
                f"{report.n_errors} unusable, {report.n_swept} removed, {other}in {report.seconds:.1f} s"
            )
            print(summary)
            notes = report.notes() + ([_outdated_not_found(n_unfound)] if n_unfound else [])
            for note in notes:  # on the Library page too, with the job's summary
                print(f"  {note}")
                summary += f"; {note}"
            for path, kind, detail in report.errors[:20]:
                print(f"  skipped {path}: {kind} ({detail})")
            if len(report.errors) > 20:
                print(f"  ... and {len(report.errors) - 20} more (see the library page)")
            if report.not_photos:
                print(f"  not photos, skipped: {file_types(report.not_photos)}")
            if report.cancelled:
                reporter.finish("cancelled", "cancelled: " + summary)
                print("cancelled; run the same command again to continue")
                return 1
            store.folders.mark_scanned(folders)
            # Also when nothing changed now: an earlier run may have been stopped before or while clustering.
            if not args.no_cluster and store.faces.count() and (report.changed or store.runs.behind()):
                try:
                    result = _cluster_after_ingest(store, reporter)
                except ClusteringStopped:
                    reporter.finish("cancelled", f"cancelled while grouping people: {summary}; {REGROUPED}")
                    print(f"cancelled while grouping people; {REGROUPED}")
                    return 1
                # Timed apart: the Library page shows this beside the whole job's time, which the files' "in 2.1 s"
                # seemed to contradict.
                summary += (f"; {_groups(result)}, {count_of(result.n_unsorted, 'unsorted face')} "
                            f"(grouped and mapped in {result.seconds:.1f} s)")
                print(f"clustered {count_of(result.n_faces, 'face')}: {_groups(result)}, {result.n_unsorted} unsorted")
            reporter.finish("done", summary)
            return 0
    except IngestBusy as exc:
        reporter.finish("failed", str(exc))
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        reporter.finish("interrupted", "interrupted; run the same command again to continue")
        raise
    except BaseException as exc:
        reporter.finish("failed", failure_message(exc))
        raise


def _outdated_not_found(n: int) -> str:
    """What `--outdated` says of the photos of another face model whose files it could not find ('' for none)."""
    if not n:
        return ""
    photos = "1 photo" if n == 1 else f"{n:,} photos"
    return (f"{photos} analysed with another face model {'was' if n == 1 else 'were'} not found (is their drive "
            f"connected?) and {'stays' if n == 1 else 'stay'} as {'it is' if n == 1 else 'they are'}")


def _remembered_folders(data_dir: Path | None) -> list[Path]:
    """`app.py ingest` with no paths: the library's folders that can be found now (the others are named and
    left alone: their photos stay until the folder is back)."""
    store = existing_store(data_dir)
    try:
        remembered = store.folders.paths()
    finally:
        store.close()
    if not remembered:
        raise ValueError("this library has no folders yet: give the photo folders (or files) to add")
    present, missing = split_missing(remembered)
    for path in missing:
        print(f"not found, skipped (its photos are kept): {path}")
    if not present:
        raise FileNotFoundError("none of the library's folders can be found; is their drive connected?")
    print(f"checking {count_of(len(present), 'folder')} for new, changed and deleted photos")
    return [Path(p) for p in present]


def run_cluster(args: argparse.Namespace) -> int:
    """`app.py cluster`: re-cluster every face (names and manual moves are kept) and redo the map."""
    from dashapp.clustering import recluster

    store = existing_store(args.data_dir)
    reporter = _job(store, args, "cluster", {})
    reporter.start()
    try:
        result = recluster(
            store, project=not getattr(args, "no_project", False),
            progress=lambda name: (_say_phase(name), reporter.update(force=True, phase=name)),
        )
    except BaseException as exc:
        reporter.finish("failed", failure_message(exc))
        raise
    message = (
        f"{count_of(result.n_faces, 'face')}: {_groups(result)}, {result.n_unsorted} unsorted, "
        f"{count_of(result.n_merge_suggestions, 'merge suggestion')} ({result.cluster_seconds:.1f} s clustering, "
        f"{result.projection_seconds:.1f} s map)"
    )
    reporter.finish("done", message)
    print(message)
    return 0


def existing_store(data_dir: Path | None) -> Store:
    """The library at `data_dir`; FileNotFoundError if there is none (a mistyped --data-dir must not become a
    new, empty library)."""
    config = load_config(data_dir, create=False)
    if not config.db_path.exists():
        raise FileNotFoundError(f"no library at {config.data_dir}: add photos first (app.py ingest FOLDER)")
    return Store.open(config)


def run_folders(args: argparse.Namespace) -> int:
    """`app.py folders [list]`: the library's folders with their counts; `app.py folders remove PATH`: remove one
    and its photos from the library (the files stay where they are, except the library's copies of uploads)."""
    config = load_config(args.data_dir, create=False)
    store = existing_store(args.data_dir)
    if args.folders_action == "remove":
        path = remembered_path(config, args.path)
        try:
            n_photos, n_faces = remove_folder(config, store, path)
        except KeyError:
            raise ValueError(f"{path} is not one of the library's folders (python app.py folders lists them)") from None
        except IngestBusy as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 3
        uploads = is_uploads(config, path)
        files = ("The library's copies of the uploaded photos are deleted." if uploads else "The files are untouched.")
        again = "uploading the same photos again" if uploads else "adding the folder again"
        print(f"Removed {path} from the library: {n_photos} photos, {n_faces} faces. {files} Named people keep their "
              f"names; {again} gives them back their faces from it, and your moves and Ignored faces are as you left "
              "them.")
        return 0
    folders, n_elsewhere = store.folders.overview()
    # Photos added before the library remembered folders lie in none of them (as the Library page says).
    elsewhere = (f"{n_elsewhere} photo{'s' if n_elsewhere != 1 else ''} came from folders added before the library "
                 "remembered folders: add those folders again (python app.py ingest FOLDER) to list them here")
    if not folders:
        print(elsewhere if n_elsewhere else "No folders yet: add photos first (python app.py ingest FOLDER).")
        return 0
    _present, missing = split_missing([f.path for f in folders])
    print(f"{'photos':>7}  {'faces':>7}  {'errors':>6}  {'last checked':<16}  folder")
    for f in folders:
        checked = time.strftime("%Y-%m-%d %H:%M", time.localtime(f.scanned_at)) if f.scanned_at else "not yet"
        gone = "  (not found)" if f.path in missing else ""
        print(f"{f.n_photos:>7}  {f.n_faces:>7}  {f.n_errors:>6}  {checked:<16}  {f.path}{gone}")
    if n_elsewhere:
        print(elsewhere)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """`app.py export FILE`: every face of the library as CSV (see `dashapp.export`)."""
    from dashapp.export import write_faces_csv

    n = write_faces_csv(existing_store(args.data_dir), args.output)
    if args.output != "-":
        print(f"{count_of(n, 'face')} written to {args.output}")
    return 0


def read_identities(path: Path) -> dict[str, str]:
    """`identity_CelebA.txt` format: `file identity` per line, after a header line if it has one."""
    from model.labels import identity_rows

    if not path.exists():
        raise FileNotFoundError(f"no such identity file: {path}")
    if path.is_dir():
        raise ValueError(f"{path} is a folder: give the identity file (identity_CelebA.txt format)")
    truth: dict[str, str] = {}
    for number, line in identity_rows(path):
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path}:{number}: expected 'file identity', got {line!r}")
        truth[parts[0]] = parts[1]
    if not truth:
        raise ValueError(f"{path}: no identities")
    return truth


def check_truth_names_images(truth: dict[str, str], truth_file: Path, images: Path) -> None:
    """ValueError when the truth file names none of the folder's images: the scores would measure nothing."""
    if not any((images / name).is_file() for name in truth):
        example = next(iter(truth))
        raise ValueError(f"{truth_file} labels none of the images in {images} (it lists file names relative to "
                         f"that folder, e.g. {example}, which is not there)")


def largest_labelled_faces(store: Store, images: Path, truth: dict[str, str]) -> tuple[list[int], list[str], int, int]:
    """Each labelled photo's largest face id and its identity, then the counts of labelled photos
    without a face and of labelled photos not in the library."""
    by_path = store.photos.index()
    face_ids: list[int] = []
    identities: list[str] = []
    n_no_face = n_missing = 0
    for name, identity in truth.items():
        row = by_path.get(str(images / name))
        if row is None:
            n_missing += 1
            continue
        faces = store.faces.of_photo(row.id)  # largest first
        if not faces:
            n_no_face += 1
            continue
        face_ids.append(faces[0].id)
        identities.append(identity)
    return face_ids, identities, n_no_face, n_missing


def run_eval_cluster(args: argparse.Namespace) -> int:
    """`app.py eval cluster --images DIR --truth FILE`: ingest into a temporary library, cluster, score.

    Each photo's largest face is its labelled face; unsorted faces count as singletons. The last
    stdout line is one JSON object with the scores.
    """
    from dashapp.clustering import recluster
    from dashapp.ingest import IngestOptions, ingest
    from model.cluster_metrics import cluster_scores
    from model.clustering import ClusterParams

    images = Path(args.images).resolve()
    if not images.is_dir():
        raise FileNotFoundError(f"no such image folder: {args.images}")
    truth = read_identities(Path(args.truth))
    check_truth_names_images(truth, Path(args.truth), images)  # before the long ingest
    overrides = {
        k: v for k, v in dict(
            min_cluster_size=getattr(args, "min_cluster_size", None), min_samples=getattr(args, "min_samples", None),
            selection=getattr(args, "selection", None), attach_scale=getattr(args, "attach_scale", None),
        ).items() if v is not None
    }
    params = ClusterParams(**overrides)
    with tempfile.TemporaryDirectory(prefix="facealbum-eval-") as tmp:
        library = Path(args.library) if getattr(args, "library", None) else Path(tmp)
        config = load_config(library)
        store = Store.open(config)
        start = time.monotonic()
        progress = _CliProgress(None)
        store.folders.add([str(images)])  # a library kept with --library lists its folder, as one the dashboard made
        try:
            report = ingest(store, config, [images], IngestOptions(workers=getattr(args, "workers", None), weights=getattr(args, "weights", None)), progress)
        finally:
            progress.close()
        store.folders.mark_scanned([str(images)])
        recluster(store, params=params, project=False)
        seconds = time.monotonic() - start

        largest, true_labels, n_no_face, n_missing = largest_labelled_faces(store, images, truth)
        person_of_face = store.assignments.person_of(largest)
        predicted = [person_of_face[f] for f in largest]
        scores = cluster_scores(true_labels, [-1 if p is None else p for p in predicted])
        n_clusters = len({p for p in predicted if p is not None})
    n_photos = report.n_files
    result = {
        **{k: round(v, 4) for k, v in scores.items()},
        "n_faces": len(true_labels), "n_clusters": n_clusters, "n_photos_no_face": n_no_face,
        "n_unsorted": sum(p is None for p in predicted), "n_photos_missing": n_missing,
        "seconds": round(seconds, 1), "photos_per_second": round(n_photos / seconds, 2) if seconds else None,
        "params": params.as_dict(),
    }
    print(f"Clustering evaluation on {images} ({len(truth)} labelled photos, {n_photos} files)")
    print(f"{'metric':<22}{'value':>10}")
    for key in ("pairwise_precision", "pairwise_recall", "pairwise_f", "bcubed_precision", "bcubed_recall", "bcubed_f"):
        print(f"{key:<22}{result[key]:>10.4f}")
    for key in ("n_faces", "n_clusters", "n_unsorted", "n_photos_no_face", "n_photos_missing", "seconds", "photos_per_second"):
        print(f"{key:<22}{result[key]!s:>10}")
    print(json.dumps(result))
    return 0
