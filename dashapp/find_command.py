"""`app.py find QUERY_PHOTO [--also PHOTO ...] [--video FILE ...]` (or `--person NAME_OR_ID`): who is this,
where else are they.

Prints a readable table and, as the last stdout line, one JSON object. The dashboard runs the same
command as a job process (`--job-id N --out DIR`): progress goes into the job's row and the full
result (every candidate up to the search ceiling, so the page can loosen the threshold) into
`DIR/result.json`, with the video frame thumbnails beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

from dashapp.config import load_config
from dashapp.find import FindResult, clock, duration_clock, find, library_size_note, save_result, typical_face
from dashapp.jobs import JobReporter, failure_message
from dashapp.store import Person, Store
from dashapp.uploads import new_upload_folder, prune_old_searches
from dashapp.words import count_of

RESULT_FILE = "result.json"


def print_table(result: FindResult, threshold: float, strictness: str, folder: Path) -> None:
    """The answer for people: the query face, who it looks like, the photos, the video moments."""
    if result.query_face is None:
        print("No query photo: none of their photos is on disk now (is their drive connected?); searched with their "
              "faces stored in the library")
    else:
        box = ", ".join(f"{v:.0f}" for v in result.query_face.box)
        print(f"Query {result.query_path}: face {result.face + 1} of {len(result.faces)} (box {box})")
    if result.template:
        who = result.template.person_name or f"Person {result.template.person_id}"
        n = result.template.n_faces
        print(f"Searched with {who}'s template: " + (f"the mean of their {n} faces" if n > 1 else "their one face"))
    for also in result.also:
        print(f"Also {also.path}: " + ("its face joined the search" if also.used else f"skipped, {also.reason}")
              + (f" (distance {also.distance:.3f})" if also.distance is not None else ""))
    if result.also:
        print(f"Searched with the mean of {result.n_query_faces} faces")
    if result.library_faces:
        print(f"Averaged with the {len(result.library_faces)} library faces surest to be them (face ids "
              f"{', '.join(map(str, result.library_faces))})")
    t = result.thresholds
    print(f"Same person up to distance {threshold:.2f} ({strictness}; stricter {t.stricter:.2f}, default "
          f"{t.default:.2f}, looser {t.looser:.2f}), model {result.model_version}")
    person = result.person(threshold)
    photos = result.photos(threshold)
    if result.template:
        theirs = result.n_already_theirs(threshold)
        others = len(photos) - theirs
        print(f"{theirs} of the photos {'is' if theirs == 1 else 'are'} already theirs; {others} "
              f"show{'s' if others == 1 else ''} a face that is unsorted or someone else's")
    elif person:
        label = person["name"] or f"Person {person['id']} (not named yet)"
        print(f"Looks like: {label} ({person['n']} of the {person['of']} best matches)")
    print(f"{len(photos)} photo{'s' if len(photos) != 1 else ''} of {result.n_compared} faces compared"
          + (f" ({result.n_other_model} faces of another model version skipped: re-ingest to include them)"
             if result.n_other_model else ""))
    if note := library_size_note(result.n_compared):
        print(note)
    if photos:
        print(f"  {'#':>3}  {'distance':>8}  {'person':<20}  photo")
        for i, m in enumerate(photos, 1):
            who = m.person_name or (f"Person {m.person_id}" if m.person_id is not None else "unsorted")
            print(f"  {i:>3}  {m.distance:>8.3f}  {who[:20]:<20}  {m.path}")
    for video in result.videos:
        moments = result.video_moments(video, threshold)
        print(f"Video {video.path} ({duration_clock(video.duration)}, a frame every {video.every_s:g} s, "
              f"{len(video.samples)} frames): {len(moments)} moment{'s' if len(moments) != 1 else ''}")
        for seg in moments:
            best = video.sample_at(seg.best_time)
            frame = f"  frame {folder / best.thumb}" if best and best.thumb else ""
            print(f"  {clock(seg.start)}-{clock(seg.end)}  closest at {clock(seg.best_time)} "
                  f"(distance {seg.best_distance:.3f}){frame}")
        if video.error:
            print(f"  warning: {video.error}")


def _named(store: Store, name: str) -> Person | None:
    """The person with this name; failing that, the one whose name it is with case and accents set aside ("zoe"
    finds "Zoé"). ValueError when that is several people: which one is meant is for the user to say."""
    named = store.people.by_name(name)
    if named is not None:
        return named
    alike = store.people.named_alike(name)
    if len(alike) > 1:
        who = ", ".join(f"{p.name!r} (#{p.id})" for p in alike)
        raise ValueError(f"{name!r} could be {who}: give the name as it is written, or the id (--person '#ID')")
    return alike[0] if alike else None


def _library_person(store: Store, person: str) -> Person | None:
    """The person `--person` names: "#12" is the person with id 12; otherwise the person with that name (`_named`:
    also typed without its accents), else (digits only) the one with that id. A name wins so that a person called
    "007" is found by name; a note says when the digits are also someone else's id."""
    if person.startswith("#"):
        digits = person[1:]
        return store.people.get(int(digits)) if digits.isascii() and digits.isdigit() else None
    named = _named(store, person)
    numbered = store.people.get(int(person)) if person.isascii() and person.isdigit() else None
    if named is not None and numbered is not None and numbered.id != named.id:
        print(f"note: searching for the person named {named.name!r} (person {named.id}), not person {numbered.id} "
              f"(--person '#{numbered.id}' is them)", file=sys.stderr)
    return named or numbered


