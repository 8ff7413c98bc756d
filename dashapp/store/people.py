"""People and the user's actions on them: name, rename, merge, move faces, hide, bulk-assign, undo.

Every action is one transaction, writes 'manual' assignments, which clustering never changes, and
records an undo step (`store.undo`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from dashapp.store import undo
from dashapp.store.base import Repo, chunks, now
from dashapp.store.schema import (
    IGNORED,
    assignments,
    best_suggestion,
    dismissed_merges,
    faces,
    merge_suggestions,
    not_ignored,
    people,
    suggestions,
)
from dashapp.store.undo import UndoStep, undoable
from dashapp.words import count_of


@dataclass(frozen=True)
class Person:
    """A person (named) or a group found by clustering (name None), with its face count."""

    id: int
    name: str | None
    hidden: bool
    n_faces: int


def tidy_name(name: str) -> str:
    """A name in its stored form: Unicode NFC, trimmed, inner spaces collapsed.

    NFC because an accent may be typed as its own character ("é" = e + U+0301, as macOS keyboards and file
    names give it) or with its letter (U+00E9): the two look the same and are the same text, so they are stored
    the same. NFC keeps what was typed otherwise (a full-width name stays full-width). Control characters (a
    pasted NUL, an escape) are no part of a name: they become spaces, as newlines do. Direction overrides and
    isolates are dropped: left open in a name, they would turn round the words after it on the same line ("Named
    Person 7 “…”."); the marks a right-to-left name may need (U+200E, U+200F) stay."""
    return " ".join(unicodedata.normalize("NFC", name.translate(_CONTROLS)).split())


_CONTROLS = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0))}  # Unicode's category Cc
_CONTROLS.update({c: None for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})  # overrides, isolates


def name_key(name: str) -> str:
    """The form under which names are compared and searched: the tidy name, NFKC case-folded.

    Beyond NFC, NFKC (compatibility) also makes one of characters that are only other forms of the same letters:
    full-width "Ａｄａ" from an East Asian keyboard, the ligature in "ﬁ" pasted from a PDF. NFKC comes both before
    case-folding (a compatibility form may have a case of its own: "ℌ" is an "H") and after it (case-folding
    may leave a letter and its accent apart), as Unicode's own caseless matching of identifiers does."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tidy_name(name)).casefold())


# Letters that Unicode writes as one character, not as a letter and a mark (a stroke, a ligature, no dot), so
# stripping marks alone would not let someone who types plain letters find them ("soren" for "Søren").
_PLAIN_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})


def search_key(text: str) -> str:
    """The form under which a typed search meets a name: case, accents and Unicode forms set aside, so "zoe",
    "ZOE" and "Zoë" all find "Zoé". Only for finding people: names clash as `name_key` compares them.

    NFKD splits each accented letter into the letter and its accent (a combining mark), which is dropped;
    NFKD comes before case-folding too, for the reason `name_key` gives."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", tidy_name(text)).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c)).translate(_PLAIN_LETTERS)


def name_matches(search: str, name: str | None) -> bool:
    """Whether a typed search finds this name: each of its words is part of the name, in any order, whatever
    their case or accents ("zoe mar" finds "Zoé Martin")."""
    key = search_key(name or "")
    return all(word in key for word in search_key(search).split())


def in_name_order(rows: list, name: Callable[[Any], str | None]) -> list:
    """Rows of people (sorted by `name_key`, then groups by size) with the named ones in the order a reader looks
    for them: "Émile" among the E's, not after "Zoé" as its code points would put him."""
    return sorted(rows, key=lambda row: (name(row) is None, search_key(name(row) or "")))


