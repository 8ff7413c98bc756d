"""People page: render cards and unsorted faces; name, merge, move, hide, accept suggestions, undo."""

from __future__ import annotations

import json

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.common import (
    NO_TOAST, TOAST, Library, clicked, fetch_page, library, move_faces, ok, page_offset, pager_style, refused,
)
from callbacks.follow import acted, drawn_stamp, own_change
from dashapp import components as C
from dashapp.store.people import tidy_name

PEOPLE_PAGE_SIZE = C.PEOPLE_PAGE_SIZE
UNSORTED_PAGE_SIZE = 48


# Changing what the cards show starts again from their first page.
_PEOPLE_FILTERS = {"people-search", "people-show-hidden", "people-unnamed-only"}
# A change to people (here, in another window) leaves the other cards in their places (`_in_their_places`).
_CHANGES = {"people-version", "people-renamed"}


@dash.callback(
    Output({"type": "people-slot", "index": ALL}, "children"),
    Output("people-slot-keys", "data"),
    Output("people-pager", "max_value"),
    Output("people-pager", "style"),
    Output("people-pager", "active_page"),
    Output("people-count", "children"),
    Output("people-move-target", "options"),
    Output("people-stamp", "data"),
    Input("people-version", "data"),
    Input("people-renamed", "data"),
    Input("people-pager", "active_page"),
    Input("people-search", "value"),
    Input("people-show-hidden", "value"),
    Input("people-unnamed-only", "value"),
    Input("people-least-alike", "value"),
    State("people-slot-keys", "data"),
    State("people-stamp", "data"),
)
def render_people(_version: int, _renamed: dict | None, page: int | None, search: str | None, show_hidden: bool,
                  unnamed_only: bool, least_alike: bool, drawn: list[str | None] | None = None,
                  noted: str | None = None):
    """One page of person cards (largest first), each with its first faces (best detections first, or the
    faces least like the rest of their group first), each card in its place on the page (a slot). After a change
    to people the cards still on the page keep their places (sorted again with the next page, filter or visit),
    and only the places whose card changed are drawn: after a name, a move or a merge most cards are as they were,
    and the browser takes seconds to draw a whole page of cards. `drawn`: what each place shows (`_card_key`)."""
    lib = library()
    stamp = drawn_stamp(_CHANGES, noted)  # before reading the people: a change meanwhile shows at the next poll
    page = 1 if ctx.triggered_id in _PEOPLE_FILTERS else page
    query = dict(include_hidden=bool(show_hidden), search=search or "", unnamed_only=bool(unnamed_only))
    # The last page may have emptied: its groups merged, named (showing those not named yet), hidden.
    page, pages, (total, n_named, people) = fetch_page(
        lambda offset: lib.queries.people_page(offset, PEOPLE_PAGE_SIZE, **query), page, PEOPLE_PAGE_SIZE)
    # The "move to" menu lists everyone, whatever the page shows: drawn again only when people changed (or on
    # arrival), not for another page, search or switch (~200 KB and 700 components in a library of 700 people).
    options = C.dropdown_options(lib.queries.people_options(), for_moving=True) \
        if ctx.triggered_id is None or ctx.triggered_id in _CHANGES else no_update
    if total == 0:  # drawn afresh: the words depend on more than this page
        slots = [_no_cards(search or "", bool(show_hidden), bool(unnamed_only), n_named)]
        return slots + [None] * (PEOPLE_PAGE_SIZE - 1), None, 1, pager_style(1), 1, "", options, stamp
    placed = _in_their_places(people, drawn) if ctx.triggered_id in _CHANGES and drawn else people
    slots, keys = _slots(placed, bool(least_alike), drawn or [])
    if unnamed_only:
        count = f"{total} {'group' if total == 1 else 'groups'} not named yet"
    else:
        count = f"{total} people and groups" if total != 1 else "1 person"
    count += f" · {n_named} named" if n_named else ""
    count += f" · page {page}" if total > PEOPLE_PAGE_SIZE else ""
    return slots, keys, pages, pager_style(pages), page, count, options, stamp


@dash.callback(
    Output("people-show-hidden", "label"),
    Input("people-version", "data"),
    Input("people-init", "data"),
)
def hidden_count(_version: int, _init: int = 0) -> str:
    """"Show hidden (3)": how many groups the switch shows, counted again after every change to people."""
    queries = library().queries
    n_hidden = queries.people_page(0, 0, include_hidden=True)[0] - queries.people_page(0, 0)[0]
    return f"Show hidden ({n_hidden})"


