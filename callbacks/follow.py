"""People and Photos follow changes made elsewhere: in another window, on another page, or with the command line
(`app.py people name ...`, an ingest). Each page notes the library's change stamp whenever it is drawn (its
`{page}-version` changes, or People's `people-renamed` after a name); at each tick of the navbar's poll, a stamp
that moved since draws the page again (on People only the cards that changed: `callbacks/people.py`), once no
dialog of the page is open: the page is not redrawn under a dialog the user is working in (sorting faces one by one
changes people at every face)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, no_update

from callbacks.common import library

# Each page: what draws it (anew, or in part), and its dialogs. `{page}-init`, which no callback writes, makes Dash
# note the stamp on arrival (it runs no callback on arrival whose inputs are all other callbacks' outputs).
FOLLOWING_PAGES = {
    "people": (("people-version", "people-renamed", "people-init"), ("people-sort-modal", "people-confirm-modal")),
    "photos": (("photos-version", "photos-init"), ("photos-face-modal",)),
}


def note_stamp(*_drawn) -> str:
    """The stamp of what the page is drawing."""
    return library().queries.change_stamp()


def follow_changes(_n: int | None, drawn: str | None, version: int | None, *dialogs_open: bool):
    """A new version of the page when the library changed since it was drawn and none of its dialogs is open."""
    if drawn is None or any(dialogs_open) or library().queries.change_stamp() == drawn:
        return no_update
    return (version or 0) + 1


for page, (drawn_by, dialogs) in FOLLOWING_PAGES.items():
    dash.callback(Output(f"{page}-stamp", "data"), *[Input(store, "data") for store in drawn_by])(note_stamp)
    dash.callback(
        Output(f"{page}-version", "data", allow_duplicate=True),
        Input("nav-poll", "n_intervals"),
        State(f"{page}-stamp", "data"),
        State(f"{page}-version", "data"),
        *[State(dialog, "is_open") for dialog in dialogs],
        prevent_initial_call=True,
    )(follow_changes)