def clean_name(name: str | None) -> str | None:
    """The name as stored (`tidy_name`); empty means no name."""
    if name is None:
        return None
    cleaned = tidy_name(name)
    if len(cleaned) > 200:
        raise ValueError("a name can have at most 200 characters")
    key = search_key(cleaned)
    if re.fullmatch(r"person \d+", key):  # two people would be shown alike, one hiding the other
        raise ValueError(f"“{cleaned}” is how a group without a name is called: choose another name")
    if key in _BIN_NAMES:  # as above: the person and the faces of no one (or set aside) would look the same
        raise ValueError(f"“{cleaned}” is how faces {_BIN_NAMES[key]} are called: choose another name")
    if cleaned and all(unicodedata.category(c)[0] in "CZ" for c in cleaned):  # zero-width spaces, direction marks
        raise ValueError("that name has nothing to see in it (only invisible characters): type a name")
    return cleaned or None


# The pages' words for faces in no person (components.UNSORTED_LABEL, IGNORED_LABEL), as `search_key` gives them.
_BIN_NAMES = {"unsorted": "not given to anyone", "ignored": "set aside"}


def _set_faces(
    conn: Connection, face_ids: Sequence[int], person_id: int | None, t: float, source: str = "manual"
) -> None:
    # One statement run for many rows (executemany): a multi-row VALUES is compiled anew for every chunk, which
    # took seconds for the 20,000 faces of a map lassoed whole.
    stmt = sqlite_insert(assignments).on_conflict_do_update(
        index_elements=[assignments.c.face_id],
        set_=dict(person_id=person_id, source=source, distance=None, run_id=None, updated_at=t),
    )
    ids = [int(i) for i in face_ids]
    if ids:
        conn.execute(stmt, [dict(face_id=i, person_id=person_id, source=source, distance=None, run_id=None,
                                 updated_at=t) for i in ids])
    for part in chunks(ids):
        conn.execute(delete(suggestions).where(suggestions.c.face_id.in_(part)))


def not_both_named(pa: FromClause, pb: FromClause) -> ColumnElement[bool]:
    """A merge suggestion worth showing: two people the user named are two people to them (one name is one person:
    naming one like the other merges them), never suggested as one, nor counted so. Names given after the clustering
    count too, so the rule is applied where suggestions are read."""
    return or_(pa.c.name.is_(None), pb.c.name.is_(None))


def drop_empty_groups(conn: Connection) -> None:
    """Unnamed, visible groups left without faces disappear (named people stay, even when empty)."""
    has_faces = exists().where(assignments.c.person_id == people.c.id)
    conn.execute(delete(people).where(people.c.name.is_(None), people.c.hidden.is_(False), ~has_faces))


def _suggest_merged_person(conn: Connection, sources: list[int], target_id: int) -> None:
    """An unsorted face suggested for a merged group is suggested for the person it joined, at the best rank it
    had for any of them (its other suggestions of them go)."""
    merged = [*sources, target_id]
    better = suggestions.alias("better")
    conn.execute(delete(suggestions).where(suggestions.c.person_id.in_(merged), exists().where(
        better.c.face_id == suggestions.c.face_id, better.c.person_id.in_(merged), better.c.rank < suggestions.c.rank)))
    conn.execute(update(suggestions).where(suggestions.c.person_id.in_(sources)).values(person_id=target_id))


def _merge(conn: Connection, source_ids: Sequence[int], target_id: int, t: float) -> None:
    sources = [int(s) for s in source_ids if int(s) != int(target_id)]
    if not sources:
        return
    # Merging says "these are one person": every face moved is a manual assignment from now on,
    # and so are the target's own faces, so no later clustering run splits them again.
    conn.execute(
        update(assignments)
        .where(assignments.c.person_id.in_([*sources, target_id]))
        .values(person_id=target_id, source="manual", distance=None, run_id=None, updated_at=t)
    )
    _suggest_merged_person(conn, sources, target_id)
    conn.execute(delete(merge_suggestions).where(
        and_(merge_suggestions.c.person_a.in_([*sources, target_id]), merge_suggestions.c.person_b.in_([*sources, target_id]))
    ))
    conn.execute(delete(people).where(people.c.id.in_(sources)))
    conn.execute(update(people).where(people.c.id == target_id).values(updated_at=t))


