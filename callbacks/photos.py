"""Photos page: filter photos by people, years and folders, show one with its face boxes, reassign a face."""

from __future__ import annotations

import functools
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from callbacks.common import (
    NO_TOAST, TOAST, UNDO_HINT, Library, clicked, fetch_page, info, library, move_faces, ok, pager_style, refused,
    target_from,
)
from callbacks.follow import acted, drawn_stamp
from dashapp import components as C
from dashapp.ingest import sha256_file
from dashapp.words import count_of

PHOTOS_PAGE_SIZE = 24


@dash.callback(
    Output("photos-people", "options"),
    Output("photos-people", "value"),
    Output("photos-preset", "data"),
    *TOAST,
    Input("photos-version", "data"),
    Input("photos-init", "data"),
    State("photos-preset", "data"),
    State("photos-people", "value"),
    prevent_initial_call="initial_duplicate",
)
def people_options(_version: int, _init: int, preset: list | None, chosen: list | None = None):
    """Everyone with faces, named people first, and the hidden people chosen (a hidden person's card links here);
    once, the people asked for in the URL (?person=), saying so when one of them is no longer in the library, as
    when a person chosen is no longer there at a refresh."""
    wanted = set(preset or []) | set(chosen or [])
    people = [p for p in library().queries.people_options(include_hidden=True) if not p["hidden"] or p["id"] in wanted]
    options = C.dropdown_options(people)
    known = {o["value"] for o in options}
    asked = preset or chosen or []
    gone = [p for p in asked if p not in known]
    if not preset and not gone:  # later refreshes keep the user's own choice
        return options, no_update, no_update, *NO_TOAST
    # A person chosen may be gone since (merged away in another window, or with the command line): said, not
    # dropped silently from the filter, which then showed every photo.
    kept = [p for p in asked if p in known]
    toast = info(_gone_people_note(gone, bool(kept)), "Photos") if gone else NO_TOAST
    return options, kept, None if preset else no_update, *toast


def _gone_people_note(person_ids: list[int], others: bool = False) -> str:
    """Why a person asked for is not in the filter (merged into someone, or their photos removed); `others`: the
    filter still has other people."""
    who = ", ".join(C.person_label(p, None) for p in person_ids)
    verb = "is" if len(person_ids) == 1 else "are"
    return (f"{who} {verb} no longer in the library (merged into someone else, or their photos removed): "
            f"showing {'the photos of the others chosen' if others else 'all photos'}.")


@dash.callback(
    Output("photos-year", "options"),
    Output("photos-year-box", "style"),
    Input("photos-version", "data"),
    Input("photos-init", "data"),
)
def year_options(_version: int, _init: int):
    """The years photos were taken in; the filter shows only when some photo has a date."""
    years = library().queries.photo_years()
    return [{"label": y, "value": y} for y in years], {} if years else {"display": "none"}


@dash.callback(
    Output("photos-folder", "options"),
    Output("photos-folder-box", "style"),
    Output("photos-folder", "value"),
    Output("photos-folder-preset", "data"),
    *TOAST,
    Input("photos-version", "data"),
    Input("photos-init", "data"),
    State("photos-folder-preset", "data"),
    prevent_initial_call="initial_duplicate",
)
def folder_options(_version: int, _init: int, preset: int | None):
    """The library's folders, by name (by path where two share a name); the filter shows once there are two, or
    once, the folder asked for in the URL (?folder=ID, from the Library page), saying so when it is gone."""
    lib = library()
    paths = lib.store.folders.paths()
    names = [C.folder_name(p, str(lib.config.uploads_dir)) for p in paths]
    if len(set(names)) < len(names):
        names = paths
    options = sorted(({"label": name, "value": path, "title": path} for name, path in zip(names, paths)),
                     key=lambda o: o["label"].casefold())
    chosen = [path] if preset is not None and (path := lib.store.folders.path_of(preset)) else []
    style = {} if len(paths) > 1 or chosen else {"display": "none"}
    if preset is None:  # later refreshes keep the user's own choice
        return options, style, no_update, no_update, *NO_TOAST
    toast = NO_TOAST if chosen else info("That folder is no longer in the library (removed on the Library page): "
                                         "showing the photos of every folder.", "Photos")
    return options, style, chosen, None, *toast


