"""Faces: reading embeddings for clustering, one face's details, and the 2-D map coordinates."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import bindparam, func, select, update

from dashapp.store.base import Repo, chunks
from dashapp.store.blobs import from_blob, stack_blobs
from dashapp.store.schema import IGNORED, assignments, faces, not_ignored, people, photos

EMBEDDING_DIM = 128
N_ATTRIBUTES = 40


@dataclass(frozen=True)
class FaceRow:
    """One face with its vectors decoded."""

    id: int
    photo_id: int
    idx: int
    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray  # (5, 2)
    embedding: np.ndarray  # (128,)
    attributes: np.ndarray  # (40,)
    model_version: str
    thumb_path: str | None
    map_xy: tuple[float, float] | None
    photo_path: str


@dataclass(frozen=True)
class FaceMatrix:
    """All faces as arrays (row i = face ids[i]): what clustering and projection need."""

    ids: np.ndarray  # (N,) int64
    photo_ids: np.ndarray  # (N,) int64
    embeddings: np.ndarray  # (N, 128) float32
    areas: np.ndarray  # (N,) box area in pixels
    model_versions: np.ndarray  # (N,) str
    map_xy: np.ndarray  # (N, 2) float64 position on the last map; NaN where not yet projected


@dataclass(frozen=True)
class FacePlace:
    """Where a face is (its photo and box) and whose it is: what a search result shows."""

    face_id: int
    photo_id: int
    photo_path: str
    photo_width: int | None
    photo_height: int | None
    box: tuple[float, float, float, float]
    person_id: int | None
    person_name: str | None
    ignored: bool = False  # set aside by the user: out of searches


@dataclass(frozen=True)
class ExportedFace:
    """One face as the library's export lists it: photo, box, person and attribute probabilities."""

    face_id: int
    photo_id: int
    photo_path: str
    taken: str | None  # the photo's EXIF date, None when unknown
    number: int  # 1 = the photo's largest face
    box: tuple[float, float, float, float]
    score: float
    person_id: int | None
    person_name: str | None
    hidden: bool
    assigned_by: str | None  # 'manual', 'cluster', IGNORED, or None for an unsorted face nobody placed
    model_version: str
    attributes: np.ndarray  # (40,)


def _face(r) -> FaceRow:
    return FaceRow(
        id=r.id, photo_id=r.photo_id, idx=r.idx, box=(r.x, r.y, r.w, r.h), score=r.score,
        landmarks=from_blob(r.landmarks, (5, 2)), embedding=from_blob(r.embedding), attributes=from_blob(r.attributes),
        model_version=r.model_version, thumb_path=r.thumb_path,
        map_xy=None if r.map_x is None else (r.map_x, r.map_y), photo_path=r.path,
    )


