"""People page, "Sort one by one": each unsorted face in its photo, given to a suggested person, a typed name or
Ignored, or skipped; Back takes the last one back. The page refreshes when the dialog closes."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, ctx, no_update

from callbacks.common import Library, clicked, library, move_faces
from callbacks.follow import acted, own_change
from dashapp import components as C

SORT_CHOICES = 3  # suggested people offered per face (keys 1-3)


def _show(lib: Library, history: list, face_id: int | None = None) -> tuple:
    """(view, face id, progress) for `face_id`, or for the next unsorted face not skipped."""
    skipped = [entry[0] for entry in history if entry[1] == "skipped"]
    total, page = lib.queries.unsorted_page(0, 1, skip=skipped)
    face = lib.queries.face_detail(face_id) if face_id is not None else None
    if face is None and page:
        face = lib.queries.face_detail(page[0]["face_id"])
    progress = f"{total} face{'' if total == 1 else 's'} to go" + (f", {len(skipped)} skipped" if skipped else "")
    if face is None:
        return (C.empty_state("Nothing left to sort", "Every unsorted face now has a person, is ignored, or was "
                              "skipped."), None, progress)
    photo, _faces = lib.queries.photo_detail(face["photo_id"])
    suggestions = lib.queries.nearest_people(face["face_id"], SORT_CHOICES)
    return C.sort_face_view(face, photo, suggestions), face["face_id"], progress


def _sorted_meanwhile(lib: Library, face_id: int) -> str | None:
    """What to say when the face shown is no longer unsorted (another window gave it a person or set it aside);
    None while it is."""
    face = lib.queries.face_detail(face_id)
    if face is None:
        return "That face is no longer in the library."
    if face["ignored"] or face["person_id"] is not None:
        return f"That face was sorted meanwhile elsewhere: {C.face_owner_label(face)}."
    return None


@dash.callback(
    Output("people-sort-modal", "is_open"),
    Output("people-sort-view", "children"),
    Output("people-sort-face", "data"),
    Output("people-sort-history", "data"),
    Output("people-sort-new", "value"),
    Output("people-sort-progress", "children"),
    Output("people-sort-note", "children"),
    Output("people-sort-ignore", "disabled"),
    Output("people-sort-skip", "disabled"),
    Output("people-sort-back", "disabled"),
    Input("people-sort-btn", "n_clicks"),
    Input({"type": "sort-accept", "pid": ALL}, "n_clicks"),
    Input("people-sort-new", "n_submit"),
    Input("people-sort-ignore", "n_clicks"),
    Input("people-sort-skip", "n_clicks"),
    Input("people-sort-back", "n_clicks"),
    State("people-sort-face", "data"),
    State("people-sort-history", "data"),
    State("people-sort-new", "value"),
    prevent_initial_call=True,
)
def sort_step(_open, _accept, _submit, _ignore, _skip, _back, face_id: int | None, history: list | None,
              new_name: str | None):
    """Open the sorter, or act on the face shown (a person, a name, Ignored, skip, back) and show the next."""
    if not clicked():
        return (no_update,) * 10
    lib, trigger = library(), ctx.triggered_id
    history = [] if trigger == "people-sort-btn" else list(history or [])
    show, note = None, ""
    try:
        if trigger == "people-sort-back":
            if not history:
                return (no_update,) * 10
            show, kind, *made = history[-1]
            if kind == "moved":
                newest = lib.store.people.last_action()
                if made and (newest is None or newest.id != made[0]):  # another window changed people since
                    return (no_update,) * 6 + ("Not taken back: people were changed elsewhere since. Undo on the "
                                               "page takes changes back, newest first.",) + (no_update,) * 3
                step = lib.store.people.undo()
                note = f"Took back the {step.label}." if step else ""
            history.pop()
        elif trigger != "people-sort-btn" and face_id is not None:
            sorted_elsewhere = _sorted_meanwhile(lib, face_id)
            if sorted_elsewhere:  # another window sorted it since it was shown: not moved again, nothing to take back
                note = sorted_elsewhere
            elif trigger == "people-sort-skip":
                history.append([face_id, "skipped"])
            else:
                if trigger == "people-sort-ignore":
                    note = move_faces(lib, [face_id], "ignored", None)
                elif trigger == "people-sort-new":
                    note = move_faces(lib, [face_id], None, new_name)
                else:
                    note = move_faces(lib, [face_id], trigger["pid"], None)
                step = lib.store.people.last_action()  # Back takes back this step only, not another window's
                history.append([face_id, "moved", step.id if step else None])
    except ValueError as exc:  # no name typed, a person gone, an undo the library no longer allows
        return (no_update,) * 6 + (str(exc),) + (no_update,) * 3
    view, shown, progress = _show(lib, history, show)
    done = shown is None
    return True, view, shown, history, "", progress, note, done, done, not history


@dash.callback(
    Output("people-sort-modal", "is_open", allow_duplicate=True),
    Input("people-sort-done", "n_clicks"),
    prevent_initial_call=True,
)
def sort_done(_n: int | None):
    return False if clicked() else no_update


@dash.callback(
    Output("people-version", "data", allow_duplicate=True),
    Output("people-acted", "data", allow_duplicate=True),
    Input("people-sort-modal", "is_open"),
    State("people-version", "data"),
    prevent_initial_call=True,
    **own_change("people"),
)
def sort_closed(is_open: bool, version: int | None):
    """The dialog closed (Done, the X or Escape): show the page as the sorting left it."""
    if is_open:
        return no_update, no_update
    return (version or 0) + 1, acted((version or 0) + 1)
