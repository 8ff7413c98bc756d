"""Photos: what ingest has seen, its status per file, and the atomic write of a photo's faces."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection

from dashapp.store import removed
from dashapp.store.base import Repo, chunks, now
from dashapp.store.blobs import from_blob, to_blob
from dashapp.store.folders import is_under
from dashapp.store.people import drop_empty_groups
from dashapp.store.schema import IGNORED, assignments, faces, people, photos
from model.matching import FALLBACK_THRESHOLDS, box_iou

# A face found again where a face of the photo was is that face when their embeddings (of one model) lie this close:
# as sure as the stricter search level that they are one person.
SAME_FACE_DISTANCE = FALLBACK_THRESHOLDS.stricter


@dataclass(frozen=True)
class PhotoRow:
    """One photo as stored."""

    id: int
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    status: str  # 'pending', 'done', 'error'
    error_stage: str | None = None
    error_kind: str | None = None
    error_detail: str | None = None
    width: int | None = None
    height: int | None = None
    n_faces: int | None = None
    model_version: str | None = None
    taken: str | None = None  # EXIF date "YYYY-MM-DD HH:MM:SS"; '' = none in the file; None = not read yet


@dataclass(frozen=True)
class NewFace:
    """A face to store: box (x, y, w, h) in upright original pixels, landmarks (5, 2)."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: object  # np.ndarray (5, 2)
    embedding: object  # np.ndarray (128,)
    attributes: object  # np.ndarray (40,)
    thumb_path: str | None = None


_COLUMNS = [getattr(photos.c, f) for f in PhotoRow.__dataclass_fields__]


def analysed_by_another_model(model_version: str):
    """SQL condition: an analysed photo whose faces came from another face model than `model_version`."""
    return and_(
        photos.c.status == "done",
        or_(photos.c.model_version.is_(None), photos.c.model_version != model_version),
    )


def _row(r) -> PhotoRow:
    return PhotoRow(**r._mapping)


def _face_rows(photo_id: int, new_faces: Sequence[NewFace], model_version: str, t: float) -> list[dict]:
    return [
        dict(
            photo_id=photo_id, idx=i, x=float(f.box[0]), y=float(f.box[1]), w=float(f.box[2]), h=float(f.box[3]),
            score=float(f.score), landmarks=to_blob(f.landmarks), embedding=to_blob(f.embedding),
            attributes=to_blob(f.attributes), model_version=model_version, thumb_path=f.thumb_path, created_at=t,
        )
        for i, f in enumerate(new_faces)
    ]


def _match_boxes(
    old: list[tuple], new: list[tuple], min_iou: float = 0.5, same: Callable[[int, int], bool] = lambda i, j: True
) -> dict[int, int]:
    """Greedy one-to-one matching new index -> old index of boxes overlapping by at least min_iou (and `same`)."""
    pairs = sorted(((box_iou(o, n), i, j) for j, o in enumerate(old) for i, n in enumerate(new) if same(i, j)),
                   reverse=True)
    matched: dict[int, int] = {}
    used: set[int] = set()
    for iou, i, j in pairs:
        if iou < min_iou:
            break
        if i not in matched and j not in used:
            matched[i] = j
            used.add(j)
    return matched


def _restore_decisions(
    conn: Connection, photo_id: int, face_ids: Sequence[int], boxes: Sequence[tuple], t: float
) -> None:
    """Give the faces of a photo whose content was removed with its folder (and is back now) what the user had
    decided about them: each face found at a remembered box (IoU >= 0.5; same bytes, so the box tells the face) gets
    its assignment back as it was, unless its person was deleted since (the face is grouped as any other then).
    A face that has an assignment already (found again by a re-analysis, or copied from a duplicate) keeps it."""
    sha256 = conn.execute(select(photos.c.sha256).where(photos.c.id == photo_id)).scalar()
    saved = removed.take(conn, sha256) if sha256 else []
    if not saved:
        return
    wanted = {d.person_id for d in saved} - {None}
    alive = set(conn.execute(select(people.c.id).where(people.c.id.in_(wanted))).scalars())
    saved = [d for d in saved if d.person_id is None or d.person_id in alive or d.group_removed]
    decided = set(conn.execute(select(assignments.c.face_id).where(assignments.c.face_id.in_(face_ids))).scalars())
    back = {face_ids[i]: saved[j] for i, j in _match_boxes([d.box for d in saved], list(boxes)).items()
            if face_ids[i] not in decided}
    removed.bring_back_groups(conn, {d.person_id for d in back.values()} - alive - {None}, t)
    rows = [dict(face_id=f, person_id=d.person_id, source=d.source, updated_at=t) for f, d in back.items()]
    if rows:
        conn.execute(insert(assignments), rows)


