"""Read-side queries of the dashboard: pages of people, faces and photos, the map, attributes, jobs.

Every query returns plain dicts/lists/arrays sized for one screen (paged with LIMIT/OFFSET), so a
library of 100,000 faces costs the same to show as one of 100. Writes go through the store's repos.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import ColumnElement, and_, case, distinct, func, or_, select
from sqlalchemy.engine import Connection, Engine

from dashapp.store.base import Repo
from dashapp.store.blobs import from_blob, stack_blobs
from dashapp.store.faces import EMBEDDING_DIM, N_ATTRIBUTES
from dashapp.store.folders import photos_under
from dashapp.store.jobs import ACTIVE, phase_eta
from dashapp.store.people import in_name_order, name_key, name_matches, not_both_named, search_key
from dashapp.store.photos import analysed_by_another_model
from dashapp.store.schema import (
    IGNORED,
    assignments,
    best_suggestion,
    cluster_runs,
    faces,
    jobs,
    merge_suggestions,
    not_a_photo,
    not_ignored,
    people,
    photos,
    suggestions,
    undo_steps,
)
from dashapp.store.schema import folders as folders_table
from model.clustering import centroids

PHOTO_FILTER_MODES = ("any", "all", "only")


# A photo's EXIF date: whether it has one ('' and NULL are none), and its year ("2019").
_DATED = func.coalesce(func.length(photos.c.taken), 0) > 0
_YEAR = func.substr(photos.c.taken, 1, 4)


def _array(rows: Iterable, n_columns: int, dtype) -> np.ndarray:
    """Numeric query rows as an (N, n_columns) array, read value by value. Reading 45,000 assignments took 74 ms so,
    125 ms making a tuple of each SQLAlchemy row first, 1,164 ms handing numpy the rows."""
    return np.fromiter((v for row in rows for v in row), dtype).reshape(-1, n_columns)


def _photo_conditions(years: Sequence[str], folders: Sequence[str]) -> list[ColumnElement[bool]]:
    """Analysed photos, taken in one of `years` (any if none) and from one of `folders` (any if none)."""
    conditions = [photos.c.status == "done"]
    if years:
        conditions.append(_YEAR.in_([f"{int(y):04d}" for y in years]))
    if folders:
        conditions.append(or_(*[photos_under(f) for f in folders]))
    return conditions


# Photos newest first by date taken, then photos without a date, most recently added first.
_PHOTO_ORDER = (_DATED.desc(), photos.c.taken.desc(), photos.c.id.desc())


def _photos_query(person_ids: Sequence[int], mode: str, years: Sequence[str], folders: Sequence[str]):
    """The photos matching a Photos filter (see `UIQueries.photos_page`), not yet ordered."""
    if mode not in PHOTO_FILTER_MODES:
        raise ValueError(f"unknown photo filter {mode!r}")
    ids = sorted({int(p) for p in person_ids})
    query = select(photos.c.id, photos.c.path, photos.c.n_faces, photos.c.taken, photos.c.width,
                   photos.c.height).where(*_photo_conditions(years, folders))
    if not ids:
        return query
    per_photo = (
        select(
            faces.c.photo_id.label("photo_id"),
            func.count(distinct(case((assignments.c.person_id.in_(ids), assignments.c.person_id)))).label("hit"),
            func.sum(
                case(
                    (and_(or_(assignments.c.person_id.is_(None), assignments.c.person_id.not_in(ids)),
                          not_ignored()), 1),
                    else_=0,
                )
            ).label("other"),
        )
        .select_from(faces.outerjoin(assignments, assignments.c.face_id == faces.c.id))
        .group_by(faces.c.photo_id)
        .subquery()
    )
    need = 1 if mode == "any" else len(ids)
    cond = per_photo.c.hit >= need
    if mode == "only":
        cond = and_(cond, per_photo.c.other == 0)
    return query.join(per_photo, per_photo.c.photo_id == photos.c.id).where(cond)


def _file_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _person_counts():
    """Face count per person (a subquery)."""
    return (
        select(assignments.c.person_id.label("pid"), func.count().label("n"))
        .where(assignments.c.person_id.is_not(None))
        .group_by(assignments.c.person_id)
        .subquery()
    )


class UIQueries(Repo):
    """The dashboard's reads. One instance per library; the faces' attributes and embeddings are cached in memory."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._vector_cache: dict[str, tuple[tuple, np.ndarray, np.ndarray]] = {}
        self._vector_lock = threading.Lock()

    def warm_caches(self) -> None:
        """Load the vectors the pages keep in memory (at start, in the background), and scipy.sparse, which the
        group sums use (`model.clustering.centroids`): its import takes ~0.2 s, better not on the first click."""
        for column in ("attributes", "embedding", "model_version"):
            self._vectors(column)
        import scipy.sparse  # noqa: F401

    def _vectors(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """(face ids, values) of every face for 'attributes', 'embedding' (float32 rows) or 'model_version'
        (strings), ordered by id; kept in memory until faces are added, removed or analysed again (a photo's
        row changes then)."""
        with self._read() as conn:
            key = tuple(conn.execute(select(
                func.count(faces.c.id), func.coalesce(func.max(faces.c.id), 0),
                select(func.max(photos.c.updated_at)).scalar_subquery(),
            )).one())
        with self._vector_lock:
            cached = self._vector_cache.get(column)
            if cached is None or cached[0] != key:
                with self._read() as conn:
                    rows = [tuple(r) for r in conn.execute(select(faces.c.id, faces.c[column]).order_by(faces.c.id))]
                values = [r[1] for r in rows]
                if column == "model_version":
                    values = np.array(values, dtype=object)
                else:
                    values = stack_blobs(values, N_ATTRIBUTES if column == "attributes" else EMBEDDING_DIM)
                cached = (key, np.array([r[0] for r in rows], np.int64), values)
                self._vector_cache[column] = cached
        return cached[1], cached[2]

    # --- library and jobs ---

    def summary(self) -> dict:
        """Counts for the library page and the empty states."""
        with self._read() as conn:
            by_status = dict(conn.execute(select(photos.c.status, func.count()).group_by(photos.c.status)).all())
            n_not_photos = conn.execute(select(func.count()).select_from(photos).where(not_a_photo())).scalar_one()
            n_faces = conn.execute(select(func.count()).select_from(faces)).scalar_one()
            counts = _person_counts()
            n_people, n_named = conn.execute(
                select(func.count(), func.count(people.c.name))
                .select_from(people.join(counts, counts.c.pid == people.c.id))
                .where(people.c.hidden.is_(False))
            ).one()
            n_assigned, n_ignored = conn.execute(
                select(func.count(assignments.c.person_id), func.count(case((assignments.c.source == IGNORED, 1))))
            ).one()
        return {
            "n_done": by_status.get("done", 0),  # analysed photos: what the Library page and its folders count
            "n_errors": by_status.get("error", 0) - n_not_photos,  # unreadable photos
            "n_not_photos": n_not_photos,  # files of other types, skipped
            "n_pending": by_status.get("pending", 0),  # checked, not analysed yet (by this ingest, or the next)
            "n_faces": n_faces,
            "n_people": n_people,
            "n_named": n_named,
            "n_unsorted": n_faces - n_assigned - n_ignored,
            "n_ignored": n_ignored,
        }

    def n_outdated(self, model_version: str) -> int:
        """How many analysed photos have faces from another face model than `model_version`."""
        with self._read() as conn:
            return conn.execute(select(func.count()).where(analysed_by_another_model(model_version))).scalar_one()

    def change_stamp(self) -> str:
        """Changes every time what People and Photos show may have changed, from any window or the command line: a
        name, merge, move, hide or undo (their undo steps), a clustering, an ingest or a folder removed. Not while an
        ingest runs: a page drawn again at every photo found would move under the user's hands. Ingests are counted as
        they end, not by their newest id: one may end after a newer one (refused while it ran), and Find's searches,
        jobs too, change nothing these pages show."""
        with self._read() as conn:
            row = conn.execute(select(
                select(func.max(undo_steps.c.id)).scalar_subquery(),
                select(func.max(cluster_runs.c.id)).where(cluster_runs.c.finished_at.is_not(None)).scalar_subquery(),
                select(func.count()).where(jobs.c.kind == "ingest", jobs.c.status.not_in(ACTIVE)).scalar_subquery(),
                select(func.count()).select_from(folders_table).scalar_subquery(),
            )).one()
        return ":".join(str(v) for v in row)

    def latest_job(self, kind: str = "ingest") -> dict | None:
        """The job of a kind the page follows, with its ETA (seconds left in its current phase, at that phase's pace;
        None while unknown) and elapsed time: the one running if any (a newer one refused meanwhile must not hide it,
        nor its Cancel), else the newest."""
        running_first = case((jobs.c.status.in_(ACTIVE), 0), else_=1)
        with self._read() as conn:
            query = select(jobs).where(jobs.c.kind == kind).order_by(running_first, jobs.c.id.desc()).limit(1)
            r = conn.execute(query).first()
        if r is None:
            return None
        job = dict(r._mapping)
        try:
            args = json.loads(job.get("args") or "{}")
        except ValueError:
            args = {}
        paths = args.get("paths") if isinstance(args, dict) else None
        job["path_list"] = [str(p) for p in paths] if isinstance(paths, list) else []
        started = job.get("started_at") or job["created_at"]
        end = job.get("finished_at") or time.time()
        job["elapsed"] = max(0.0, end - started)
        job["eta"] = None
        if job["status"] == "running":
            job["eta"] = phase_eta(job.get("done") or 0, job.get("total"), job["phase_since"], job["phase_since_done"])
        return job

    def photo_errors(self, limit: int = 200) -> tuple[int, list[dict]]:
        """(number of photos with an error, the first `limit` of them with stage and reason); files that are not
        photos are left out (`not_photo_types`)."""
        where = and_(photos.c.status == "error", ~not_a_photo())
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(photos).where(where)).scalar_one()
            rows = conn.execute(
                select(photos.c.path, photos.c.error_stage, photos.c.error_kind, photos.c.error_detail)
                .where(where)
                .order_by(photos.c.updated_at.desc(), photos.c.id)
                .limit(limit)
            ).all()
        return total, [dict(path=r.path, stage=r.error_stage, kind=r.error_kind, detail=r.error_detail) for r in rows]

    def not_photo_types(self) -> Counter[str]:
        """How many files of each type that is not a photo (".mp4", ".json", ...) ingest skipped."""
        with self._read() as conn:
            paths = conn.execute(select(photos.c.path).where(not_a_photo())).scalars()
            return Counter(Path(p).suffix.lower() or "no extension" for p in paths)

    # --- people ---

    def people_page(
        self, offset: int, limit: int, include_hidden: bool = False, search: str = "", unnamed_only: bool = False
    ) -> tuple[int, int, list[dict]]:
        """(number of matching people, how many of them have a name, one page of them by size) with id, name,
        hidden, n_faces.

        `search` matches names (each word any part of the name, in any case, with or without its accents: "zoe"
        finds "Zoé"), and "Person 12", "#12" or "12" the group numbered 12; `unnamed_only` keeps the groups not
        named yet (the named ones are still counted).
        """
        counts = _person_counts()
        n = func.coalesce(counts.c.n, 0)
        conds = [or_(counts.c.n > 0, people.c.name.is_not(None))]
        if not include_hidden:
            conds.append(people.c.hidden.is_(False))
        with self._read() as conn:
            if search.strip():
                conds.append(self._search_condition(conn, search))
            base = select(people.c.id, people.c.name, people.c.hidden, n.label("n_faces")).select_from(
                people.outerjoin(counts, counts.c.pid == people.c.id)
            ).where(and_(*conds))
            listed = base.where(people.c.name.is_(None)) if unnamed_only else base
            matching = base.subquery()
            total, n_named = conn.execute(select(func.count(), func.count(matching.c.name))).one()
            rows = conn.execute(listed.order_by(n.desc(), people.c.id).offset(offset).limit(limit)).all()
        years = self._years_of([r.id for r in rows])
        return total - n_named if unnamed_only else total, n_named, [
            dict(id=r.id, name=r.name, hidden=bool(r.hidden), n_faces=r.n_faces, years=years.get(r.id)) for r in rows
        ]

    @staticmethod
    def _search_condition(conn: Connection, search: str) -> ColumnElement[bool]:
        """The people a typed search finds: those whose name it matches (`name_matches`, in Python: SQL cannot set
        accents aside), or the group it numbers as the page calls groups ("Person 12", "#12", "12")."""
        named = conn.execute(select(people.c.id, people.c.name).where(people.c.name.is_not(None)))
        match = people.c.id.in_([pid for pid, name in named if name_matches(search, name)])
        number = re.fullmatch(r"(?:person\s*|#)?(\d+)", search_key(search))
        return or_(match, people.c.id == int(number.group(1))) if number else match

    def _years_of(self, person_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(first, last) year each person was photographed, from the photos' EXIF dates (people with dates only)."""
        if not person_ids:
            return {}
        query = (
            select(assignments.c.person_id, func.min(_YEAR), func.max(_YEAR))
            .join(faces, faces.c.id == assignments.c.face_id)
            .join(photos, photos.c.id == faces.c.photo_id)
            .where(assignments.c.person_id.in_([int(p) for p in person_ids]), _DATED)
            .group_by(assignments.c.person_id)
        )
        with self._read() as conn:
            return {pid: (first, last) for pid, first, last in conn.execute(query)}

    def people_options(self, include_hidden: bool = False) -> list[dict]:
        """Every person for a dropdown: named people first (by name), then groups by size; `hidden` says who is
        hidden (only there with `include_hidden`)."""
        counts = _person_counts()
        n = func.coalesce(counts.c.n, 0)
        query = (
            select(people.c.id, people.c.name, people.c.hidden, n.label("n_faces"))
            .select_from(people.outerjoin(counts, counts.c.pid == people.c.id))
            .where(or_(counts.c.n > 0, people.c.name.is_not(None)))
            .order_by(people.c.name.is_(None), people.c.name_key, n.desc(), people.c.id)
        )
        if not include_hidden:
            query = query.where(people.c.hidden.is_(False))
        with self._read() as conn:
            rows = in_name_order(conn.execute(query).all(), lambda r: r.name)
        return [dict(id=r.id, name=r.name, n_faces=r.n_faces, hidden=bool(r.hidden)) for r in rows]

    def person(self, person_id: int) -> dict | None:
        with self._read() as conn:
            r = conn.execute(select(people.c.id, people.c.name, people.c.hidden).where(people.c.id == person_id)).first()
            if r is None:
                return None
            n = conn.execute(
                select(func.count()).select_from(assignments).where(assignments.c.person_id == person_id)
            ).scalar_one()
        return dict(id=r.id, name=r.name, hidden=bool(r.hidden), n_faces=n)

    def person_by_name(self, name: str) -> dict | None:
        """The person with this name (compared as `name_key` compares names), if any."""
        key = name_key(name)
        if not key:
            return None
        with self._read() as conn:
            pid = conn.execute(select(people.c.id).where(people.c.name_key == key)).scalar()
        return self.person(pid) if pid is not None else None

    def person_faces(self, person_id: int, offset: int, limit: int, least_alike_first: bool = False) -> list[int]:
        """One page of a person's faces, best detections first (or least like the person's other faces first)."""
        if least_alike_first:
            return self._least_alike([person_id])[int(person_id)][offset:offset + limit]
        query = (
            select(assignments.c.face_id)
            .join(faces, faces.c.id == assignments.c.face_id)
            .where(assignments.c.person_id == person_id)
            .order_by(faces.c.score.desc(), faces.c.id)
            .offset(offset)
            .limit(limit)
        )
        with self._read() as conn:
            return [i for (i,) in conn.execute(query)]

    def first_faces(
        self, person_ids: Sequence[int], per_person: int, least_alike_first: bool = False
    ) -> dict[int, list[int]]:
        """The first page of faces of several people at once (one query for a whole page of cards)."""
        if not person_ids:
            return {}
        if least_alike_first:
            return {pid: ids[:per_person] for pid, ids in self._least_alike(person_ids).items()}
        rank = func.row_number().over(
            partition_by=assignments.c.person_id, order_by=(faces.c.score.desc(), faces.c.id)
        ).label("rk")
        inner = (
            select(assignments.c.person_id, assignments.c.face_id, rank)
            .join(faces, faces.c.id == assignments.c.face_id)
            .where(assignments.c.person_id.in_([int(p) for p in person_ids]))
            .subquery()
        )
        result: dict[int, list[int]] = {int(p): [] for p in person_ids}
        with self._read() as conn:
            for pid, fid in conn.execute(
                select(inner.c.person_id, inner.c.face_id).where(inner.c.rk <= per_person).order_by(inner.c.person_id, inner.c.rk)
            ):
                result[pid].append(fid)
        return result

    def _least_alike(self, person_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each person's faces, the farthest from the mean of their faces first: where a wrong face hides."""
        ids = [int(p) for p in person_ids]
        query = (
            select(assignments.c.person_id, faces.c.id, faces.c.embedding)
            .join(faces, faces.c.id == assignments.c.face_id)
            .where(assignments.c.person_id.in_(ids))
            .order_by(assignments.c.person_id, faces.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        out: dict[int, list[int]] = {pid: [] for pid in ids}
        if not rows:
            return out
        owners = np.array([r.person_id for r in rows], np.int64)
        face_ids = np.array([r.id for r in rows], np.int64)
        embeddings = stack_blobs([r.embedding for r in rows], EMBEDDING_DIM)
        for pid in ids:
            mine = owners == pid
            if not mine.any():
                continue
            vectors = embeddings[mine]
            far = np.linalg.norm(vectors - vectors.mean(axis=0), axis=1)
            out[pid] = face_ids[mine][np.argsort(-far, kind="stable")].tolist()
        return out

    def unsorted_page(self, offset: int, limit: int, skip: Sequence[int] = ()) -> tuple[int, list[dict]]:
        """(number of unsorted faces, one page of them with their best suggested person), leaving out `skip`.

        The faces closest to their suggested person come first (faces without a suggestion last), so the
        first pages hold the suggestions most worth accepting.
        """
        unsorted = faces.outerjoin(assignments, assignments.c.face_id == faces.c.id)
        where = and_(assignments.c.person_id.is_(None), not_ignored(), faces.c.id.not_in([int(f) for f in skip]))
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(unsorted).where(where)).scalar_one()
            rows = conn.execute(
                select(faces.c.id, suggestions.c.person_id, suggestions.c.distance, people.c.name)
                .select_from(
                    unsorted.outerjoin(suggestions, and_(suggestions.c.face_id == faces.c.id, best_suggestion()))
                    .outerjoin(people, people.c.id == suggestions.c.person_id)
                )
                .where(where)
                .order_by(suggestions.c.distance.is_(None), suggestions.c.distance, faces.c.id)
                .offset(offset)
                .limit(limit)
            ).all()
        return total, [
            dict(face_id=r.id, suggested_id=r.person_id, suggested_name=r.name, distance=r.distance) for r in rows
        ]

    def nearest_people(self, face_id: int, limit: int = 3) -> list[dict]:
        """The people nearest to this face now, best first: id, name, n_faces, distance (to the normalised mean
        of their faces, as the clustering's suggestions) and a cover face. Live, so faces given to someone a
        moment ago count; people who already have a face in this photo are left out (one photo never shows a
        person twice), and so are faces embedded by another model version (while photos are re-analysed after
        an upgrade). The mean, not the nearest single face: for album-celeba-wild's unsorted faces the first
        suggestion is then their person 18-21% of the time against 12-18%, one of the three 29-34% against 22-30%."""
        ids, embeddings = self._vectors("embedding")
        at = int(np.searchsorted(ids, face_id))
        if at >= len(ids) or ids[at] != face_id:
            return []
        _ids, versions = self._vectors("model_version")
        owners = self.assignment_vector(ids)
        with self._read() as conn:
            in_photo = set(conn.execute(
                select(assignments.c.person_id)
                .join(faces, faces.c.id == assignments.c.face_id)
                .where(faces.c.photo_id == select(faces.c.photo_id).where(faces.c.id == face_id).scalar_subquery(),
                       assignments.c.person_id.is_not(None))
            ).scalars())
        candidates = np.flatnonzero((owners >= 0) & ~np.isin(owners, list(in_photo)) & (versions == versions[at]))
        person_ids, index = np.unique(owners[candidates], return_inverse=True)
        distances = np.linalg.norm(centroids(embeddings[candidates], index, len(person_ids)) - embeddings[at], axis=1)
        best = {int(person_ids[i]): float(distances[i]) for i in np.argsort(distances, kind="stable")[:limit]}
        return [dict(p, distance=best[p["id"]]) for p in self._people_with_covers(list(best))]

    def _people_with_covers(self, person_ids: Sequence[int]) -> list[dict]:
        """id, name, n_faces and a cover face of each person, in the order given."""
        if not person_ids:
            return []
        counts = _person_counts()
        query = (
            select(people.c.id, people.c.name, func.coalesce(counts.c.n, 0).label("n_faces"))
            .select_from(people.outerjoin(counts, counts.c.pid == people.c.id))
            .where(people.c.id.in_([int(p) for p in person_ids]))
        )
        with self._read() as conn:
            rows = {r.id: dict(r._mapping) for r in conn.execute(query)}
        covers = self.first_faces(list(rows), 1)
        return [dict(rows[p], cover=(covers.get(p) or [None])[0]) for p in person_ids if p in rows]

    def ignored_page(self, offset: int, limit: int) -> tuple[int, list[int]]:
        """(number of faces the user set aside, one page of their ids, the most recently set aside first)."""
        where = assignments.c.source == IGNORED
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(assignments).where(where)).scalar_one()
            ids = conn.execute(
                select(assignments.c.face_id).where(where)
                .order_by(assignments.c.updated_at.desc(), assignments.c.face_id)
                .offset(offset).limit(limit)
            ).scalars().all()
        return total, list(ids)

    def merge_suggestions(self, limit: int = 10) -> list[dict]:
        """Pairs of visible people that look alike, closest first, with sizes, names and a cover face; never two
        people the user named (`not_both_named`)."""
        counts = _person_counts()
        pa, pb = people.alias("pa"), people.alias("pb")
        ca, cb = counts.alias("ca"), counts.alias("cb")
        query = (
            select(
                merge_suggestions.c.person_a, merge_suggestions.c.person_b, merge_suggestions.c.distance,
                pa.c.name.label("name_a"), pb.c.name.label("name_b"), ca.c.n.label("n_a"), cb.c.n.label("n_b"),
            )
            .select_from(
                merge_suggestions.join(pa, pa.c.id == merge_suggestions.c.person_a)
                .join(pb, pb.c.id == merge_suggestions.c.person_b)
                .join(ca, ca.c.pid == pa.c.id)
                .join(cb, cb.c.pid == pb.c.id)
            )
            .where(pa.c.hidden.is_(False), pb.c.hidden.is_(False), not_both_named(pa, pb))
            .order_by(merge_suggestions.c.distance)
            .limit(limit)
        )
        with self._read() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        covers = self.first_faces(sorted({r["person_a"] for r in rows} | {r["person_b"] for r in rows}), 1)
        for r in rows:
            r["cover_a"] = (covers.get(r["person_a"]) or [None])[0]
            r["cover_b"] = (covers.get(r["person_b"]) or [None])[0]
        return rows

    def suggested_faces(self, face_ids: Sequence[int]) -> int:
        """How many of these faces have a suggested person."""
        if not face_ids:
            return 0
        with self._read() as conn:
            return conn.execute(
                select(func.count()).select_from(suggestions).where(
                    suggestions.c.face_id.in_([int(f) for f in face_ids]), best_suggestion()
                )
            ).scalar_one()

    # --- photos ---

    def photo_ids(self) -> set[int]:
        """The ids of every analysed photo (a saved search leaves out the photos removed since it ran)."""
        with self._read() as conn:
            return set(conn.execute(select(photos.c.id).where(photos.c.status == "done")).scalars())

    def photo_years(self) -> list[str]:
        """The years photos of the library were taken in (from their EXIF dates), newest first."""
        with self._read() as conn:
            rows = conn.execute(
                select(_YEAR).distinct().where(photos.c.status == "done", _DATED).order_by(_YEAR.desc())
            )
            return [y for (y,) in rows]

    def photos_page(
        self, person_ids: Sequence[int], mode: str, offset: int, limit: int, years: Sequence[str] = (),
        folders: Sequence[str] = (),
    ) -> tuple[int, list[dict]]:
        """(number of matching photos, one page of them): by date taken, newest first, then photos without a
        date, most recently added first.

        mode 'any': a face of any chosen person; 'all': faces of every chosen person together;
        'only': every chosen person and nobody else (an unsorted face counts as somebody else, a face set
        aside does not).
        years: only photos taken in one of these years (["2019", "2021"]); none = any year.
        folders: only photos from one of these folders (or their subfolders); none = any folder.
        """
        query = _photos_query(person_ids, mode, years, folders)
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(query.order_by(*_PHOTO_ORDER).offset(offset).limit(limit)).all()
            shown = self._faces_shown(conn, [r.id for r in rows])
        return total, [
            dict(id=r.id, path=r.path, name=_file_name(r.path), n_faces=shown.get(r.id, (0,))[0],
                 taken=r.taken or None, size=(r.width, r.height) if r.width and r.height else None,
                 faces_at=shown[r.id][1:] if r.id in shown else None)
            for r in rows
        ]

    @staticmethod
    def _faces_shown(conn, photo_ids: Sequence[int]) -> dict[int, tuple[int, float, float]]:
        """Each photo's faces as its tile shows them (faces set aside as Ignored are not): how many ("In this photo"
        lists as many) and where they are on average (x, y in its pixels), which its thumbnail centres on."""
        if not photo_ids:
            return {}
        rows = conn.execute(
            select(faces.c.photo_id, func.count(), func.avg(faces.c.x + faces.c.w / 2),
                   func.avg(faces.c.y + faces.c.h / 2))
            .select_from(faces.outerjoin(assignments, assignments.c.face_id == faces.c.id))
            .where(faces.c.photo_id.in_([int(p) for p in photo_ids]), not_ignored())
            .group_by(faces.c.photo_id)
        )
        return {int(pid): (int(n), float(x), float(y)) for pid, n, x, y in rows}

    def photo_position(self, photo_id: int, person_ids: Sequence[int], mode: str, years: Sequence[str] = (),
                       folders: Sequence[str] = ()) -> int | None:
        """Where a photo stands (0 = first) among the photos `photos_page` lists for this filter (None: not there)."""
        numbered = _photos_query(person_ids, mode, years, folders).add_columns(
            func.row_number().over(order_by=_PHOTO_ORDER).label("number")).subquery()
        with self._read() as conn:
            number = conn.execute(select(numbered.c.number).where(numbered.c.id == int(photo_id))).scalar()
        return None if number is None else number - 1

    def people_in_photos(self, years: Sequence[str] = (), folders: Sequence[str] = (),
                         limit: int = 8) -> tuple[int, list[dict]]:
        """Who is in the photos of these years and folders (as `photos_page` filters them): how many people, and the
        `limit` in the most photos, most first, with id, name and n (photos); hidden people are left out."""
        n = func.count(distinct(faces.c.photo_id))
        query = (
            select(people.c.id, people.c.name, n.label("n"))
            .select_from(
                faces.join(photos, photos.c.id == faces.c.photo_id)
                .join(assignments, assignments.c.face_id == faces.c.id)
                .join(people, people.c.id == assignments.c.person_id)
            )
            .where(*_photo_conditions(years, folders), people.c.hidden.is_(False))
            .group_by(people.c.id)
            .order_by(n.desc(), people.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        return len(rows), [dict(id=r.id, name=r.name, n=r.n) for r in rows[:limit]]

    def photo_detail(self, photo_id: int) -> tuple[dict | None, list[dict]]:
        """A photo (id, path, name, width, height, taken, and the size, mtime_ns and sha256 its file had when it was
        analysed) and its faces with box, person (whether hidden) and whether it is set aside."""
        with self._read() as conn:
            p = conn.execute(
                select(photos.c.id, photos.c.path, photos.c.width, photos.c.height, photos.c.taken, photos.c.size,
                       photos.c.mtime_ns, photos.c.sha256)
                .where(photos.c.id == photo_id)
            ).first()
            if p is None:
                return None, []
            rows = conn.execute(
                select(faces.c.id, faces.c.x, faces.c.y, faces.c.w, faces.c.h, assignments.c.person_id, people.c.name,
                       people.c.hidden, assignments.c.source)
                .select_from(
                    faces.outerjoin(assignments, assignments.c.face_id == faces.c.id).outerjoin(
                        people, people.c.id == assignments.c.person_id
                    )
                )
                .where(faces.c.photo_id == photo_id)
                .order_by(faces.c.idx)
            ).all()
        photo = dict(id=p.id, path=p.path, name=_file_name(p.path), width=p.width, height=p.height, taken=p.taken or None,
                     size=p.size, mtime_ns=p.mtime_ns, sha256=p.sha256)
        return photo, [
            dict(face_id=r.id, box=(r.x, r.y, r.w, r.h), person_id=r.person_id, name=r.name,
                 hidden=bool(r.hidden), ignored=r.source == IGNORED)
            for r in rows
        ]

    def photo_file(self, photo_id: int) -> str | None:
        """The library file of a photo (for the media route), or None for an unknown id."""
        with self._read() as conn:
            return conn.execute(select(photos.c.path).where(photos.c.id == photo_id)).scalar()

    def face_thumb(self, face_id: int) -> str | None:
        """The thumbnail path of a face, relative to the data dir, or None."""
        with self._read() as conn:
            return conn.execute(select(faces.c.thumb_path).where(faces.c.id == face_id)).scalar()

    def face_source(self, face_id: int) -> tuple[str, tuple[float, float, float, float]] | None:
        """The photo path and box of a face (to cut a thumbnail when none was stored)."""
        with self._read() as conn:
            r = conn.execute(
                select(photos.c.path, faces.c.x, faces.c.y, faces.c.w, faces.c.h)
                .join(photos, photos.c.id == faces.c.photo_id)
                .where(faces.c.id == face_id)
            ).first()
        return (r.path, (r.x, r.y, r.w, r.h)) if r else None

    # --- map ---

    def map_points(self) -> dict:
        """Every projected face not set aside: ids, x, y, person id (-1 = unsorted), and person names/hidden flags."""
        with self._read() as conn:
            arr = _array(conn.execute(
                select(faces.c.id, faces.c.map_x, faces.c.map_y, func.coalesce(assignments.c.person_id, -1))
                .select_from(faces.outerjoin(assignments, assignments.c.face_id == faces.c.id))
                .where(faces.c.map_x.is_not(None), not_ignored())
                .order_by(faces.c.id)
            ), 4, np.float64)
            names = {r.id: (r.name, bool(r.hidden)) for r in conn.execute(select(people.c.id, people.c.name, people.c.hidden))}
        return {
            "face_ids": arr[:, 0].astype(np.int64),
            "x": arr[:, 1],
            "y": arr[:, 2],
            "person_ids": arr[:, 3].astype(np.int64),
            "people": names,
        }

    def n_faces_total(self, ignored: bool = True) -> int:
        """How many faces the library has (`ignored=False`: those not set aside)."""
        query = select(func.count()).select_from(faces.outerjoin(assignments, assignments.c.face_id == faces.c.id))
        with self._read() as conn:
            return conn.execute(query if ignored else query.where(not_ignored())).scalar_one()

    # --- attributes ---

    def attribute_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """(face ids, attributes (N, 40)) of every face not set aside, ordered by id (the few set aside are
        left out of the cached matrix on each call)."""
        ids, matrix = self._vectors("attributes")
        with self._read() as conn:
            ignored = conn.execute(select(assignments.c.face_id).where(assignments.c.source == IGNORED)).scalars().all()
        if not ignored:
            return ids, matrix
        keep = ~np.isin(ids, np.array(ignored, np.int64))
        return ids[keep], matrix[keep]

    def face_years(self) -> tuple[np.ndarray, np.ndarray]:
        """(face ids, year taken as int) of every face in a photo with an EXIF date, ordered by id."""
        query = (
            select(faces.c.id, _YEAR).join(photos, photos.c.id == faces.c.photo_id).where(_DATED).order_by(faces.c.id)
        )
        with self._read() as conn:
            rows = [tuple(r) for r in conn.execute(query)]
        arr = np.array(rows, np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def assignment_vector(self, face_ids: np.ndarray) -> np.ndarray:
        """The person id of each face in `face_ids` (-1 = unsorted), in the same order."""
        with self._read() as conn:
            pairs = _array(conn.execute(
                select(assignments.c.face_id, assignments.c.person_id).where(assignments.c.person_id.is_not(None))
            ), 2, np.int64)
        out = np.full(len(face_ids), -1, np.int64)
        if len(pairs) and len(face_ids):
            pos = np.searchsorted(face_ids, pairs[:, 0])
            ok = (pos < len(face_ids)) & (face_ids[np.minimum(pos, len(face_ids) - 1)] == pairs[:, 0])
            out[pos[ok]] = pairs[ok, 1]
        return out

    def face_detail(self, face_id: int) -> dict | None:
        """One face: photo, box, detector score, person (whether hidden; or set aside) and attribute probabilities."""
        with self._read() as conn:
            r = conn.execute(
                select(
                    faces.c.id, faces.c.photo_id, faces.c.x, faces.c.y, faces.c.w, faces.c.h, faces.c.score,
                    faces.c.attributes, photos.c.path, assignments.c.person_id, people.c.name, people.c.hidden,
                    assignments.c.source,
                )
                .select_from(
                    faces.join(photos, photos.c.id == faces.c.photo_id)
                    .outerjoin(assignments, assignments.c.face_id == faces.c.id)
                    .outerjoin(people, people.c.id == assignments.c.person_id)
                )
                .where(faces.c.id == face_id)
            ).first()
        if r is None:
            return None
        return dict(
            face_id=r.id, photo_id=r.photo_id, box=(r.x, r.y, r.w, r.h), score=r.score,
            attributes=from_blob(r.attributes), photo_path=r.path, person_id=r.person_id, name=r.name,
            hidden=bool(r.hidden), ignored=r.source == IGNORED,
        )

