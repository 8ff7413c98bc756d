"""People and Photos follow changes made elsewhere: in another window, on another page, or with the command line
(`app.py people name ...`, an ingest). Each page notes the library's change stamp whenever it is drawn anew (on
arrival, when its `{page}-version` changes, or People's `people-renamed` after a name): its main drawing callback
(`render_people`, `render_photos`) reads it with `drawn_stamp` before it reads what it draws, so a change landing
while it draws moves the stamp past the one noted and is drawn at the next poll (read beside the drawing, by a
callback of its own, the stamp could be read after that change, which then showed only at the next one). At each
tick of the navbar's poll, a stamp that moved since draws the page again (on People only the cards that changed),
once no dialog of the page is open: the page is not redrawn under a dialog the user is working in (sorting faces
one by one changes people at every face).

The page's own changes are drawn by the callback that makes them (a new `{page}-version`, or `people-renamed`), not
by the poll: while it runs, `{page}-acted` says so (`own_change`), and then holds the stamp just after its change
(`acted`); a tick meanwhile, or one that finds the library at that stamp while the page is still at that version (its
drawing on its way), leaves the page alone. Such a tick, during the action or while its drawing ran, drew the page a
second time: a flicker, and up to 1.5 s of work in a large library."""

from __future__ import annotations

import dash
from dash import Input, Output, State, ctx, no_update

from callbacks.common import library

# Each page's dialogs.
FOLLOWING_PAGES = {"people": ("people-sort-modal", "people-confirm-modal"), "photos": ("photos-face-modal",)}


def drawn_stamp(redraws: set[str], noted: str | None) -> str:
    """The stamp of what a page's drawing callback is about to read, when it draws the page anew: on arrival (none
    `noted` yet: its first drawing may be triggered by a filter set from the address) or triggered by one of
    `redraws` (a change to the library); else `no_update` (another page of cards, a filter: the rest of the page is
    as it was, and may be older than the library now)."""
    triggers = {t["prop_id"].rsplit(".", 1)[0] for t in ctx.triggered}
    if noted is None or ctx.triggered_id is None or triggers & redraws:
        return library().queries.change_stamp()
    return no_update


# What `{page}-acted` holds while an action of the page runs (`own_change`).
ACTING = {"acting": True}


def own_change(page: str) -> dict:
    """The keyword arguments of a callback of `page` that changes the library and draws the page again: while it
    runs, `{page}-acted` says so (`ACTING`), and the poll leaves the page to it. Once it has run, its value
    (`acted`, or None when it changed nothing)."""
    return {"running": [(Output(f"{page}-acted", "data"), ACTING, None)]}


def acted(version: int | None) -> dict:
    """What a callback of a page notes in `{page}-acted` once it changed the library and moved the page to `version`
    (or left it there, for a name): the library's stamp now. The drawing it triggers reads the library after this,
    so it shows this change and any made before it."""
    return {"version": version, "stamp": library().queries.change_stamp()}


def follow_changes(_n: int | None, own: dict | None, drawn: str | None, version: int | None, *dialogs_open: bool):
    """A new version of the page when the library changed since it was drawn and none of its dialogs is open, unless
    the change is the page's own (`own`, noted by `acted`) and the page is still at the version that draws it."""
    if drawn is None or any(dialogs_open) or own == ACTING:
        return no_update
    now = library().queries.change_stamp()
    if now == drawn or (own is not None and own.get("version") == version and own.get("stamp") == now):
        return no_update
    return (version or 0) + 1


for page, dialogs in FOLLOWING_PAGES.items():
    dash.callback(
        Output(f"{page}-version", "data", allow_duplicate=True),
        Input("nav-poll", "n_intervals"),
        State(f"{page}-acted", "data"),
        State(f"{page}-stamp", "data"),
        State(f"{page}-version", "data"),
        *[State(dialog, "is_open") for dialog in dialogs],
        prevent_initial_call=True,
    )(follow_changes)