class PhotoRepo(Repo):
    """Queries and updates of `photos` (and the faces written together with a photo's status)."""

    def get(self, photo_id: int) -> PhotoRow | None:
        with self._read() as conn:
            r = conn.execute(select(*_COLUMNS).where(photos.c.id == photo_id)).first()
        return _row(r) if r else None

    def by_path(self, path: str | Path) -> PhotoRow | None:
        with self._read() as conn:
            r = conn.execute(select(*_COLUMNS).where(photos.c.path == str(path))).first()
        return _row(r) if r else None

    def index(self) -> dict[str, PhotoRow]:
        """Every photo by path: the fast path of an incremental scan compares size and mtime with it."""
        with self._read() as conn:
            return {r.path: _row(r) for r in conn.execute(select(*_COLUMNS))}

    def all(self, status: str | None = None) -> list[PhotoRow]:
        query = select(*_COLUMNS).order_by(photos.c.id)
        if status:
            query = query.where(photos.c.status == status)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def outdated(self, model_version: str) -> list[PhotoRow]:
        """Analysed photos whose faces came from another face model: their embeddings are not comparable."""
        query = select(*_COLUMNS).where(analysed_by_another_model(model_version)).order_by(photos.c.id)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def with_hash(self, sha256: str) -> list[PhotoRow]:
        """Analysed photos ('done') with this content hash."""
        query = select(*_COLUMNS).where(photos.c.sha256 == sha256, photos.c.status == "done").order_by(photos.c.id)
        with self._read() as conn:
            return [_row(r) for r in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        """Number of photos per status."""
        with self._read() as conn:
            rows = conn.execute(select(photos.c.status, func.count()).group_by(photos.c.status))
            return {status: n for status, n in rows}

    def errors(self) -> list[PhotoRow]:
        """Photos that could not be used, with their reason (error_kind) and detail."""
        return self.all(status="error")

    # --- writes used by ingest; each is one transaction ---

    def upsert_pending(self, path: str, size: int, mtime_ns: int, sha256: str | None) -> int:
        """Record a new or changed file as waiting for analysis.

        A changed file keeps its faces until its analysis is saved, which keeps those found again (`_save`): a
        photo edited in place (its date, tags or rating written into the file, a re-save) keeps its faces' names,
        manual moves and Ignored marks. What the user decided about the old content is remembered too, for when
        that content turns up again (two photos that swapped names).
        """
        t = now()
        with self._write() as conn:
            old, old_sha = conn.execute(select(photos.c.id, photos.c.sha256).where(photos.c.path == path)).first() \
                or (None, None)
            if old_sha not in (None, sha256):
                removed.remember(conn, photos.c.id == old)
            values = dict(
                size=size, mtime_ns=mtime_ns, sha256=sha256, status="pending", error_stage=None, error_kind=None,
                error_detail=None, n_faces=None, updated_at=t,
            )
            if old is None:
                return conn.execute(insert(photos).values(path=path, added_at=t, **values)).inserted_primary_key[0]
            conn.execute(update(photos).where(photos.c.id == old).values(**values))
            return old

    def touch(self, photo_id: int, size: int, mtime_ns: int) -> None:
        """The file's metadata changed but its content did not: keep everything, remember the new stat."""
        with self._write() as conn:
            conn.execute(
                update(photos).where(photos.c.id == photo_id).values(size=size, mtime_ns=mtime_ns, updated_at=now())
            )

    def relocate(self, photo_id: int, new_path: str, size: int, mtime_ns: int) -> None:
        """A file was moved or renamed: the photo row (its faces, names, manual moves) follows it."""
        with self._write() as conn:
            replaced = (photos.c.path == new_path) & (photos.c.id != photo_id)  # a file moved onto another
            removed.remember(conn, replaced)
            conn.execute(delete(photos).where(replaced))
            conn.execute(
                update(photos)
                .where(photos.c.id == photo_id)
                .values(path=new_path, size=size, mtime_ns=mtime_ns, updated_at=now())
            )

    def save_error(
        self, path: str, size: int, mtime_ns: int, stage: str, kind: str, detail: str, sha256: str | None = None
    ) -> int:
        """Record that a file cannot be used and why (kept until the file changes)."""
        t = now()
        values = dict(
            size=size, mtime_ns=mtime_ns, status="error", error_stage=stage, error_kind=kind,
            error_detail=detail[:2000], n_faces=0, updated_at=t,
        )
        if sha256 is not None:
            values["sha256"] = sha256
        with self._write() as conn:
            old, status = conn.execute(select(photos.c.id, photos.c.status).where(photos.c.path == path)).first() \
                or (None, None)
            if old is None:
                return conn.execute(insert(photos).values(path=path, added_at=t, **values)).inserted_primary_key[0]
            if status == "done":  # (a changed file's were remembered when it was found changed: `upsert_pending`)
                # Its faces go; what the user decided about them comes back if the same photo can be read again.
                removed.remember(conn, photos.c.id == old)
            conn.execute(delete(faces).where(faces.c.photo_id == old))
            conn.execute(update(photos).where(photos.c.id == old).values(**values))
            return old

    def save_analysis(
        self, photo_id: int, new_faces: Sequence[NewFace], width: int, height: int, model_version: str,
        taken: str = "",
    ) -> list[int]:
        """Store a photo's faces (and its EXIF date, '' for none) and mark it done in ONE transaction (a
        crash leaves all or nothing).

        Any faces from an earlier attempt are replaced, so a rerun never duplicates faces.
        Returns the new face ids in `new_faces` order.
        """
        t = now()
        with self._write() as conn:
            return self._save(conn, photo_id, new_faces, width, height, model_version, taken, t)

    @staticmethod
    def _save(conn: Connection, photo_id: int, new_faces, width, height, model_version, taken, t) -> list[int]:
        # Re-analysis (a new model version, a photo edited in place) keeps the ids of faces found again at the same
        # place, so their names and manual assignments survive; faces no longer found are deleted.
        old = conn.execute(
            select(faces.c.id, faces.c.x, faces.c.y, faces.c.w, faces.c.h, faces.c.embedding, faces.c.model_version)
            .where(faces.c.photo_id == photo_id)
        ).all()

        def same(i: int, j: int) -> bool:
            """Embeddings of one model must agree too: the file may be another photo now (a camera numbering its
            files again), with someone else where a face was. Those of two models are not comparable."""
            if old[j].model_version != model_version:
                return True
            return float(np.linalg.norm(from_blob(old[j].embedding) - new_faces[i].embedding)) <= SAME_FACE_DISTANCE

        matches = _match_boxes([(r.x, r.y, r.w, r.h) for r in old], [f.box for f in new_faces], same=same)
        conn.execute(update(faces).where(faces.c.photo_id == photo_id).values(idx=-1 - faces.c.idx))
        keep = {old[j].id for j in matches.values()}
        conn.execute(delete(faces).where(faces.c.photo_id == photo_id, faces.c.id.not_in(keep)))
        ids = []
        for i, row in enumerate(_face_rows(photo_id, new_faces, model_version, t)):
            j = matches.get(i)
            if j is None:
                ids.append(conn.execute(insert(faces).values(**row)).inserted_primary_key[0])
            else:
                row.pop("created_at")
                row.update(map_x=None, map_y=None)  # a new embedding: its place on the map is made again
                conn.execute(update(faces).where(faces.c.id == old[j].id).values(**row))
                ids.append(old[j].id)
        _restore_decisions(conn, photo_id, ids, [f.box for f in new_faces], t)
        conn.execute(
            update(photos)
            .where(photos.c.id == photo_id)
            .values(
                status="done", width=width, height=height, n_faces=len(new_faces), model_version=model_version,
                taken=taken, error_stage=None, error_kind=None, error_detail=None, updated_at=t,
            )
        )
        return ids

    def set_taken(self, dates: dict[int, str]) -> None:
        """Record photos' EXIF dates ('' = none in the file), e.g. of photos analysed before dates were read."""
        with self._write() as conn:
            for photo_id, taken in dates.items():
                conn.execute(update(photos).where(photos.c.id == photo_id).values(taken=taken))

    def copy_from(self, source_id: int, path: str, size: int, mtime_ns: int) -> int:
        """A duplicate of an analysed photo: copy its faces (and the user's assignments) without model work.

        One transaction; returns the new (or updated) photo id.
        """
        t = now()
        with self._write() as conn:
            src = conn.execute(select(*_COLUMNS).where(photos.c.id == source_id)).first()
            if src is None:
                raise KeyError(f"photo {source_id} is gone")
            values = dict(
                size=size, mtime_ns=mtime_ns, sha256=src.sha256, status="done", width=src.width, height=src.height,
                n_faces=src.n_faces, model_version=src.model_version, taken=src.taken, error_stage=None,
                error_kind=None, error_detail=None, updated_at=t,
            )
            dst, dst_sha = conn.execute(select(photos.c.id, photos.c.sha256).where(photos.c.path == path)).first() \
                or (None, None)
            if dst is None:
                dst = conn.execute(insert(photos).values(path=path, added_at=t, **values)).inserted_primary_key[0]
            else:
                if dst_sha not in (None, src.sha256):  # the file holds another photo now: remember the old one's
                    removed.remember(conn, photos.c.id == dst)
                conn.execute(delete(faces).where(faces.c.photo_id == dst))
                conn.execute(update(photos).where(photos.c.id == dst).values(**values))
            face_cols = [c for c in faces.c if c.name not in ("id", "photo_id", "created_at")]
            src_faces = conn.execute(
                select(faces.c.id, *face_cols).where(faces.c.photo_id == source_id).order_by(faces.c.idx)
            ).all()
            new_ids = []
            for f in src_faces:
                values = {c.name: getattr(f, c.name) for c in face_cols}
                new_id = conn.execute(
                    insert(faces).values(photo_id=dst, created_at=t, **values)
                ).inserted_primary_key[0]
                new_ids.append(new_id)
                manual = conn.execute(
                    select(assignments.c.person_id, assignments.c.source).where(
                        assignments.c.face_id == f.id, assignments.c.source.in_(("manual", IGNORED))
                    )
                ).first()
                if manual is not None:
                    conn.execute(
                        insert(assignments).values(
                            face_id=new_id, person_id=manual.person_id, source=manual.source, updated_at=t
                        )
                    )
            # A copy of a photo removed with its folder: the copy's own decisions (above) win, the rest come back.
            _restore_decisions(conn, dst, new_ids, [(f.x, f.y, f.w, f.h) for f in src_faces], t)
            return dst

    def sweep(self, roots: Iterable[str | Path], seen: set[str], keep: Iterable[str] = (),
              library_dir: str | Path | None = None) -> tuple[int, int]:
        """Delete photos whose files are gone; returns how many, and how many `keep` saved.

        Under the scanned `roots`, a photo the scan did not see is gone, unless it lies under one of `keep`
        (folders the scan could not read, or found empty: a drive not connected may leave an empty folder), or
        in the library's own folder (`library_dir`, which holds uploaded photos) while only a folder around it
        was scanned: scans skip it. Elsewhere only records without faces (errors, pending) are dropped when their
        file is missing: analysed photos on an unplugged drive must survive until the drive is back.
        """
        import os

        prefixes = [str(Path(r)) for r in roots]
        kept_folders = [str(Path(k)) for k in keep]
        own = str(Path(library_dir)) if library_dir is not None else None
        with self._read() as conn:
            rows = conn.execute(select(photos.c.id, photos.c.path, photos.c.status)).all()
        unseen = [r for r in rows if r.path not in seen]
        gone, n_kept = [], 0
        for r in unseen:
            scanned_by = [p for p in prefixes if is_under(r.path, p)]
            if own is not None and is_under(r.path, own):  # only a scan inside the library's folder reads it
                scanned_by = [p for p in scanned_by if is_under(p, own)]
            if scanned_by:
                if any(is_under(r.path, k) for k in kept_folders):
                    n_kept += 1
                else:
                    gone.append(r.id)
            elif r.status != "done" and not os.path.exists(r.path):
                gone.append(r.id)
        with self._write() as conn:
            for part in chunks(gone):
                # A photo deleted or moved out of the library may be put back: its faces' decisions come back then.
                removed.remember(conn, photos.c.id.in_(part))
                conn.execute(delete(photos).where(photos.c.id.in_(part)))
            removed.mark_removed_groups(conn)
            drop_empty_groups(conn)
        return len(gone), n_kept

    def delete(self, photo_ids: Sequence[int]) -> None:
        with self._write() as conn:
            for part in chunks(list(photo_ids)):
                conn.execute(delete(photos).where(and_(photos.c.id.in_(part))))