@dash.callback(
    Output("photos-who", "children"),
    Input("photos-year", "value"),
    Input("photos-folder", "value"),
    Input("photos-version", "data"),
)
def people_in_these_photos(years: list | None, folders: list | None, _version: int):
    """Once a year or a folder is chosen: who is in those photos, most photos first."""
    if not (years or folders):
        return None
    return C.people_in_photos_summary(*library().queries.people_in_photos(years or [], folders or []))


@dash.callback(
    Output("photos-people", "value", allow_duplicate=True),
    Output("photos-mode", "value"),
    Input({"type": "photos-who-person", "pid": ALL}, "n_clicks"),
    Input({"type": "photos-in-person", "pid": ALL, "fid": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def show_person_of_these(_clicks: list, _in_photo: list | None = None):
    """A person of "In these photos", or of "In this photo", clicked: only their photos (the year and folder
    filters stay)."""
    if not clicked():
        return no_update, no_update
    return [ctx.triggered_id["pid"]], "any"


@dash.callback(
    Output("photos-grid", "children"),
    Output("photos-pager", "max_value"),
    Output("photos-pager", "active_page"),
    Output("photos-pager", "style"),
    Output("photos-count", "children"),
    Output("photos-selected", "data", allow_duplicate=True),
    Output("photos-stamp", "data"),
    Input("photos-people", "value"),
    Input("photos-mode", "value"),
    Input("photos-year", "value"),
    Input("photos-folder", "value"),
    Input("photos-pager", "active_page"),
    Input("photos-version", "data"),
    State("photos-selected", "data"),
    State("photos-stamp", "data"),
    prevent_initial_call="initial_duplicate",
)
def render_photos(people: list | None, mode: str, years: list | None, folders: list | None, page: int | None,
                  _version: int, selected: int | None, noted: str | None = None):
    """The photos matching the filter, newest first by date taken; a changed filter goes back to page 1, and a
    photo opened by a link (?photo=) shows on its page."""
    if ctx.triggered_id in ("photos-people", "photos-mode", "photos-year", "photos-folder"):
        page = 1
    lib = library()
    stamp = drawn_stamp({"photos-version"}, noted)  # before reading the photos: a change meanwhile shows at the next poll
    query = (people or [], mode or "any")
    filters = (years or [], folders or [])
    gone = False  # the page opened on a link to a photo no longer in the library
    if ctx.triggered_id is None and selected is not None:  # the page opens on a photo: go to its page
        position = lib.queries.photo_position(selected, *query, *filters)
        page = 1 if position is None else position // PHOTOS_PAGE_SIZE + 1
        gone = position is None and lib.queries.photo_file(int(selected)) is None
    # The last page may have emptied (its photos' faces were given to someone else): then the new last one shows.
    page, pages, (total, photos) = fetch_page(
        lambda offset: lib.queries.photos_page(*query, offset, PHOTOS_PAGE_SIZE, *filters), page, PHOTOS_PAGE_SIZE)
    if total == 0:
        if lib.queries.summary()["n_done"] == 0:
            empty = C.empty_state("No photos yet", "Add a folder on the Library page.", "/library", "Go to the Library")
        else:
            empty = C.empty_state("No photo matches", "Try fewer people, “any of them”, any year or any folder.")
        return empty, 1, 1, pager_style(1), "", None, stamp
    ids = [p["id"] for p in photos]
    if selected not in ids and ctx.triggered_id != "photos-version" and not gone:
        selected = ids[0]  # show the first match so the page is never blank (a link's gone photo says it is gone)
    grid = html.Div([C.photo_tile(p, p["id"] == selected) for p in photos], className="photo-grid")
    count = count_of(total, "photo")
    return grid, pages, page, pager_style(pages), count, selected, stamp


@dash.callback(
    Output("photos-selected", "data", allow_duplicate=True),
    Output({"type": "photo-tile", "pid": ALL}, "className"),
    Input({"type": "photo-tile", "pid": ALL}, "n_clicks"),
    State({"type": "photo-tile", "pid": ALL}, "id"),
    prevent_initial_call=True,
)
def pick_photo(_clicks: list, tile_ids: list[dict]):
    """Show the clicked photo."""
    if not (isinstance(ctx.triggered_id, dict) and clicked()):
        return no_update, [no_update] * len(tile_ids)
    pid = int(ctx.triggered_id["pid"])
    return pid, ["photo-tile active" if t["pid"] == pid else "photo-tile" for t in tile_ids]


@dash.callback(Output("photos-detail", "children"), Input("photos-selected", "data"), Input("photos-version", "data"),
              State("photos-count", "children"))
def render_detail(photo_id: int | None, _version: int, count: str | None = "1 photo"):
    """The photo with a labelled box on each face, and who is in it."""
    if photo_id is None:  # none to pick when none matches (the list says why)
        return C.empty_state("Pick a photo", "Choose a photo on the left to see who is in it.") if count else None
    photo, faces = library().queries.photo_detail(int(photo_id))
    if photo is None:
        return C.empty_state("Photo not found", "It may have been removed from the library; pick a photo on the left.")
    return html.Div(
        [
            html.Div([html.H2(photo["name"], className="h5 mb-0 text-truncate"),
                      html.Div(" · ".join(filter(None, [C.taken_label(photo["taken"], with_time=True), photo["path"]])),
                               className="small text-muted text-truncate")], className="mb-2"),
            _file_note(photo),
            html.Div(C.photo_overlay(photo, faces), className="text-center"),
            html.Div([html.Span("In this photo: ", className="small text-muted me-1"), C.people_in_photo(faces)],
                     className="mt-2", id="photos-people-in"),
        ]
    )


def _file_note(photo: dict) -> dbc.Alert | None:
    """Why the picture may not match its boxes: its file is gone, or changed since it was analysed.

    The library keeps a photo whose file is not on disk (a drive not connected), and learns of a file edited in place
    (turned in a viewer, cropped) only when it checks the folder again: the page showed a broken image under the boxes,
    or the new picture under the old ones, without a word.
    """
    try:
        stat = Path(photo["path"]).stat()
    except OSError:
        return dbc.Alert("This photo's file is not on disk now (a drive not connected, or moved or deleted since the "
                         "library last checked its folder): its faces are shown where they were found.",
                         color="warning", className="py-2 small")
    if (stat.st_size, stat.st_mtime_ns) != (photo.get("size"), photo.get("mtime_ns")) and (
            stat.st_size != photo.get("size") or _content_hash(photo["path"], stat.st_size, stat.st_mtime_ns)
            != photo.get("sha256")):
        return dbc.Alert(["This photo's file has changed since its faces were found, so the boxes may be off: ",
                          dcc.Link("check for new photos", href="/library"), " to find them again."],
                         color="warning", className="py-2 small")
    return None


@functools.lru_cache(maxsize=256)
def _content_hash(path: str, size: int, mtime_ns: int) -> str | None:
    """The file's content hash as it is now, kept while its size and time stay: a file only given a new time (copied
    with new dates, synced, touched) still holds the picture its faces were found in, and says nothing."""
    try:
        return sha256_file(path)
    except OSError:
        return None


@dash.callback(
    Output("photos-face-modal", "is_open"),
    Output("photos-face-id", "data"),
    Output("photos-face-info", "children"),
    Output("photos-face-target", "options"),
    Output("photos-face-target", "value"),
    Output("photos-face-new", "value"),
    Input({"type": "photo-face", "fid": ALL}, "n_clicks"),
    Input("photos-face-cancel", "n_clicks"),
    prevent_initial_call=True,
)
def open_face(_clicks: list, _cancel: int | None):
    """Click a face box: ask who this is (current person preselected)."""
    if not clicked():
        return (no_update,) * 6
    if ctx.triggered_id == "photos-face-cancel":
        return False, None, no_update, no_update, no_update, no_update
    lib = library()
    face = lib.queries.face_detail(int(ctx.triggered_id["fid"]))
    if face is None:
        return (no_update,) * 6
    now = C.face_owner_label(face)
    info = [html.Img(src=C.face_url(face["face_id"]), className="rounded", width=96, height=96, alt="the face"),
            html.Div([html.Div("Now:", className="small text-muted"),
                      html.Strong(now + (" · hidden" if face["hidden"] else ""))])]
    # A hidden person's face: they are offered too (marked hidden), else the dialog opened with no one chosen and
    # Save refused to keep the face where it is.
    people = [p for p in lib.queries.people_options(include_hidden=True)
              if not p["hidden"] or p["id"] == face["person_id"]]
    options = C.dropdown_options(people, for_moving=True)
    current = "ignored" if face["ignored"] else face["person_id"] if face["person_id"] is not None else "unsorted"
    return True, face["face_id"], info, options, current, ""


def _unnamed_group(lib: Library, face: dict | None) -> dict | None:
    """The group of two or more faces, not named yet, that this face is in; else None."""
    if face is None or face["person_id"] is None or face["name"] or face["ignored"]:
        return None
    person = lib.queries.person(int(face["person_id"]))
    return person if person and person["n_faces"] >= 2 else None


@dash.callback(
    Output("photos-face-whole", "label"),
    Output("photos-face-whole", "style"),
    Output("photos-face-whole", "value"),
    Input("photos-face-id", "data"),
    prevent_initial_call=True,
)
def offer_whole_group(face_id: int | None):
    """For a face of a group not named yet, the dialog offers to give the person chosen (or the name typed) to the
    whole group: one naming who is in a photo meant the person, and the face alone left the rest of them unnamed
    (the person split in two). On by default; off, the face alone moves (a face put in the wrong group)."""
    lib = library()
    group = _unnamed_group(lib, lib.queries.face_detail(int(face_id)) if face_id is not None else None)
    if group is None:
        return "", {"display": "none"}, False
    return f"The same for all {group['n_faces']} faces of {C.person_label(group['id'], None)}", None, True


@dash.callback(
    *TOAST,
    Output("photos-face-modal", "is_open", allow_duplicate=True),
    Output("photos-version", "data"),
    Output("photos-acted", "data", allow_duplicate=True),
    Input("photos-face-save", "n_clicks"),
    Input("photos-face-new", "n_submit"),
    State("photos-face-id", "data"),
    State("photos-face-target", "value"),
    State("photos-face-new", "value"),
    State("photos-version", "data"),
    State("photos-face-whole", "value"),
    prevent_initial_call=True,
)
def save_face(_n: int | None, _submit: int | None, face_id: int | None, target, new_name: str | None, version: int,
              whole: bool | None = False):
    """Assign the face to the chosen person (or a new name, or Unsorted); with `whole`, a face of a group not
    named yet gives its whole group to that person or name (`offer_whole_group`)."""
    if face_id is None or not clicked():
        return *NO_TOAST, no_update, no_update, no_update
    lib = library()
    face = lib.queries.face_detail(int(face_id))
    already = _already(lib, face, target, new_name) if face is not None else None
    if already is not None:  # Save with no change: a move here would pin the face by hand and show in Undo
        return *info(f"Nothing changed: this face is already {already}.", "Photos"), False, no_update, no_update
    group = _unnamed_group(lib, face) if whole else None
    kind, value = target_from(target, new_name)
    try:
        if group is not None and kind in ("name", "person"):
            message = _give_group(lib, group, kind, value)
        else:
            message = move_faces(lib, [int(face_id)], target, new_name)
    except ValueError as exc:
        return *refused(str(exc)), no_update, no_update, no_update
    except KeyError:  # merged or deleted meanwhile, in another window
        return *refused("That group or person no longer exists."), no_update, (version or 0) + 1, no_update
    return *ok(message + UNDO_HINT), False, (version or 0) + 1, acted((version or 0) + 1)


def _give_group(lib: Library, group: dict, kind: str, value) -> str:
    """Name a group not named yet (a name someone has merges it into them), or merge it into the person chosen;
    what happened, in words."""
    label = f"{C.person_label(group['id'], None)} ({group['n_faces']} faces)"
    if kind == "name":
        holder = lib.store.people.rename(group["id"], str(value))
    else:
        holder = lib.store.people.merge([group["id"]], int(value))
    person = lib.queries.person(holder)
    who = C.where_hidden(C.person_label(holder, person["name"]), bool(person["hidden"]))
    return f"Named {label} “{person['name']}”." if holder == group["id"] else f"Merged {label} into {who}."


def _already(lib: Library, face: dict, target, new_name: str | None) -> str | None:
    """Where the face is, in words ("with Ada", "unsorted"), when the dialog's choice is where it is already;
    None when the choice changes something (or chooses nothing)."""
    kind, value = target_from(target, new_name)
    if kind == "name":  # the name of someone there (any capitalisation) is them
        person = lib.queries.person_by_name(str(value))
        kind, value = ("person", person["id"]) if person else (kind, value)
    if face["ignored"]:
        return "set aside as Ignored" if kind == "ignored" else None
    if face["person_id"] is None:
        return "unsorted" if kind == "unsorted" else None
    if kind == "person" and value == face["person_id"]:
        return f"with {C.person_label(face['person_id'], face['name'])}"
    return None