def _no_cards(search: str, show_hidden: bool, unnamed_only: bool, n_named: int):
    """Why no card shows: who the search and the switches leave out, and which switch shows them. `n_named`: the
    named people the search finds (left out by “Not named yet”)."""
    lib = library()
    hidden = hidden_named = 0
    if not show_hidden:  # counted with the hidden ones: none of those found shows, so the rest are hidden
        hidden, hidden_named, _ = lib.queries.people_page(0, 0, include_hidden=True, search=search,
                                                          unnamed_only=unnamed_only)
        hidden_named -= n_named
    if unnamed_only and n_named:
        if search:
            return C.empty_state(_found(n_named, "named"), "Switch off “Not named yet” to see them.")
        more = " Hidden groups without a name show with “Show hidden”." if hidden else ""
        return C.empty_state("Everyone has a name", "Switch off “Not named yet” to see them all." + more)
    if hidden:
        if search:
            title = _found(hidden, "hidden", groups=unnamed_only)
        else:
            title = "Every group still to name is hidden" if unnamed_only else "Everyone is hidden"
        return C.empty_state(title, "Switch on “Show hidden” to see them.")
    if unnamed_only and hidden_named:
        title = _found(hidden_named, "named and hidden") if search else "Everyone has a name, and is hidden"
        return C.empty_state(title, "Switch off “Not named yet” and on “Show hidden” to see them.")
    if search:
        return C.empty_state("No one by that name", "Try another name or clear the search.")
    if lib.queries.summary()["n_faces"] == 0:
        return C.empty_state("No photos yet", "Add a folder on the Library page; the faces found are grouped "
                             "into people here.", "/library", "Go to the Library")
    return C.empty_state("No groups yet", "Faces are grouped into people after an ingest; unsorted faces are "
                         "listed below.")


def _found(n: int, what: str, groups: bool = False) -> str:
    """"The person found is named", "The 3 people found are hidden", "The group found is hidden"."""
    one, many = ("group", "groups") if groups else ("person", "people")
    return f"The {one} found is {what}" if n == 1 else f"The {n} {many} found are {what}"


def _in_their_places(people: list[dict], drawn: list[str | None]) -> list[dict | None]:
    """After a change: the page's people in the places the page shows them in, and a group that joined the page
    (the next one, after a merge or with "Not named yet" a name) in the place of one that left it, so the other
    cards stay where they are, in front of the user; `people` as listed when they do not fit in the places left."""
    shown = [json.loads(key)[0]["id"] if key else None for key in drawn]
    by_id = {p["id"]: p for p in people}
    joined = iter([p for p in people if p["id"] not in shown])
    placed = [by_id[pid] if pid in by_id else next(joined, None) for pid in shown[:PEOPLE_PAGE_SIZE]]
    return people if next(joined, None) is not None else placed


def _slots(people: list[dict | None], least_alike: bool, drawn: list[str | None]) -> tuple[list, list[str | None]]:
    """What each place of the page shows: a person card, nothing (after the last one, or where a card left), or
    `no_update` where the card drawn there (`drawn`) is still the same; and the key of each place's card."""
    faces = library().queries.first_faces([p["id"] for p in people if p], C.FACE_PAGE_SIZE,
                                          least_alike_first=least_alike)
    slots, keys = [], []
    for index in range(PEOPLE_PAGE_SIZE):
        person = people[index] if index < len(people) else None
        face_ids = faces.get(person["id"], []) if person else []
        key = _card_key(person, face_ids)
        keys.append(key)
        if index < len(drawn) and drawn[index] == key:
            slots.append(no_update)
        else:
            slots.append(C.person_card(person, face_ids) if person else None)
    return slots, keys


def _card_key(person: dict | None, face_ids: list[int]) -> str | None:
    """Everything a person card shows, as a string: equal keys, equal cards."""
    return None if person is None else json.dumps([person, face_ids], sort_keys=True, default=str)


@dash.callback(
    Output({"type": "person-faces", "pid": MATCH}, "faces"),
    Input({"type": "person-pager", "pid": MATCH}, "active_page"),
    State("people-least-alike", "value"),
    prevent_initial_call=True,
)
def person_faces_page(page: int | None, least_alike: bool = False):
    """Another page of one person's faces."""
    pid = ctx.triggered_id["pid"]
    ids = library().queries.person_faces(pid, page_offset(page, C.FACE_PAGE_SIZE), C.FACE_PAGE_SIZE,
                                         least_alike_first=bool(least_alike))
    return C.person_faces(ids)