class FaceRepo(Repo):
    """Queries of `faces`; faces are written together with their photo (see PhotoRepo)."""

    def _select(self):
        return select(*faces.c, photos.c.path).join(photos, photos.c.id == faces.c.photo_id)

    def get(self, face_id: int) -> FaceRow | None:
        with self._read() as conn:
            r = conn.execute(self._select().where(faces.c.id == face_id)).first()
        return _face(r) if r else None

    def of_photo(self, photo_id: int) -> list[FaceRow]:
        """A photo's faces, largest first."""
        with self._read() as conn:
            rows = conn.execute(self._select().where(faces.c.photo_id == photo_id).order_by(faces.c.idx))
            return [_face(r) for r in rows]

    def of_person(self, person_id: int) -> list[FaceRow]:
        """A person's faces, oldest first."""
        query = (
            self._select().join(assignments, assignments.c.face_id == faces.c.id)
            .where(assignments.c.person_id == int(person_id))
            .order_by(faces.c.id)
        )
        with self._read() as conn:
            return [_face(r) for r in conn.execute(query)]

    def count(self) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(faces)).scalar_one()

    def matrix(self) -> FaceMatrix:
        """Every face's id, photo, embedding and box area, ordered by id; faces the user set aside are left out."""
        query = (
            select(
                faces.c.id, faces.c.photo_id, faces.c.embedding, faces.c.w, faces.c.h, faces.c.model_version,
                faces.c.map_x, faces.c.map_y,
            )
            .select_from(faces.outerjoin(assignments, assignments.c.face_id == faces.c.id))
            .where(not_ignored())
        )
        with self._read() as conn:
            rows = conn.execute(query.order_by(faces.c.id)).all()
        return FaceMatrix(
            ids=np.array([r.id for r in rows], np.int64),
            photo_ids=np.array([r.photo_id for r in rows], np.int64),
            embeddings=stack_blobs([r.embedding for r in rows], EMBEDDING_DIM),
            areas=np.array([r.w * r.h for r in rows], np.float64),
            model_versions=np.array([r.model_version for r in rows], dtype=object),
            map_xy=np.array([(r.map_x, r.map_y) for r in rows], np.float64).reshape(-1, 2),
        )

    def attributes(self, face_ids: Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, attribute probabilities (N, 40)) of the given faces (all when None), ordered by id."""
        query = select(faces.c.id, faces.c.attributes).order_by(faces.c.id)
        with self._read() as conn:
            if face_ids is None:
                rows = conn.execute(query).all()
            else:
                rows = [r for part in chunks(list(face_ids)) for r in conn.execute(query.where(faces.c.id.in_(part)))]
        return np.array([r.id for r in rows], np.int64), stack_blobs([r.attributes for r in rows], N_ATTRIBUTES)

    def places(self, face_ids: Sequence[int]) -> dict[int, FacePlace]:
        """Photo, box and person of each face (faces no longer in the library are left out)."""
        query = (
            select(faces.c.id, faces.c.photo_id, photos.c.path, photos.c.width, photos.c.height, faces.c.x, faces.c.y,
                   faces.c.w, faces.c.h, assignments.c.person_id, people.c.name, assignments.c.source)
            .select_from(
                faces.join(photos, photos.c.id == faces.c.photo_id)
                .outerjoin(assignments, assignments.c.face_id == faces.c.id)
                .outerjoin(people, people.c.id == assignments.c.person_id)
            )
        )
        out: dict[int, FacePlace] = {}
        with self._read() as conn:
            for part in chunks([int(i) for i in face_ids]):
                # Unpacked rows: reading each value by its name took most of the time for 20,000 faces.
                for fid, photo_id, path, width, height, x, y, w, h, person_id, name, source in conn.execute(
                        query.where(faces.c.id.in_(part))):
                    out[fid] = FacePlace(fid, photo_id, path, width, height, (x, y, w, h), person_id, name,
                                         source == IGNORED)
        return out

    def export(self, page_size: int = 2000) -> Iterator[ExportedFace]:
        """Every face with its photo and person, by id; read a page per transaction, so a long export
        (a slow download) never holds the database."""
        query = (
            select(faces.c.id, faces.c.photo_id, photos.c.path, photos.c.taken, faces.c.idx, faces.c.x, faces.c.y,
                   faces.c.w, faces.c.h, faces.c.score, assignments.c.person_id, assignments.c.source, people.c.name,
                   people.c.hidden, faces.c.model_version, faces.c.attributes)
            .select_from(
                faces.join(photos, photos.c.id == faces.c.photo_id)
                .outerjoin(assignments, assignments.c.face_id == faces.c.id)
                .outerjoin(people, people.c.id == assignments.c.person_id)
            )
            .order_by(faces.c.id)
            .limit(page_size)
        )
        last = -1
        while True:
            with self._read() as conn:
                rows = conn.execute(query.where(faces.c.id > last)).all()
            for r in rows:
                yield ExportedFace(
                    face_id=r.id, photo_id=r.photo_id, photo_path=r.path, taken=r.taken or None, number=r.idx + 1,
                    box=(r.x, r.y, r.w, r.h), score=r.score, person_id=r.person_id, person_name=r.name,
                    hidden=bool(r.hidden), assigned_by=r.source, model_version=r.model_version,
                    attributes=from_blob(r.attributes),
                )
            if len(rows) < page_size:
                return
            last = rows[-1].id

    def thumb_paths(self) -> set[str]:
        """Every thumbnail path in use (relative to the data dir)."""
        with self._read() as conn:
            return {p for (p,) in conn.execute(select(faces.c.thumb_path).where(faces.c.thumb_path.is_not(None)))}

    def set_map_coords(self, face_ids: Sequence[int], xy: np.ndarray) -> None:
        """Store the 2-D map position of each face (one transaction)."""
        rows = [
            {"fid": int(i), "mx": float(x), "my": float(y)} for i, (x, y) in zip(face_ids, np.asarray(xy, np.float64))
        ]
        stmt = update(faces).where(faces.c.id == bindparam("fid")).values(map_x=bindparam("mx"), map_y=bindparam("my"))
        with self._write() as conn:
            if rows:
                conn.execute(stmt, rows)
