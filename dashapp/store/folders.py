"""The folders the user added: listed with their counts, checked again for new photos, removed.

A folder is remembered when an ingest of it starts (so an interrupted one can be continued) and marked
scanned when an ingest finishes scanning it. Folders never nest: adding a folder inside a remembered
one changes nothing, and adding one around remembered folders replaces them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from dashapp.store.base import Repo, now
from dashapp.store.people import drop_empty_groups
from dashapp.store.removed import mark_removed_groups, remember
from dashapp.store.schema import faces, folders, not_a_photo, photos


@dataclass(frozen=True)
class Folder:
    """A remembered folder (or single photo) and what the library holds from it."""

    id: int
    path: str
    added_at: float
    scanned_at: float | None  # when an ingest last finished scanning it; None if none has
    n_photos: int  # analysed photos
    n_faces: int
    n_errors: int  # photos that could not be read (files of other types are not counted)


def is_under(path: str, folder: str) -> bool:
    """Whether `path` is `folder` or lies inside it (plain path strings, as stored)."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def outermost(paths: Iterable[str]) -> list[str]:
    """The paths that lie inside none of the others, sorted."""
    unique = sorted(set(paths))
    return [p for p in unique if not any(q != p and is_under(p, q) for q in unique)]


def photos_under(folder: str) -> ColumnElement[bool]:
    """True for a photo row whose file is `folder` or lies inside it."""
    # The paths that start with "folder/" are exactly those from "folder/" up to, not including, "folder0"
    # ('0' follows '/'): a range on the paths' index, not a scan (and not LIKE: a path may hold '%' or '_').
    base = folder.rstrip("/")
    return or_(photos.c.path == folder, and_(photos.c.path >= base + "/", photos.c.path < base + "0"))


class FolderRepo(Repo):
    def paths(self) -> list[str]:
        """The remembered folders' paths, sorted."""
        with self._read() as conn:
            return list(conn.execute(select(folders.c.path).order_by(folders.c.path)).scalars())

    def path_of(self, folder_id: int) -> str | None:
        """The path of the remembered folder with this id (None if there is none)."""
        with self._read() as conn:
            return conn.execute(select(folders.c.path).where(folders.c.id == folder_id)).scalar()

    def list(self) -> list[Folder]:
        """Every remembered folder with its counts, by path."""
        return self.overview()[0]

    def overview(self) -> tuple[list[Folder], int]:
        """Every remembered folder with its counts, by path, and how many photos lie in none of them (added by a
        library made before folders were remembered). Folders never nest, so their counts add up."""
        with self._read() as conn:
            rows = conn.execute(select(folders).order_by(folders.c.path)).all()
            counts = [_counts(conn, r.path) for r in rows]
            total = conn.execute(select(func.count()).where(~not_a_photo())).scalar_one()
        listed = [Folder(**r._mapping, n_photos=c["done"], n_faces=c["faces"], n_errors=c["error"])
                  for r, c in zip(rows, counts)]
        return listed, total - sum(c["files"] for c in counts)

    def add(self, paths: Iterable[str]) -> None:
        """Remember these folders (absolute, resolved paths); see the module docstring for nesting."""
        with self._write() as conn:
            for path in outermost(paths):
                known = list(conn.execute(select(folders.c.path)).scalars())
                if any(is_under(path, k) for k in known):
                    continue
                inside = [k for k in known if is_under(k, path)]
                if inside:
                    conn.execute(delete(folders).where(folders.c.path.in_(inside)))
                conn.execute(insert(folders).values(path=path, added_at=now()))

    def mark_scanned(self, paths: Iterable[str]) -> None:
        """Record that an ingest has just finished scanning these remembered folders."""
        with self._write() as conn:
            conn.execute(update(folders).where(folders.c.path.in_(list(paths))).values(scanned_at=now()))

    def forget_vanished(self) -> list[str]:
        """Forget the remembered folders that are gone from disk and hold no file of the library any more (an album
        moved, found again at its new place); returns them. A folder gone with its photos (an unplugged drive) stays."""
        import os

        with self._write() as conn:
            gone = [path for path in conn.execute(select(folders.c.path)).scalars()
                    if not os.path.isdir(path) and _counts(conn, path)["files"] == 0]
            if gone:
                conn.execute(delete(folders).where(folders.c.path.in_(gone)))
        return gone

    def remove(self, path: str) -> tuple[int, int]:
        """Forget a folder and every file from it (photos with their faces; unnamed groups left empty go too, named
        people stay); returns (photos, faces) removed. KeyError if it is not a remembered folder.

        What the user decided about its faces is remembered (`store.removed`): the same photos added again get
        it back."""
        with self._write() as conn:
            if conn.execute(select(folders.c.id).where(folders.c.path == path)).first() is None:
                raise KeyError(path)
            under = photos_under(path)
            n_photos = conn.execute(select(func.count()).where(under, ~not_a_photo())).scalar_one()
            n_faces = conn.execute(select(func.count()).select_from(faces.join(photos)).where(under)).scalar_one()
            remember(conn, under)
            conn.execute(delete(photos).where(under))  # files of other types go too
            conn.execute(delete(folders).where(folders.c.path == path))
            mark_removed_groups(conn)
            drop_empty_groups(conn)
            return n_photos, n_faces


def _counts(conn: Connection, path: str) -> dict[str, int]:
    """A folder's photos by status ('done', 'error', 'pending'), all of them ('files') and their faces ('faces'), in
    one pass over the folder's range of paths (files that are not photos left out)."""
    rows = conn.execute(
        select(photos.c.status, func.count(), func.coalesce(func.sum(photos.c.n_faces), 0))
        .where(photos_under(path), ~not_a_photo()).group_by(photos.c.status)
    ).all()
    counts = {"done": 0, "error": 0, **{status: n for status, n, _ in rows}}
    return {**counts, "files": sum(n for _, n, _ in rows), "faces": sum(f for _, _, f in rows)}