def _renamed_elsewhere(shown_people: set[int | None]) -> bool:
    """Whether this callback runs for a name given to a group it does not show (so it has nothing to redraw)."""
    return ctx.triggered_id == "people-renamed" and ctx.triggered[0]["value"]["pid"] not in shown_people


@dash.callback(
    Output("people-unsorted-grid", "children"),
    Output("people-unsorted-pager", "max_value"),
    Output("people-unsorted-pager", "active_page"),
    Output("people-unsorted-pager", "style"),
    Output("people-unsorted-count", "children"),
    Output("people-sort-btn", "disabled"),
    Output("people-accept-btn", "disabled"),
    Input("people-version", "data"),
    Input("people-renamed", "data"),  # the names suggested
    Input("people-unsorted-pager", "active_page"),
)
def render_unsorted(_version: int, _renamed: dict | None, page: int | None):
    """One page of faces in no group, each with its suggested person (the new last page when the last one
    emptied). With none, nothing to sort or accept: both buttons are off (a click on "Accept suggestions" said
    "None of these faces has a suggested person yet", even in an empty library)."""
    page, pages, (total, faces) = fetch_page(
        lambda offset: library().queries.unsorted_page(offset, UNSORTED_PAGE_SIZE), page, UNSORTED_PAGE_SIZE)
    if _renamed_elsewhere({f["suggested_id"] for f in faces}):
        return no_update, no_update, no_update, no_update, no_update, no_update, no_update
    empty = "No unsorted faces: every face is in a group." if total or library().queries.n_faces_total() \
        else "No faces yet."
    grid = C.face_grid([C.unsorted_tile(f) for f in faces], empty)
    return grid, pages, page, pager_style(pages), f"({total})", total == 0, total == 0


@dash.callback(
    Output("people-ignored-grid", "children"),
    Output("people-ignored-pager", "max_value"),
    Output("people-ignored-pager", "active_page"),
    Output("people-ignored-pager", "style"),
    Output("people-ignored-count", "children"),
    Output("people-ignored-card", "style"),
    Input("people-version", "data"),
    Input("people-ignored-pager", "active_page"),
)
def render_ignored(_version: int, page: int | None):
    """One page of the faces set aside (the new last page when the last one emptied; the card is hidden while
    there are none)."""
    page, pages, (total, ids) = fetch_page(
        lambda offset: library().queries.ignored_page(offset, UNSORTED_PAGE_SIZE), page, UNSORTED_PAGE_SIZE)
    if total == 0:
        return None, 1, 1, pager_style(1), "", {"display": "none"}
    grid = C.face_grid([C.face_tile(f, title=f"Face {f}: ignored — click to select") for f in ids])
    return grid, pages, page, pager_style(pages), f"({total})", {}


@dash.callback(
    Output("people-suggestions", "children"),
    Output("people-suggestions-key", "data"),
    Input("people-version", "data"),
    Input("people-renamed", "data"),
    Input("people-init", "data"),
    State("people-suggestions-key", "data"),
)
def render_merge_suggestions(_version: int, _renamed: dict | None = None, _init: int = 0, drawn: str | None = None):
    """Groups that look like one person, with a Merge button each; drawn only when they changed since `drawn`
    (a hundred components: after most changes to people they are the same)."""
    rows = library().queries.merge_suggestions(limit=8)
    key = json.dumps(rows, sort_keys=True, default=str)
    if key == drawn:
        return no_update, no_update
    return _suggestions_card(rows), key


def _suggestions_card(rows: list[dict]) -> dbc.Card | None:
    if not rows:
        return None
    return dbc.Card(
        [dbc.CardHeader([html.Strong("Maybe the same person"),
                           html.Span(" — merge groups that are one person", className="small text-muted")]),
         dbc.CardBody([C.merge_suggestion_row(r) for r in rows], className="py-1")],
        className="mb-3",
    )


# Faces are selected and groups ticked in the browser (assets/selection.js); these show the stores' selection and
# ticks on the tiles and boxes.
dash.clientside_callback(
    ClientsideFunction(namespace="people", function_name="showSelection"),
    Input("people-selected-faces", "data"),
)
dash.clientside_callback(
    ClientsideFunction(namespace="people", function_name="showTicks"),
    Input("people-ticked-groups", "data"),
)


