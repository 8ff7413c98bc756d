"""Writing a clustering result without touching anything the user decided."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, insert, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dashapp.store import undo
from dashapp.store.base import Repo, chunks, now
from dashapp.store.schema import assignments, dismissed_merges, faces, merge_suggestions, people, suggestions


@dataclass(frozen=True)
class Assignment:
    """One face's current person and provenance ('manual', 'cluster' or IGNORED); person_id None = unsorted."""

    face_id: int
    person_id: int | None
    source: str


@dataclass
class ClusterWrite:
    """What a clustering run decided, in store terms.

    Person references are either existing person ids (int >= 0 in `existing`) or new groups, given as
    negative numbers -1, -2, ... that `apply` turns into new unnamed people. `kept` are the people the run
    kept as they were (named, hidden or hand-edited when it read the library).
    """

    assigned: list[tuple[int, int, float | None]] = field(default_factory=list)  # (face, person ref, distance)
    suggestions: list[tuple[int, int, int, float]] = field(default_factory=list)  # (face, person ref, rank, distance)
    merges: list[tuple[int, int, float]] = field(default_factory=list)  # (person ref, person ref, distance)
    kept: set[int] = field(kw_only=True)  # every run says whom it kept (see `apply`)
    max_merges: int | None = None  # merge suggestions kept, closest first, once dismissed and hidden pairs are out


def _kept_people():
    """People clustering must keep as they are: named, hidden, or holding manual assignments."""
    manual = exists().where(assignments.c.person_id == people.c.id, assignments.c.source == "manual")
    return select(people.c.id).where(people.c.name.is_not(None) | people.c.hidden.is_(True) | manual)


class AssignmentRepo(Repo):
    """Reads assignments for clustering; applies a clustering run atomically."""

    def all(self) -> list[Assignment]:
        with self._read() as conn:
            rows = conn.execute(select(assignments.c.face_id, assignments.c.person_id, assignments.c.source))
            return [Assignment(f, p, s) for f, p, s in rows]

    def kept_people(self) -> set[int]:
        """People clustering must keep as they are: named, hidden, or holding manual assignments."""
        with self._read() as conn:
            return {i for (i,) in conn.execute(_kept_people())}

    def dismissed_pairs(self) -> set[tuple[int, int]]:
        with self._read() as conn:
            return {(a, b) for a, b in conn.execute(select(dismissed_merges.c.person_a, dismissed_merges.c.person_b))}

    def apply(self, run_id: int, write: ClusterWrite, reuse_ids: dict[int, int] | None = None) -> dict[int, int]:
        """Replace every automatic assignment, suggestion and merge suggestion in ONE transaction.

        Manual assignments win, including any the user made while clustering ran: automatic rows
        are only inserted for faces without one. A group the user kept while clustering ran (hid it, say;
        naming and editing make its faces manual anyway), so not in `write.kept`, keeps the faces it has:
        the run placed them as if the group were free, but the user decided about the faces they saw. New groups get new unnamed people, except where
        `reuse_ids` maps a new-group ref to an existing unnamed group (so group ids stay stable).
        Unnamed groups left empty are deleted. Returns the map from group refs to person ids.
        """
        t = now()
        reuse_ids = dict(reuse_ids or {})
        with self._write() as conn:
            existing = {i for (i,) in conn.execute(select(people.c.id))}
            kept_since = {i for (i,) in conn.execute(_kept_people())} - write.kept
            # Their automatic rows stay, so the rows this run wants for those faces are not inserted (on conflict).
            conn.execute(delete(assignments).where(
                assignments.c.source == "cluster",
                assignments.c.person_id.is_(None) | assignments.c.person_id.not_in(kept_since),
            ))
            undo.clear(conn)  # the steps' rows before are not this run's rows
            conn.execute(delete(suggestions))
            conn.execute(delete(merge_suggestions))
            refs = {ref for _, ref, _ in write.assigned if ref < 0}
            mapping: dict[int, int] = {}
            for ref in sorted(refs, reverse=True):  # -1, -2, ...: stable creation order
                reuse = reuse_ids.get(ref)
                if reuse is not None and reuse in existing:
                    mapping[ref] = reuse
                else:
                    mapping[ref] = conn.execute(
                        insert(people).values(name=None, name_key=None, hidden=False, created_at=t, updated_at=t)
                    ).inserted_primary_key[0]

            def resolve(ref: int) -> int | None:
                pid = mapping.get(ref) if ref < 0 else ref
                return pid if pid is not None and (ref < 0 or pid in existing) else None

            live_faces = {i for (i,) in conn.execute(select(faces.c.id))}
            rows = [
                dict(face_id=int(f), person_id=resolve(r), source="cluster", distance=d, run_id=run_id, updated_at=t)
                for f, r, d in write.assigned
                if int(f) in live_faces and resolve(r) is not None
            ]
            for part in chunks(rows, 5000):
                conn.execute(sqlite_insert(assignments).on_conflict_do_nothing(), part)
            sugg = [
                dict(face_id=int(f), person_id=resolve(r), rank=k, distance=float(d))
                for f, r, k, d in write.suggestions
                if int(f) in live_faces and resolve(r) is not None
            ]
            for part in chunks(sugg, 5000):
                conn.execute(sqlite_insert(suggestions).on_conflict_do_nothing(), part)
            pairs = {}
            for a, b, d in write.merges:
                pa, pb = resolve(a), resolve(b)
                if pa is not None and pb is not None and pa != pb:
                    key = (min(pa, pb), max(pa, pb))
                    pairs[key] = min(d, pairs.get(key, d))
            dismissed = {(a, b) for a, b in conn.execute(select(dismissed_merges.c.person_a, dismissed_merges.c.person_b))}
            hidden = set(conn.execute(select(people.c.id).where(people.c.hidden.is_(True))).scalars())
            offered = sorted((d, a, b) for (a, b), d in pairs.items()
                             if (a, b) not in dismissed and a not in hidden and b not in hidden)
            merge_rows = [dict(person_a=a, person_b=b, distance=float(d)) for d, a, b in offered[:write.max_merges]]
            if merge_rows:
                conn.execute(insert(merge_suggestions), merge_rows)
            has_faces = exists().where(assignments.c.person_id == people.c.id)
            conn.execute(delete(people).where(people.c.name.is_(None), people.c.hidden.is_(False), ~has_faces))
            return mapping

    def person_of(self, face_ids: Sequence[int]) -> dict[int, int | None]:
        """Current person of each face (None = unsorted)."""
        out: dict[int, int | None] = {int(i): None for i in face_ids}
        with self._read() as conn:
            for part in chunks(list(out)):
                for f, p in conn.execute(
                    select(assignments.c.face_id, assignments.c.person_id).where(assignments.c.face_id.in_(part))
                ):
                    out[f] = p
        return out
