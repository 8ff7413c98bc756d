"""`python app.py people`: list, name, merge, hide and show people, and undo, from the command line.

The same store actions as the People page, so each is undoable in either place (`people undo`, or the
page's Undo). People are given by the id `people` lists (an unnamed group shows as "Person <id>").
"""

from __future__ import annotations

import argparse

from dashapp.commands import existing_store
from dashapp.components import person_label, where_hidden
from dashapp.store import Store
from dashapp.store.people import clean_name


def _person(store: Store, person_id: int) -> str:
    """The person's label; a clear error for an id that is not in the library."""
    person = store.people.get(person_id)
    if person is None:
        raise ValueError(f"no person with id {person_id} (python app.py people lists them)")
    return person_label(person.id, person.name)


def _list(store: Store, args: argparse.Namespace) -> str:
    people = store.people.list(include_hidden=args.hidden)
    if not people:
        return "No people yet: add photos first (python app.py ingest FOLDER)."
    rows = [f"{'id':>6}  {'faces':>6}  name"]
    rows += [f"{p.id:>6}  {p.n_faces:>6}  {person_label(p.id, p.name)}{'  (hidden)' if p.hidden else ''}" for p in people]
    return "\n".join(rows)


def _name(store: Store, args: argparse.Namespace) -> str:
    who = _person(store, args.person)
    name = clean_name(args.name)
    if store.people.get(args.person).name == name:
        return f"{who} already has that name." if name else f"{who} has no name."
    other = store.people.by_name(name) if name else None
    if other is not None and other.id != args.person and not args.merge:
        hidden = ", hidden" if other.hidden else ""
        raise ValueError(
            f"“{other.name}” is already person {other.id} ({other.n_faces} faces{hidden}): "
            f"add --merge to merge {who} into them"
        )
    now_id = store.people.rename(args.person, name)
    if now_id != args.person:
        return f"Merged {who} into {where_hidden(f'{other.name} (person {now_id})', other.hidden)}."
    if not name:
        return f"Removed the name of {who}."
    # As the People page asks "did you mean them?": a name that is someone's but for accents or case.
    alike = store.people.named_alike(name, other_than=args.person)
    hint = "".join(f"\nNote: “{p.name}” (person {p.id}) has this name but for its accents or case; if they are one "
                   f"person: app.py people merge {p.id} {args.person}" for p in alike)
    return f"Named {who} “{name}”.{hint}"


def _merge(store: Store, args: argparse.Namespace) -> str:
    sources = set(args.sources) - {args.target}
    if not sources:
        raise ValueError("give at least one other person to merge into the target")
    for pid in [args.target, *sources]:
        _person(store, pid)
    target = store.people.merge(sorted(sources), args.target)
    into = where_hidden(_person(store, target), store.people.get(target).hidden)
    return f"Merged {len(sources) + 1} groups into {into}."


def _set_hidden(store: Store, args: argparse.Namespace) -> str:
    who = _person(store, args.person)
    hide = args.people_action == "hide"
    if store.people.get(args.person).hidden == hide:  # nothing to change: no step for `undo` to take back
        return f"{who} is already {'hidden' if hide else 'shown'}."
    store.people.set_hidden(args.person, hide)
    return f"{who} is {'hidden' if hide else 'shown'}."


def _undo(store: Store, _args: argparse.Namespace) -> str:
    step = store.people.undo()
    if step is None:  # as the People page's Undo refuses it: the change asked for cannot be made
        raise ValueError("nothing to undo since the last clustering")
    return f"Took back the {step.label}."


ACTIONS = {"list": _list, "name": _name, "merge": _merge, "hide": _set_hidden, "show": _set_hidden, "undo": _undo}


def run_people(args: argparse.Namespace) -> int:
    """Run one `people` action on the existing library and print what happened."""
    print(ACTIONS[args.people_action or "list"](existing_store(args.data_dir), args))
    return 0
