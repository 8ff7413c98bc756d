"""Start and cancel background jobs from the web process, with messages fit for the UI.

The web process never loads TensorFlow: `dashapp.jobs.spawn_ingest` starts `python app.py ingest
--job-id N ...` (`spawn_find`: `python app.py find ...`) as a separate process, which writes its
progress into the job's row; the Library (Find) page polls that row. This module turns the library's
exceptions into short user-facing messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from dashapp.folders import not_a_photo_refusal
from dashapp.jobs import FindBusy, IngestBusy, ingest_running, refresh_stale, spawn_cluster, spawn_find, spawn_ingest
from dashapp.ui_context import Library

log = logging.getLogger(__name__)


class JobRefused(ValueError):
    """A job that was not started; the message says why, in words for the user."""


@dataclass(frozen=True)
class Started:
    job_id: int
    paths: list[str]


def check_folder(text: str | None) -> Path:
    """The folder (or photo) a user typed, expanded and checked; JobRefused if unusable."""
    raw = (text or "").strip().strip('"').strip("'")
    if not raw:
        raise JobRefused("Type the path of a folder with photos first.")
    path = Path(raw).expanduser()
    if not path.is_absolute():
        raise JobRefused(f"Use a full path (like /home/me/Pictures), not {raw!r}.")
    if not path.exists():
        raise JobRefused(f"No such folder: {path}")
    if not (path.is_dir() or path.is_file()):
        raise JobRefused(f"Not a folder or a photo: {path}")
    refusal = not_a_photo_refusal(path)
    if refusal:
        raise JobRefused(refusal)
    try:
        if path.is_dir():
            next(iter(path.iterdir()), None)  # readable?
    except PermissionError as exc:
        raise JobRefused(f"No permission to read {path}") from exc
    return path.resolve()


def start_ingest(lib: Library, paths: list[str | Path], outdated: bool = False) -> Started:
    """Start ingesting `paths` (and with `outdated`, re-analysing photos of an older face model) into the
    library in a job process; JobRefused when that is not possible."""
    try:
        job_id = spawn_ingest(lib.config, lib.store, paths, outdated=outdated)
    except IngestBusy as exc:
        raise JobRefused("An ingest is already running on this library. Wait for it to finish or cancel it.") from exc
    except FileNotFoundError as exc:
        raise JobRefused(str(exc).capitalize()) from exc
    log.info("ingest job %d started for %s", job_id, paths)
    return Started(job_id, [str(p) for p in paths])


def clustering_running(lib: Library) -> bool:
    """Whether an ingest or a clustering job is running (either ends by clustering and redoing the map)."""
    refresh_stale(lib.store, lib.config)
    return bool(lib.store.jobs.active("ingest") or lib.store.jobs.active("cluster")) or ingest_running(lib.config)


def start_cluster(lib: Library) -> int:
    """Re-cluster every face and redo the map in a job process (names and corrections are kept); the job id.

    JobRefused while an ingest or another clustering runs: it ends by doing the same.
    """
    if clustering_running(lib):
        raise JobRefused("Photos are being added or clustered right now; the map comes when that finishes.")
    job_id = spawn_cluster(lib.config, lib.store)
    log.info("cluster job %d started", job_id)
    return job_id


FIND_BUSY = "A search is already running. Wait for it to finish, then try again."


def check_find_free(lib: Library) -> None:
    """JobRefused while a search runs: checked before a new search's photo is saved, since saving one makes a
    search folder and lets the oldest kept search go."""
    refresh_stale(lib.store, lib.config)
    if lib.store.jobs.active("find"):
        raise JobRefused(FIND_BUSY)


def start_find(lib: Library, query: Path, face: int | None = None, videos: list[Path] | None = None,
               person: int | None = None, also: list[Path] | None = None) -> int:
    """Start a "find a person" job for the query photo saved in its search folder; returns the job id.

    With `person` (a library person, whose typical face `query` shows) the job searches with their faces;
    with `also` (more photos of the person in `query`, saved beside it), with theirs too.

    Each run writes into its own folder beside the query (`run-N`), so an earlier result stays readable.
    """
    folder = Path(query).parent
    try:
        out = folder / f"run-{len(list(folder.glob('run-*'))) + 1}"
        job_id = spawn_find(lib.config, lib.store, query, out, face, videos or [], person=person, also=also or [])
    except FindBusy as exc:
        raise JobRefused(FIND_BUSY) from exc
    log.info("find job %d started for %s (face %s, %d videos)", job_id, query, face, len(videos or []))
    return job_id


def outdated_photos(lib: Library) -> tuple[int, str]:
    """(photos analysed by an older face model, the current model's version); reads the model card only."""
    from dashapp.ingest import current_model_version

    version = current_model_version(None)
    return lib.queries.n_outdated(version), version


def cancel(lib: Library, job_id: int) -> None:
    """Ask a running job to stop after its current photo."""
    lib.store.jobs.request_cancel(int(job_id))


def refresh(lib: Library) -> None:
    """Mark jobs whose process died as interrupted (so the UI never shows a dead job as running)."""
    refresh_stale(lib.store, lib.config)
