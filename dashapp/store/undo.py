"""Undo history of the user's actions on people (name, merge, move, hide, accept, dismiss).

Each action declares its scope, the people and faces it may change, and in its own transaction first
saves the scope's rows as they were: the `people` rows, the `assignments` and `suggestions` of the
faces, and the merge suggestions (offered and dismissed) that involve the people. Undoing the last step
puts exactly those rows back, deletes the people the action created, and forgets the step.

Steps are undone newest first, so the rows in a scope are as the step left them. A clustering run
rewrites who is who across the library, so it clears the history: undo reaches back to the last
clustering.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from dashapp.store.base import chunks, id_list, now
from dashapp.store.schema import assignments, dismissed_merges, faces, merge_suggestions, people, suggestions, undo_steps

MAX_STEPS = 50  # older steps are forgotten


@dataclass(frozen=True)
class UndoStep:
    """A user action that can be undone; `label` says what it did, e.g. "merge of 3 groups"."""

    id: int
    label: str
    created_at: float


def _ids(values: Iterable[int | None]) -> list[int]:
    return sorted({int(v) for v in values if v is not None})


def _pair_scope(table: Table, person_ids: list[int]):
    return or_(table.c.person_a.in_(person_ids), table.c.person_b.in_(person_ids))


def _rows(conn: Connection, table: Table, where) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(table).where(where))]


def _snapshot(conn: Connection, person_ids: list[int], face_ids: list[int]) -> dict:
    """The scope's rows as they are now (face ids in chunks: SQLite bounds the parameters of a query)."""
    snap: dict = {
        "people": _rows(conn, people, people.c.id.in_(person_ids)),
        "assignments": [],
        "suggestions": _rows(conn, suggestions, suggestions.c.person_id.in_(person_ids)),
        "merge_suggestions": _rows(conn, merge_suggestions, _pair_scope(merge_suggestions, person_ids)),
        "dismissed_merges": _rows(conn, dismissed_merges, _pair_scope(dismissed_merges, person_ids)),
    }
    for part in chunks(face_ids):
        snap["assignments"] += _rows(conn, assignments, assignments.c.face_id.in_(part))
        snap["suggestions"] += _rows(
            conn, suggestions, suggestions.c.face_id.in_(part) & suggestions.c.person_id.not_in(person_ids)
        )
    return snap


@contextmanager
def undoable(
    conn: Connection, label: str, person_ids: Iterable[int | None], face_ids: Iterable[int]
) -> Iterator[list[int]]:
    """Record the action run in the `with` body as one undo step of `conn`'s transaction.

    The body appends the ids of people it creates to the yielded list (undo deletes them).
    """
    scope_people, scope_faces = _ids(person_ids), _ids(face_ids)
    before = _snapshot(conn, scope_people, scope_faces)
    created: list[int] = []
    yield created
    payload = {"person_ids": scope_people, "face_ids": scope_faces, "created": _ids(created), "rows": before}
    newest = conn.execute(
        insert(undo_steps).values(label=label, payload=json.dumps(payload), created_at=now())
    ).inserted_primary_key[0]
    conn.execute(delete(undo_steps).where(undo_steps.c.id <= newest - MAX_STEPS))


def clear(conn: Connection) -> None:
    """Forget every step (a clustering run changed the rows they would put back)."""
    conn.execute(delete(undo_steps))


def last(conn: Connection) -> UndoStep | None:
    row = conn.execute(
        select(undo_steps.c.id, undo_steps.c.label, undo_steps.c.created_at).order_by(undo_steps.c.id.desc()).limit(1)
    ).first()
    return UndoStep(row.id, row.label, row.created_at) if row else None


def undo_last(conn: Connection) -> UndoStep | None:
    """Put the newest step's scope back as it was before the step and forget the step; None if there is none.

    ValueError (and nothing changed, once the caller's transaction rolls back) if it cannot be put back.
    """
    step = last(conn)
    if step is None:
        return None
    payload = json.loads(conn.execute(select(undo_steps.c.payload).where(undo_steps.c.id == step.id)).scalar())
    person_ids, face_ids, rows = payload["person_ids"], payload["face_ids"], payload["rows"]
    try:
        _restore(conn, person_ids, face_ids, payload["created"], rows)
    except IntegrityError as exc:  # e.g. a name restored that someone else has now
        raise ValueError(f"the {step.label} can no longer be undone: the library changed since") from exc
    conn.execute(delete(undo_steps).where(undo_steps.c.id == step.id))
    return step


def _free_names(conn: Connection, person_ids: list[int]) -> None:
    """Let go of the names of the people about to be put back. A name may have moved between them (a merged
    group takes its source's name): put back one by one, a name would meet itself, still held by the other,
    in the unique index. A name someone outside the step has taken since still clashes, as it should."""
    conn.execute(update(people).where(people.c.id.in_(person_ids)).values(name_key=None))


def _restore(conn: Connection, person_ids: list[int], face_ids: list[int], created: list[int], rows: dict) -> None:
    conn.execute(delete(people).where(people.c.id.in_(created)))  # their assignments go with them
    _free_names(conn, [row["id"] for row in rows["people"]])
    existing = {i for (i,) in conn.execute(select(people.c.id).where(people.c.id.in_(person_ids)))}
    # One statement for all rows, not one each: a move of 20,000 faces has some 700 people in its scope.
    kept = [row for row in rows["people"] if row["id"] in existing]
    if kept:
        stmt = update(people).where(people.c.id == bindparam("b_id")).values({k: bindparam(f"b_{k}") for k in kept[0]})
        conn.execute(stmt, [{f"b_{k}": v for k, v in row.items()} for row in kept])
    gone = [row for row in rows["people"] if row["id"] not in existing]
    if gone:
        conn.execute(insert(people), gone)
    live_people = {i for (i,) in conn.execute(select(people.c.id))}
    conn.execute(delete(assignments).where(assignments.c.face_id.in_(id_list(face_ids))))
    conn.execute(delete(suggestions).where(suggestions.c.face_id.in_(id_list(face_ids))))
    conn.execute(delete(suggestions).where(suggestions.c.person_id.in_(person_ids)))
    for table in (merge_suggestions, dismissed_merges):
        conn.execute(delete(table).where(_pair_scope(table, person_ids)))
    restored = _ids(r["face_id"] for r in rows["assignments"] + rows["suggestions"])
    live_faces = set(conn.execute(select(faces.c.id).where(faces.c.id.in_(id_list(restored)))).scalars())

    def still_there(row: dict) -> bool:
        """Rows of faces removed since (photos deleted from the album) and of people gone since stay gone."""
        if "face_id" in row and row["face_id"] not in live_faces:
            return False
        return all(row[k] is None or row[k] in live_people for k in ("person_id", "person_a", "person_b") if k in row)

    for table in (assignments, suggestions, merge_suggestions, dismissed_merges):
        for part in chunks([r for r in rows[table.name] if still_there(r)]):
            conn.execute(insert(table), part)
