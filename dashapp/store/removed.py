"""The user's decisions about the faces of removed photos, kept until the same photo comes back.

Removing a folder deletes its photos and faces, and a named person left without faces never attracts new ones in
clustering: adding the folder again would bring its faces back to nobody. The same goes for a photo deleted from disk
(swept), overwritten or given another photo's name, or that cannot be read for a while. So before its faces go, the
decisions worth keeping are written down by the photo's content and the face's box (`schema.removed_decisions`), and
when a photo of that content is stored again (`store.photos`), its faces found at those boxes get them back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, exists, insert, select, update
from sqlalchemy.engine import Connection

from dashapp.store.assignments import _kept_people
from dashapp.store.base import chunks, now
from dashapp.store.schema import IGNORED, assignments, faces, people, photos, removed_decisions


@dataclass(frozen=True)
class RemovedDecision:
    """What the user had decided about one face of a removed photo; person_id None = Unsorted or Ignored."""

    box: tuple[float, float, float, float]
    person_id: int | None
    source: str  # 'manual', 'cluster' (in a kept person) or IGNORED
    group_removed: bool  # the person, a group with no name, left with the folder: it comes back with its faces


def remember(conn: Connection, under: ColumnElement[bool]) -> None:
    """Write down the decisions about the faces of the analysed photos matching `under`, before they are deleted:
    manual assignments (to a person or to Unsorted), Ignored marks, and every face of a kept person (named, hidden or
    hand-edited), which clustering would not give back to them (a kept person only gains faces it is near)."""
    decided = assignments.c.source.in_(("manual", IGNORED)) | assignments.c.person_id.in_(_kept_people())
    rows = conn.execute(
        select(photos.c.sha256, faces.c.x, faces.c.y, faces.c.w, faces.c.h, assignments.c.person_id,
               assignments.c.source)
        .select_from(photos.join(faces).join(assignments))
        # (A photo waiting for re-analysis holds the faces of its old content, remembered when it was found changed.)
        .where(under, photos.c.status == "done", photos.c.sha256.is_not(None), decided)
        # The user's own decisions first: of two copies of one photo in the folder, theirs wins (below).
        .order_by(assignments.c.source == "cluster", faces.c.id)
    ).all()
    one_each: dict[tuple, dict] = {}  # a face of a photo copied twice in the folder is remembered once
    t = now()
    for r in rows:
        one_each.setdefault((r.sha256, r.x, r.y, r.w, r.h), dict(
            sha256=r.sha256, x=r.x, y=r.y, w=r.w, h=r.h, person_id=r.person_id, source=r.source, removed_at=t))
    # A photo removed again (from another folder, while it was still remembered) is remembered as it is now.
    hashes = sorted({r.sha256 for r in rows})
    for part in chunks(hashes):
        conn.execute(delete(removed_decisions).where(removed_decisions.c.sha256.in_(part)))
    for part in chunks(list(one_each.values())):
        conn.execute(insert(removed_decisions), part)


def mark_removed_groups(conn: Connection) -> None:
    """Mark the remembered faces of the groups with no name that the removal leaves without faces, before they are
    deleted (`people.drop_empty_groups`): a hand-edited group that was all in the folder comes back with its faces."""
    empty = select(people.c.id).where(
        people.c.name.is_(None), people.c.hidden.is_(False), ~exists().where(assignments.c.person_id == people.c.id))
    conn.execute(update(removed_decisions).where(removed_decisions.c.person_id.in_(empty)).values(group_removed=True))


def bring_back_groups(conn: Connection, person_ids: set[int], t: float) -> None:
    """Make again, under their ids, the groups with no name that left with a removed folder and whose faces are coming
    back (ids are never given to anyone else). Once back, they are people like any other: deleted again (merged
    away), the faces of their photos still to come are grouped as any face."""
    for pid in sorted(person_ids):
        conn.execute(insert(people).values(id=pid, name=None, name_key=None, hidden=False, created_at=t, updated_at=t))
    if person_ids:
        conn.execute(update(removed_decisions).where(removed_decisions.c.person_id.in_(person_ids))
                     .values(group_removed=False))


def take(conn: Connection, sha256: str) -> list[RemovedDecision]:
    """The decisions remembered for a photo of this content, forgotten now: the photo is back."""
    where = removed_decisions.c.sha256 == sha256
    rows = conn.execute(
        select(removed_decisions.c.x, removed_decisions.c.y, removed_decisions.c.w, removed_decisions.c.h,
               removed_decisions.c.person_id, removed_decisions.c.source, removed_decisions.c.group_removed)
        .where(where).order_by(removed_decisions.c.id)
    ).all()
    if rows:
        conn.execute(delete(removed_decisions).where(where))
    return [RemovedDecision((r.x, r.y, r.w, r.h), r.person_id, r.source, bool(r.group_removed)) for r in rows]