def _person_query(store: Store, person: str, model_version: str) -> tuple[Path | None, tuple | None, int]:
    """(photo, face box) of a library person's typical face and their id, by name or id; ValueError if there is no
    such person with faces. The photo and box are None when none of their photos is on disk: their faces stored in
    the library are searched for alone."""
    found = _library_person(store, person)
    if found is None or not found.n_faces:
        raise ValueError(f"no person {person.removeprefix('#')!r} with faces in the library (see `app.py people`)")
    face = typical_face(store, found.id, model_version)
    if face is None:
        who = found.name or f"person {found.id}"
        print(f"note: none of the photos of {who} is on disk now (is their drive connected?): searching with their "
              "faces stored in the library alone", file=sys.stderr)
        return None, None, found.id
    if face.model_version != model_version:  # their faces are not comparable with this model's: no template
        who = found.name or f"person {found.id}"
        print(f"note: the faces of {who} were found by an older face model: searching with their face in "
              f"{face.photo_path} alone (`app.py ingest --outdated` brings the library up to date)", file=sys.stderr)
    return Path(face.photo_path), face.box, found.id


def _check_arguments(args: argparse.Namespace) -> None:
    """Refuse a search that cannot run, before the library is touched: ValueError/FileNotFoundError in words."""
    if (args.query is None) == (args.person is None):
        raise ValueError("give either a photo of the person or --person NAME_OR_ID (one of the two)")
    if args.also and args.person is not None:
        raise ValueError("--also goes with a photo of the person, not --person (their faces are in the library)")
    files = ([Path(args.query)] if args.query else []) + [Path(p) for p in (args.also or []) + (args.video or [])]
    folders = [str(p) for p in files if p.is_dir()]
    if folders:
        raise ValueError(f"{', '.join(folders)}: a folder, not a file (give a photo{' or video' if args.video else ''})")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    if args.face is not None and (args.face < 1 or args.person is not None):
        raise ValueError("--face counts from 1 (the largest face) and goes with a photo, not --person")
    if not (args.every > 0 and math.isfinite(args.every)):  # "inf" would sample one frame and break the JSON line
        raise ValueError("--every must be a positive number of seconds")
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        raise ValueError(f"--out {args.out} is a file: give a folder for the result (made if it is not there)")


def run_find(args: argparse.Namespace) -> int:
    """Search the library (and videos) for the person in the query photo, or for a library person; 0 on success."""
    from dashapp.commands import existing_store  # here: the web imports this module for RESULT_FILE only

    _check_arguments(args)
    videos = [Path(v) for v in (args.video or [])]
    also = [Path(p) for p in (args.also or [])]
    config = load_config(args.data_dir, create=False)
    store = existing_store(args.data_dir)
    if args.out:
        folder = Path(args.out)
    else:  # the command's own searches are kept as the page's are: the newest ones
        folder = new_upload_folder(config.finds_dir)
        prune_old_searches(config.finds_dir)
    made = not folder.exists() or not args.out  # this run's folder: a failed search leaves nothing behind
    folder.mkdir(parents=True, exist_ok=True)
    reporter = JobReporter(store, args.job_id) if args.job_id else None

    def progress(phase: str, done: int, total: int | None) -> None:
        if reporter is not None:
            message = {"query": "finding faces in the query photo", "search": "comparing with the library",
                       "video": "looking through the video"}.get(phase, phase)
            reporter.update(force=phase != "video", phase=phase, done=done, total=total, message=message)

    if reporter is not None:
        reporter.start()
    try:  # from here on, a failure is written into the job's row (the page shows it)
        from model.faces import FaceAnalyzer

        analyzer = FaceAnalyzer(args.weights)  # loads nothing until the search
        face, box, person = None if args.face is None else args.face - 1, None, None
        if args.person is not None:
            query, box, person = _person_query(store, args.person, analyzer.model_version)
        else:
            query = Path(args.query)
        result = find(
            analyzer, store, query, face, videos, args.every, folder,
            progress, reporter.cancelled if reporter is not None else (lambda: False), person, also, box,
        )
        save_result(result, folder / RESULT_FILE)
    except BaseException as exc:
        if reporter is not None:
            reporter.finish("failed", str(exc) if isinstance(exc, ValueError) else failure_message(exc))
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    threshold = result.thresholds.get(args.strictness)
    print_table(result, threshold, args.strictness, folder)
    summary = result.summary(threshold, folder)
    if reporter is not None:
        n = len(summary["photos"])
        n_moments = sum(len(v["moments"]) for v in summary["videos"])
        cancelled = reporter.cancelled()
        reporter.finish("cancelled" if cancelled else "done",
                        count_of(n, "photo") + (f", {count_of(n_moments, 'video moment')}" if videos else ""))
    print(f"result: {folder / RESULT_FILE}")
    print(json.dumps(summary))
    return 0