@dash.callback(
    Output("people-sel-info", "children"),
    Output("people-merge-btn", "disabled"),
    Output("people-move-btn", "disabled"),
    Input("people-selected-faces", "data"),
    Input("people-ticked-groups", "data"),
)
def selection_info(selected: list | None, ticked: list | None):
    """Say what is selected and enable the buttons that can act on it."""
    n_faces, n_groups = len(selected or []), len(ticked or [])
    parts = []
    if n_faces:
        parts.append(f"{n_faces} face{'s' if n_faces != 1 else ''} selected")
    if n_groups:
        parts.append(f"{n_groups} group{'s' if n_groups != 1 else ''} ticked")
    text = " · ".join(parts) or "Nothing selected — click faces or tick groups"
    return text, n_groups < 2, n_faces == 0


@dash.callback(
    Output("people-ticked-groups", "data", allow_duplicate=True),
    Input("people-version", "data"),
    State("people-ticked-groups", "data"),
    prevent_initial_call=True,
)
def untick_gone_groups(_version: int, ticked: list | None):
    """After a change to people (here or elsewhere), untick the groups that no longer exist: merged away through a
    suggestion or a name, emptied, or undone. Left ticked, they were counted in "2 groups ticked" and "Merge selected
    groups" then refused to merge what was left."""
    kept = [pid for pid in ticked or [] if library().store.people.get(int(pid)) is not None]
    return no_update if len(kept) == len(ticked or []) else kept


def _merge_plan(person_ids: list[int]) -> dict:
    """Which person the others merge into: the named one with most faces, else the largest group."""
    lib = library()
    people = [p for p in (lib.queries.person(i) for i in person_ids) if p is not None]
    people.sort(key=lambda p: (p["name"] is None, -p["n_faces"], p["id"]))
    target, sources = people[0], people[1:]
    return {"action": "merge", "target": target["id"], "sources": [p["id"] for p in sources],
            "text": _merge_text(target, sources)}


def _merge_text(target: dict, sources: list[dict]) -> str:
    names = ", ".join(C.person_label(p["id"], p["name"]) for p in sources)
    lost = [p["name"] for p in sources if p["name"] and target["name"]]
    text = f"Merge {names} into {C.person_label(target['id'], target['name'])}? All their faces become one person."
    if lost:
        text += f" The name{'s' if len(lost) > 1 else ''} {', '.join(lost)} will be dropped."
    return text


