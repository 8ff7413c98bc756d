"""The library's folders: which folder an ingest remembers, checking them all again, removing one.

The same functions serve `app.py ingest` / `app.py folders` and the Library page.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from dashapp.config import Config
from dashapp.ingest import IMAGE_SUFFIXES, remove_orphan_thumbnails
from dashapp.jobs import IngestBusy, ingest_lock, refresh_stale
from dashapp.store import Store
from dashapp.uploads import VIDEO_SUFFIXES

log = logging.getLogger(__name__)


def remembered_path(config: Config, path: str | Path) -> str:
    """The folder an ingest of `path` remembers: the path itself, resolved, except that every upload
    (each saved in a folder of its own) counts as the library's one uploads folder."""
    resolved = Path(path).expanduser().resolve()
    uploads = config.uploads_dir.resolve()
    return str(uploads if resolved.is_relative_to(uploads) else resolved)


def own_folder_refusal(config: Config, path: str | Path) -> str | None:
    """Why `path` cannot be ingested, when it is the library's own folder or one in it (its uploads excepted), else
    None. Scans skip what the library folder holds, so ingesting it swept the uploaded photos out of the library
    (and took the place of "Uploaded photos" among its folders, so that no check brought them back)."""
    real = Path(path).expanduser().resolve()
    own = config.data_dir.resolve()
    if not real.is_relative_to(own) or real.is_relative_to(config.uploads_dir.resolve()):
        return None
    return (f"{own} is this library's own folder (its database, face thumbnails and uploaded photos), not an album: "
            "add a folder of your photos.")


def not_a_photo_refusal(path: str | Path) -> str | None:
    """Why the file `path`, given to an ingest by itself, is refused: it is not a photo by its type; else None (a
    folder, a photo). Ingested, it was kept as a file of another type that lies in no folder of the library (the
    "folder" it was given as is forgotten, holding no photo): listed on the Library page for good, with no folder
    to remove it by."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() in IMAGE_SUFFIXES:
        return None
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return (f"{path} is a video, and the library adds photos: nothing was added. To look for someone in a video, "
                "use Find a person (python app.py find --video).")
    types = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES))
    return f"{path} is not a photo ({types}) nor a folder: nothing was added."


def is_uploads(config: Config, path: str) -> bool:
    """Whether `path` is the library's uploads folder ("Uploaded photos"), whose files are the library's own copies."""
    return Path(path) == config.uploads_dir.resolve()


def split_missing(paths: list[str]) -> tuple[list[str], list[str]]:
    """(paths that exist now, paths that do not): a folder on an unplugged drive is left alone, never swept."""
    present = [p for p in paths if Path(p).exists()]
    return present, [p for p in paths if p not in present]


def remove_folder(config: Config, store: Store, path: str) -> tuple[int, int]:
    """Remove a remembered folder and its photos and faces from the library; returns (photos, faces) removed.
    KeyError for a folder the library does not remember, IngestBusy while an ingest or a clustering runs (they
    write the faces being removed).

    A folder's files are not touched, except the uploads folder's: those are the library's own copies of uploaded
    photos, and left in place they would come back at the next check of the library's folders. What the user
    decided about the faces is remembered by the photos' content: the same photos added again get it back."""
    refresh_stale(store, config)
    with ingest_lock(config, "the removal of a folder"):
        if store.jobs.active("ingest") or store.jobs.active("cluster"):  # started, or about to take the lock
            raise IngestBusy("photos are being added or grouped right now; remove the folder when that is done")
        removed = store.folders.remove(path)
        if is_uploads(config, path):
            try:
                shutil.rmtree(config.uploads_dir)
            except OSError as exc:  # the library no longer lists them; the next upload's check would bring them back
                log.warning("could not delete the uploaded copies in %s: %s", config.uploads_dir, exc)
        # Still under the lock: the sweep deletes every thumbnail no face refers to, so an ingest started meanwhile
        # (seconds, for a large folder) would lose the thumbnails it had written before their faces.
        remove_orphan_thumbnails(store, config)
    return removed