def _faces_of(conn: Connection, person_ids: Sequence[int]) -> list[int]:
    return [i for (i,) in conn.execute(select(assignments.c.face_id).where(assignments.c.person_id.in_(person_ids)))]


def _people_of(conn: Connection, face_ids: Sequence[int]) -> set[int]:
    """The people these faces belong to now."""
    found: set[int] = set()
    for part in chunks([int(i) for i in face_ids]):
        found |= {p for (p,) in conn.execute(select(assignments.c.person_id).where(assignments.c.face_id.in_(part))) if p}
    return found


def _id_by_name(conn: Connection, name: str) -> int | None:
    return conn.execute(select(people.c.id).where(people.c.name_key == name_key(name))).scalar()


def _insert_person(conn: Connection, name: str | None, t: float) -> int:
    return conn.execute(
        insert(people).values(name=name, name_key=name_key(name) if name else None, hidden=False, created_at=t, updated_at=t)
    ).inserted_primary_key[0]


def _live_faces(conn: Connection, face_ids: Sequence[int]) -> list[int]:
    """The faces still in the library (a page may show faces whose photos an ingest has removed since);
    ValueError when none is."""
    ids = [int(i) for i in face_ids]
    live = {i for part in chunks(ids) for (i,) in conn.execute(select(faces.c.id).where(faces.c.id.in_(part)))}
    if not live:
        raise ValueError("Those faces are no longer in the library (their photos were removed); reload the page.")
    return [i for i in ids if i in live]


def _faces_text(n: int) -> str:
    return count_of(n, "face")


def _acceptable(conn: Connection, best: Sequence) -> list[tuple[int, int]]:
    """(face, person) of the best suggestions (face_id, person_id, distance, photo_id) that may be accepted: a
    person never gets two faces of one photo, so a suggestion of someone who holds a face of the photo now (the
    user put them there after the clustering suggested it), or whom a closer face of the photo gets here, stays
    unaccepted."""
    photo_ids = sorted({int(r.photo_id) for r in best})
    held: set[tuple[int, int]] = set()
    for part in chunks(photo_ids):
        held |= {(p, ph) for p, ph in conn.execute(
            select(assignments.c.person_id, faces.c.photo_id)
            .join(faces, faces.c.id == assignments.c.face_id)
            .where(faces.c.photo_id.in_(part), assignments.c.person_id.is_not(None))
        )}
    out = []
    for r in sorted(best, key=lambda r: r.distance):  # the closest face of a photo comes first
        if (r.person_id, r.photo_id) not in held:
            held.add((r.person_id, r.photo_id))
            out.append((r.face_id, r.person_id))
    return out


def _require(conn: Connection, person_id: int) -> None:
    if conn.execute(select(people.c.id).where(people.c.id == person_id)).first() is None:
        raise KeyError(f"no person with id {person_id}")