@dash.callback(
    Output("people-pending", "data", allow_duplicate=True),
    Output("people-confirm-body", "children", allow_duplicate=True),
    Output("people-confirm-modal", "is_open", allow_duplicate=True),
    *TOAST,
    Input("people-merge-btn", "n_clicks"),
    Input({"type": "suggest-merge", "a": ALL, "b": ALL}, "n_clicks"),
    State("people-ticked-groups", "data"),
    prevent_initial_call=True,
)
def ask_merge(_merge: int | None, _suggest: list, ticked: list | None):
    """Ask before merging the ticked groups, or the two groups of a merge suggestion."""
    if not clicked():
        return no_update, no_update, no_update, *NO_TOAST
    if ctx.triggered_id == "people-merge-btn":
        ids = list(ticked or [])
        if len(ids) < 2:
            return no_update, no_update, no_update, *refused("Tick at least two groups to merge.")
    else:
        ids = [ctx.triggered_id["a"], ctx.triggered_id["b"]]
    plan = {**_merge_plan(ids), "ticked": ctx.triggered_id == "people-merge-btn"}
    if not plan["sources"]:
        return no_update, no_update, no_update, *refused("Those groups no longer exist; the page was refreshed.")
    return plan, plan["text"], True, *NO_TOAST


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-pending", "data", allow_duplicate=True),
    Output("people-confirm-body", "children", allow_duplicate=True),
    Output("people-confirm-modal", "is_open", allow_duplicate=True),
    Output("people-renamed", "data"),
    Output("people-acted", "data", allow_duplicate=True),
    Input({"type": "person-name", "pid": ALL}, "value"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def name_person(_values: list, version: int):
    """Save a typed name; if another person already has it, ask whether to merge into them."""
    # One input changed = the user committed a name (Enter or leaving the field); many at once =
    # cards were re-rendered, which is not a user action.
    if not isinstance(ctx.triggered_id, dict) or len(ctx.triggered) != 1:
        return *NO_TOAST, no_update, no_update, no_update, no_update, no_update, no_update
    lib = library()
    pid = int(ctx.triggered_id["pid"])
    name = tidy_name(ctx.triggered[0].get("value") or "")  # as stored: "Zoé" typed either way is its name
    person = lib.queries.person(pid)
    if person is None:
        return *refused("That group no longer exists."), (version or 0) + 1, *(no_update,) * 5
    if name == (person["name"] or ""):
        return *NO_TOAST, no_update, no_update, no_update, no_update, no_update, no_update
    other = lib.queries.person_by_name(name) if name else None
    if other is not None and other["id"] != pid:
        plan = {"action": "merge", "target": other["id"], "sources": [pid], "text": _name_clash_text(other, person),
                "typed_in": pid}
        return *NO_TOAST, no_update, plan, plan["text"], True, no_update, no_update
    alike = _named_alike(lib, name, pid) if name else None
    if alike is not None:  # "zoe" typed where "Zoé" exists: most likely her, but it may be someone else's name
        plan = {"action": "merge", "target": alike["id"], "sources": [pid], "keep_name": name, "typed_in": pid,
                "text": _name_alike_text(alike, person, name)}
        return *NO_TOAST, no_update, plan, plan["text"], True, no_update, no_update
    try:
        lib.store.people.rename(pid, name or None)
    except ValueError as exc:
        return *refused(str(exc)), no_update, no_update, no_update, no_update, no_update, no_update
    if name:
        message = f"Named {C.person_label(pid, None)} “{name}”."
    else:
        message = f"Removed the name “{person['name']}”: the group is {C.person_label(pid, None)} again."
    # Not a new version of the page: only the named card is drawn again (render_people).
    return *ok(message), no_update, no_update, no_update, no_update, {"pid": pid, "name": name}, acted(version)


def _named_alike(lib: Library, name: str, pid: int) -> dict | None:
    """Someone else whose name is this one typed without its accents or in another case ("zoe" for "Zoé"), the
    one with most faces where several are; None when no one is."""
    alike = [lib.queries.person(p.id) for p in lib.store.people.named_alike(name, other_than=pid)]
    return max((p for p in alike if p), key=lambda p: (p["n_faces"], -p["id"]), default=None)


def _name_alike_text(other: dict, person: dict, name: str) -> str:
    """The question when a typed name is someone else's but for accents or case: merge into them, or keep it?"""
    text = (f"{other['name']} already exists ({other['n_faces']} faces): did you mean them? Merge "
            f"{C.person_label(person['id'], person['name'])} ({person['n_faces']} faces) into {other['name']}, or "
            f"name it “{name}”, someone else.")
    if other["hidden"]:
        text += f" Merged, its faces go to {C.where_hidden(other['name'], True)}."
    return text


def _name_clash_text(other: dict, person: dict) -> str:
    """The question when a typed name is someone else's: merge into them? (Saying so when they are hidden: the
    group would leave the page with them.) A name is one person's, so two people who share a first name are told
    apart by a fuller one: the question says so, for two Adas are no reason to merge."""
    label = C.person_label(person["id"], person["name"])
    text = (f"{other['name']} already exists ({other['n_faces']} faces). Merge {label} ({person['n_faces']} faces) "
            f"into {other['name']}?")
    if other["hidden"]:
        text += f" Its faces go to {C.where_hidden(other['name'], True)}."
    return (text + f" If they are two different people, choose Cancel and give {label} a fuller name (add a surname "
            "or an initial): two people cannot have the same name.")


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-confirm-modal", "is_open", allow_duplicate=True),
    Output("people-pending", "data", allow_duplicate=True),
    Output("people-selected-faces", "data", allow_duplicate=True),
    Output("people-slot-keys", "data", allow_duplicate=True),
    Output("people-ticked-groups", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-confirm-yes", "n_clicks"),
    Input("people-confirm-no", "n_clicks"),
    State("people-pending", "data"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def confirm_pending(_yes: int | None, _no: int | None, pending: dict | None, version: int):
    """Run the confirmed merge (or drop it on Cancel), then refresh the page. A merge of the ticked groups unticks
    them: the ticks have done their work."""
    if not clicked():
        return *NO_TOAST, no_update, no_update, no_update, no_update, no_update, no_update, no_update
    if ctx.triggered_id == "people-confirm-no" or not pending:
        new_version, no_pending, redraw = _dropped(version, pending)
        return *NO_TOAST, new_version, False, no_pending, no_update, redraw, no_update, no_update
    lib = library()
    try:
        target = lib.store.people.merge(pending["sources"], pending["target"])
    except KeyError:
        # Merged or deleted meanwhile (another window): every card is drawn again, as after Cancel on a typed name
        # (`_dropped`), so the field that asked to merge shows the stored name.
        return (*refused("One of those groups no longer exists."), (version or 0) + 1, False, None, no_update, None,
                no_update, no_update)
    person = lib.queries.person(target)
    label = C.where_hidden(C.person_label(target, person["name"] if person else None), bool(person and person["hidden"]))
    n = len(pending["sources"]) + 1
    unticked = [] if pending.get("ticked") else no_update
    return (*ok(f"Merged {n} groups into {label}."), (version or 0) + 1, False, None, [], no_update, unticked,
            acted((version or 0) + 1))


@dash.callback(
    Output("people-confirm-keep", "children"),
    Output("people-confirm-keep", "style"),
    Input("people-pending", "data"),
)
def show_keep_name(pending: dict | None):
    """The dialog's third choice, where the typed name is someone's but for accents or case: keep it."""
    if not pending or not pending.get("keep_name"):
        return "", {"display": "none"}
    return f"Name it “{pending['keep_name']}”", None


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-confirm-modal", "is_open", allow_duplicate=True),
    Output("people-pending", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-confirm-keep", "n_clicks"),
    State("people-pending", "data"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def keep_typed_name(_clicks: int | None, pending: dict | None, version: int):
    """Name the group as typed after all: the name only looked like someone else's ("zoe" beside "Zoé")."""
    if not clicked() or not pending or not pending.get("keep_name"):
        return *NO_TOAST, no_update, no_update, no_update, no_update
    pid, name = pending["sources"][0], pending["keep_name"]
    try:
        library().store.people.rename(pid, name)
    except (KeyError, ValueError) as exc:
        return *refused(str(exc)), (version or 0) + 1, False, None, no_update
    version = (version or 0) + 1
    return *ok(f"Named {C.person_label(pid, None)} “{name}”."), version, False, None, acted(version)


@dash.callback(
    Output("people-version", "data", allow_duplicate=True),
    Output("people-pending", "data", allow_duplicate=True),
    Output("people-slot-keys", "data", allow_duplicate=True),
    Input("people-confirm-modal", "is_open"),
    State("people-pending", "data"),
    State("people-version", "data"),
    prevent_initial_call=True,
)
def confirm_dismissed(is_open: bool, pending: dict | None, version: int):
    """The dialog closed by Escape, its X or a click beside it: as Cancel. (Merge and Cancel clear the pending
    action as they close it, so this has nothing left to do after them.)"""
    if is_open or not pending:
        return no_update, no_update, no_update
    return _dropped(version, pending)


def _dropped(version: int | None, pending: dict | None) -> tuple:
    """The page's new version, no pending action, and what the page shows, once the dialog closed without
    merging. After a name that asked to merge (`typed_in`), the page forgets what it shows and every card is drawn
    again, so that field shows the stored name again: the typed one was never saved, so for `render_people` its
    card is as it was. After "Merge selected groups", nothing changed: the groups stay ticked."""
    if pending and pending.get("typed_in") is not None:
        return (version or 0) + 1, None, None
    return no_update, None, no_update


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input({"type": "suggest-dismiss", "a": ALL, "b": ALL}, "n_clicks"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def dismiss_suggestion(_clicks: list, version: int):
    """'Not the same': stop suggesting that two groups be merged."""
    if not clicked():
        return *NO_TOAST, no_update, no_update
    lib = library()
    a, b = int(ctx.triggered_id["a"]), int(ctx.triggered_id["b"])
    lib.store.people.dismiss_merge_suggestion(a, b)
    return *ok("Those two groups will not be suggested again.", "Noted"), (version or 0) + 1, acted((version or 0) + 1)


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input({"type": "person-hide", "pid": ALL}, "n_clicks"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def hide_person(_clicks: list, version: int):
    """Hide a group from the People page (or show it again); its faces stay assigned."""
    if not clicked():
        return *NO_TOAST, no_update, no_update
    lib = library()
    pid = int(ctx.triggered_id["pid"])
    person = lib.queries.person(pid)
    if person is None:
        return *refused("That group no longer exists."), (version or 0) + 1, no_update
    hide = not person["hidden"]
    lib.store.people.set_hidden(pid, hide)
    label = C.person_label(pid, person["name"])
    message = f"{label} is hidden. Turn on “Show hidden” to see it again." if hide else f"{label} is shown again."
    return *ok(message, "Hidden" if hide else "Shown"), (version or 0) + 1, acted((version or 0) + 1)


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-selected-faces", "data", allow_duplicate=True),
    Output("people-move-new", "value"),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-move-btn", "n_clicks"),
    Input("people-move-new", "n_submit"),  # Enter in the new name's field, as in Photos' "Who is this?"
    State("people-selected-faces", "data"),
    State("people-move-target", "value"),
    State("people-move-new", "value"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def move_selected(n: int | None, submitted: int | None, selected: list | None, target, new_name: str | None,
                  version: int):
    """Move the selected faces to the chosen person, a new name, or Unsorted."""
    if not ((n or submitted) and clicked()):
        return *NO_TOAST, no_update, no_update, no_update, no_update
    if not selected:
        return *refused("Click the faces to move first."), no_update, no_update, no_update, no_update
    try:
        message = move_faces(library(), [int(f) for f in selected], target, new_name)
    except ValueError as exc:
        return *refused(str(exc)), no_update, no_update, no_update, no_update
    return *ok(message), (version or 0) + 1, [], "", acted((version or 0) + 1)


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-selected-faces", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-accept-btn", "n_clicks"),
    State("people-selected-faces", "data"),
    State("people-unsorted-pager", "active_page"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def accept_suggestions(n: int | None, selected: list | None, page: int | None, version: int):
    """Give unsorted faces to their suggested people: the selected ones (on any page), or, with none selected,
    all on this page. Selected faces of people stay selected: they were picked for something else."""
    if not (n and clicked()):
        return *NO_TOAST, no_update, no_update, no_update
    lib = library()
    selected = [int(f) for f in selected or []]
    if selected:
        chosen = lib.store.people.unsorted_among(selected)
        if not chosen:
            return *refused("None of the selected faces is unsorted: select unsorted faces, or clear the selection "
                            "to accept the suggestions of the whole page."), no_update, no_update, no_update
    else:
        _total, faces = lib.queries.unsorted_page(page_offset(page, UNSORTED_PAGE_SIZE), UNSORTED_PAGE_SIZE)
        chosen = [f["face_id"] for f in faces]
    moved = lib.store.people.accept_suggestions(chosen)
    if moved == 0:
        return *refused("None of these faces has a suggested person yet."), no_update, no_update, no_update
    still_selected = [f for f in selected if f not in set(chosen)]
    message = "Gave 1 face to its suggested person." if moved == 1 else f"Gave {moved} faces to their suggested people."
    return *ok(message), (version or 0) + 1, still_selected, acted((version or 0) + 1)


@dash.callback(
    Output("people-undo-btn", "children"),
    Output("people-undo-btn", "disabled"),
    Output("people-undo-btn", "title"),
    Input("people-version", "data"),
    Input("people-renamed", "data"),
    Input("people-init", "data"),
)
def undo_button(_version: int, _renamed: dict | None = None, _init: int = 0):
    """Name the change Undo would take back (changes made on the Photos and Map pages count too)."""
    step = library().store.people.last_action()
    if step is None:
        return "Undo", True, "Nothing to undo since the last clustering"
    return f"Undo {step.label}", False, f"Take back the {step.label}, the newest change to people"


@dash.callback(
    *TOAST,
    Output("people-version", "data", allow_duplicate=True),
    Output("people-selected-faces", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-undo-btn", "n_clicks"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def undo_last(n: int | None, version: int):
    """Take back the newest change to people: its names and faces are as they were before it."""
    if not (n and clicked()):
        return *NO_TOAST, no_update, no_update, no_update
    try:
        step = library().store.people.undo()
    except ValueError as exc:
        return *refused(f"Not undone: {exc}."), (version or 0) + 1, no_update, no_update
    if step is None:
        return *refused("Nothing to undo since the last clustering."), (version or 0) + 1, no_update, no_update
    return *ok(f"Took back the {step.label}.", "Undone"), (version or 0) + 1, [], acted((version or 0) + 1)