class PeopleRepo(Repo):
    """People and user actions. Ids of people stay stable; merges keep the target's id."""

    def list(self, include_hidden: bool = False, named_only: bool = False) -> list[Person]:
        """People with their face counts, named first (by name), then groups by size."""
        n = func.count(assignments.c.face_id)
        query = (
            select(people.c.id, people.c.name, people.c.hidden, n.label("n"))
            .outerjoin(assignments, assignments.c.person_id == people.c.id)
            .group_by(people.c.id)
            .order_by(people.c.name.is_(None), people.c.name_key, n.desc(), people.c.id)
        )
        if not include_hidden:
            query = query.where(people.c.hidden.is_(False))
        if named_only:
            query = query.where(people.c.name.is_not(None))
        with self._read() as conn:
            rows = in_name_order(conn.execute(query).all(), lambda r: r.name)
        return [Person(r.id, r.name, bool(r.hidden), r.n) for r in rows]

    def get(self, person_id: int) -> Person | None:
        with self._read() as conn:
            r = conn.execute(
                select(people.c.id, people.c.name, people.c.hidden, func.count(assignments.c.face_id).label("n"))
                .outerjoin(assignments, assignments.c.person_id == people.c.id)
                .where(people.c.id == person_id)
                .group_by(people.c.id)
            ).first()
        return Person(r.id, r.name, bool(r.hidden), r.n) if r else None

    def by_name(self, name: str) -> Person | None:
        """The person with this name (case-insensitive), if any."""
        with self._read() as conn:
            pid = conn.execute(select(people.c.id).where(people.c.name_key == name_key(name))).scalar()
        return self.get(pid) if pid is not None else None

    def named_alike(self, name: str, other_than: int | None = None) -> list[Person]:
        """The people (hidden too; but `other_than`) whose name is this one with case and accents set aside ("zoe"
        for "Zoé"), by id: for finding someone by a name typed without its accents, which `by_name` takes as another
        name."""
        key = search_key(name)
        with self._read() as conn:
            named = conn.execute(select(people.c.id, people.c.name).where(people.c.name.is_not(None)).order_by(people.c.id))
            ids = [pid for pid, other in named if key and search_key(other) == key]
        return [p for p in map(self.get, ids) if p is not None and p.id != other_than]

    def face_ids(self, person_id: int | None) -> list[int]:
        """Faces assigned to a person; None = the unsorted faces (including those with no assignment, not
        those set aside)."""
        with self._read() as conn:
            if person_id is None:
                query = (
                    select(faces.c.id)
                    .outerjoin(assignments, assignments.c.face_id == faces.c.id)
                    .where(assignments.c.person_id.is_(None), not_ignored())
                    .order_by(faces.c.id)
                )
            else:
                query = select(assignments.c.face_id).where(assignments.c.person_id == person_id).order_by(
                    assignments.c.face_id
                )
            return [i for (i,) in conn.execute(query)]

    def unsorted_among(self, face_ids: Sequence[int]) -> list[int]:
        """Which of these faces are unsorted (in no person, not set aside), in the order given."""
        ids = [int(i) for i in face_ids]
        found: set[int] = set()
        with self._read() as conn:
            for part in chunks(ids):
                found |= {i for (i,) in conn.execute(
                    select(faces.c.id)
                    .outerjoin(assignments, assignments.c.face_id == faces.c.id)
                    .where(faces.c.id.in_(part), assignments.c.person_id.is_(None), not_ignored())
                )}
        return [i for i in ids if i in found]

    def create(self, name: str | None = None) -> int:
        """A new person (or the existing one with this name); returns its id."""
        name = clean_name(name)
        with self._write() as conn:
            existing = _id_by_name(conn, name) if name is not None else None
            return existing if existing is not None else _insert_person(conn, name, now())

    def rename(self, person_id: int, name: str | None) -> int:
        """Give a person a name. If another person already has it, merge into that person.

        An empty name removes the name (the person becomes an unnamed group). Returns the id of the
        person who has the name now (the other person's id after a merge).
        """
        name = clean_name(name)
        t = now()
        with self._write() as conn:
            _require(conn, person_id)
            other = None
            if name is not None:
                other = conn.execute(
                    select(people.c.id, people.c.name).where(people.c.name_key == name_key(name), people.c.id != person_id)
                ).first()
            if other is not None:
                other, other_name = other
                with undoable(conn, f"merge into “{other_name}”", [person_id, other], _faces_of(conn, [person_id, other])):
                    _merge(conn, [person_id], other, t)
                return other
            old_name = conn.execute(select(people.c.name).where(people.c.id == person_id)).scalar()
            label = f"naming “{name}”" if name else f"removal of the name “{old_name}”" if old_name else \
                "removal of a name"
            with undoable(conn, label, [person_id], _faces_of(conn, [person_id])):
                conn.execute(
                    update(people)
                    .where(people.c.id == person_id)
                    .values(name=name, name_key=name_key(name) if name else None, updated_at=t)
                )
                # A name is a confirmation: the person's faces become manual so clustering keeps them
                # even if the name is later removed.
                conn.execute(
                    update(assignments)
                    .where(assignments.c.person_id == person_id)
                    .values(source="manual", distance=None, run_id=None, updated_at=t)
                )
            return person_id

    def merge(self, source_ids: Sequence[int], target_id: int) -> int:
        """Move all faces of `source_ids` into `target_id` and delete the sources; returns target_id.

        The target keeps its name; if it has none, it takes the first source name found.
        """
        t = now()
        group = [int(target_id), *(int(s) for s in source_ids if int(s) != int(target_id))]
        with self._write() as conn:
            _require(conn, target_id)
            target_name = conn.execute(select(people.c.name).where(people.c.id == target_id)).scalar()
            borrowed = None
            if target_name is None:
                borrowed = conn.execute(
                    select(people.c.name)
                    .where(people.c.id.in_(group[1:]), people.c.name.is_not(None))
                    .order_by(people.c.id)
                ).scalar()
            with undoable(conn, f"merge of {len(group)} groups", group, _faces_of(conn, group)):
                _merge(conn, group[1:], target_id, t)
                if borrowed is not None:
                    conn.execute(
                        update(people).where(people.c.id == target_id).values(name=borrowed, name_key=name_key(borrowed))
                    )
            return target_id

    def move_faces(self, face_ids: Sequence[int], person_id: int | None) -> None:
        """Assign faces to a person by hand (None = to unsorted, where clustering leaves them)."""
        t = now()
        with self._write() as conn:
            face_ids = _live_faces(conn, face_ids)
            label = f"move of {_faces_text(len(face_ids))}"
            if person_id is None:
                label += " to Unsorted"
            else:
                _require(conn, person_id)
                name = conn.execute(select(people.c.name).where(people.c.id == person_id)).scalar()
                label += f" to “{name}”" if name else f" to Person {person_id}"  # as the pages call the group
            with undoable(conn, label, [person_id, *_people_of(conn, face_ids)], face_ids):
                _set_faces(conn, face_ids, person_id, t)
                drop_empty_groups(conn)

    def ignore_faces(self, face_ids: Sequence[int]) -> None:
        """Set faces aside (not a face, or nobody to sort): out of people, unsorted faces, clustering, the map,
        the statistics and searches, until the user moves them to someone or to Unsorted."""
        t = now()
        with self._write() as conn:
            face_ids = _live_faces(conn, face_ids)
            label = f"move of {_faces_text(len(face_ids))} to Ignored"
            with undoable(conn, label, _people_of(conn, face_ids), face_ids):
                _set_faces(conn, face_ids, None, t, source=IGNORED)
                drop_empty_groups(conn)

    def move_faces_to_name(self, face_ids: Sequence[int], name: str) -> int:
        """Assign faces to the person with this name, creating the person if needed; returns its id."""
        name = clean_name(name)
        if name is None:
            raise ValueError("a name is needed")
        t = now()
        with self._write() as conn:
            face_ids = _live_faces(conn, face_ids)
            person_id = _id_by_name(conn, name)
            scope = [person_id, *_people_of(conn, face_ids)]
            with undoable(conn, f"move of {_faces_text(len(face_ids))} to “{name}”", scope, face_ids) as created:
                if person_id is None:
                    person_id = _insert_person(conn, name, t)
                    created.append(person_id)
                _set_faces(conn, face_ids, person_id, t)
                drop_empty_groups(conn)
            return person_id

    def accept_suggestions(self, face_ids: Sequence[int]) -> int:
        """Assign each of these unsorted faces to its best suggested person; returns how many moved."""
        t = now()
        with self._write() as conn:
            best = _acceptable(conn, conn.execute(
                select(suggestions.c.face_id, suggestions.c.person_id, suggestions.c.distance, faces.c.photo_id)
                .join(faces, faces.c.id == suggestions.c.face_id)
                .where(suggestions.c.face_id.in_([int(i) for i in face_ids]), best_suggestion())
            ).all())
            if not best:
                return 0
            by_person: dict[int, list[int]] = {}
            for face_id, person_id in best:
                by_person.setdefault(person_id, []).append(face_id)
            moved = [f for f, _ in best]
            label = f"acceptance of {len(best)} suggestion" + ("s" if len(best) != 1 else "")
            with undoable(conn, label, [*by_person, *_people_of(conn, moved)], moved):
                for person_id, ids in by_person.items():
                    _set_faces(conn, ids, person_id, t)
            return len(best)

    def set_hidden(self, person_id: int, hidden: bool = True) -> None:
        """Hide a person from the people page (their faces stay theirs), or show them again."""
        with self._write() as conn:
            _require(conn, person_id)
            name = conn.execute(select(people.c.name).where(people.c.id == person_id)).scalar()
            who = f"“{name}”" if name else f"Person {person_id}"
            with undoable(conn, f"{'hiding' if hidden else 'showing'} of {who}", [person_id], []):
                conn.execute(update(people).where(people.c.id == person_id).values(hidden=hidden, updated_at=now()))

    def delete_empty(self) -> None:
        """Remove unnamed visible groups with no faces."""
        with self._write() as conn:
            drop_empty_groups(conn)

    def face_suggestions(self, face_id: int) -> list[tuple[int, float]]:
        """(person id, distance) suggested for an unsorted face, best first."""
        with self._read() as conn:
            rows = conn.execute(
                select(suggestions.c.person_id, suggestions.c.distance)
                .where(suggestions.c.face_id == face_id)
                .order_by(suggestions.c.rank)
            )
            return [(p, d) for p, d in rows]

    def merge_suggestions(self, limit: int = 50) -> list[tuple[int, int, float]]:
        """(person a, person b, distance) pairs that look like one person, closest first (`not_both_named`, as on
        the People page)."""
        pa, pb = people.alias("pa"), people.alias("pb")
        with self._read() as conn:
            rows = conn.execute(
                select(merge_suggestions.c.person_a, merge_suggestions.c.person_b, merge_suggestions.c.distance)
                .join(pa, pa.c.id == merge_suggestions.c.person_a)
                .join(pb, pb.c.id == merge_suggestions.c.person_b)
                .where(not_both_named(pa, pb))
                .order_by(merge_suggestions.c.distance)
                .limit(limit)
            )
            return [(a, b, d) for a, b, d in rows]

    def dismiss_merge_suggestion(self, person_a: int, person_b: int) -> None:
        """The user says these two are different people: never suggest merging them again."""
        a, b = sorted((int(person_a), int(person_b)))
        with self._write() as conn, undoable(conn, "“not the same” on a merge suggestion", [a, b], []):
            conn.execute(sqlite_insert(dismissed_merges).values(person_a=a, person_b=b).on_conflict_do_nothing())
            conn.execute(
                delete(merge_suggestions).where(merge_suggestions.c.person_a == a, merge_suggestions.c.person_b == b)
            )

    def last_action(self) -> UndoStep | None:
        """The newest action that Undo would take back (None: nothing since the last clustering)."""
        with self._read() as conn:
            return undo.last(conn)

    def undo(self) -> UndoStep | None:
        """Take back the newest action: its people and faces are as they were before it. Returns the step
        undone (None if there was none); ValueError, with nothing changed, if the library no longer allows it."""
        with self._write() as conn:
            step = undo.undo_last(conn)
            drop_empty_groups(conn)  # a group whose faces left the library since
            return step
