"""Helpers shared by the callbacks: the app toast and small conversions."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from dash import Output, ctx, no_update, set_props

from dashapp.jobs import is_disk_full
from dashapp.ui_context import Library, LibraryGone, library  # noqa: F401 - re-exported for the page modules
from dashapp.words import count_of

log = logging.getLogger(__name__)

TOAST = (
    Output("app-toast", "children", allow_duplicate=True),
    Output("app-toast", "header", allow_duplicate=True),
    Output("app-toast", "icon", allow_duplicate=True),
    Output("app-toast", "is_open", allow_duplicate=True),
)
NO_TOAST = (no_update, no_update, no_update, no_update)


def clicked() -> bool:
    """Whether a callback runs because the user clicked (or submitted) one thing.

    Dash also runs callbacks when their input components are inserted into the page (page
    navigation, re-rendered cards), with n_clicks 0 and often many inputs at once; those runs must
    not act.
    """
    return len(ctx.triggered) == 1 and bool(ctx.triggered[0].get("value"))


def ok(message: str, header: str = "Done") -> tuple:
    """Toast values for a success."""
    return message, header, "success", True


def refused(message: str, header: str = "Not done") -> tuple:
    """Toast values for a refusal or an error, in words for the user."""
    return message, header, "danger", True


def failure_text(exc: BaseException) -> str:
    """What the page says when a callback failed on something other than the user's input: the library's disk,
    its permissions, another program holding it. A store action is one transaction, so a failed one changed
    nothing."""
    cause = str(getattr(exc, "orig", None) or exc)  # SQLite's own words, without the SQL statement
    if isinstance(exc, LibraryGone):
        return f"Not saved: {exc}."
    if is_disk_full(exc):
        return "Not saved: the disk holding the library is full. Free some space, then do it again."
    if "readonly" in cause or isinstance(exc, PermissionError):
        return ("Not saved: the library cannot be written (a read-only drive, or its permissions). Make its folder "
                "writable, then do it again.")
    if "database is locked" in cause:
        return "Not done: another program kept the library busy for a minute. Try again in a moment."
    return f"Not done: {type(exc).__name__}: {cause}. The server's log has the details."


_said_gone = threading.Event()  # the library's loss is logged once


def callback_failed(exc: Exception) -> None:
    """Dash's handler of an error in any callback (`create_app`): without it the browser gets an HTTP 500 and shows
    nothing, so a name typed while the disk was full looked saved. The error is logged and told in the toast."""
    if not isinstance(exc, LibraryGone):
        log.error("a callback failed", exc_info=exc)
    elif not _said_gone.is_set():  # every poll of every open page fails the same way from now on
        _said_gone.set()
        log.error("%s", exc)
    set_props("app-toast", {"children": failure_text(exc), "header": "Not done", "icon": "danger", "is_open": True})


def info(message: str, header: str = "Note") -> tuple:
    return message, header, "info", True


def pager_style(pages: int) -> dict:
    """Hide a pager that has only one page."""
    return {"display": "none"} if pages <= 1 else {}


def page_offset(page: int | None, page_size: int) -> int:
    """The row offset of a 1-based page number (None = first page)."""
    return (max(1, int(page or 1)) - 1) * page_size


def fetch_page(fetch: Callable[[int], tuple], page: int | None, page_size: int) -> tuple[int, int, tuple]:
    """(page, number of pages, fetch(offset)) for a 1-based page of a list; `fetch` returns the list's total
    first. A page past the last one, which emptied since it was shown (its items were moved away), gives the new
    last page instead: an empty page would say there is nothing, and its pager would be gone."""
    from dashapp.components import n_pages

    page = max(1, int(page or 1))
    result = fetch(page_offset(page, page_size))
    pages = n_pages(result[0], page_size)
    if page > pages:
        page = pages
        result = fetch(page_offset(page, page_size))
    return page, pages, result


# Pages other than People say where their changes can be taken back.
UNDO_HINT = " To take it back: Undo (Ctrl+Z) on the People page."


def target_from(value, new_name: str | None) -> tuple[str, int | str | None]:
    """Where selected faces should go: ('name', text) for a typed name, ('person', id), ('unsorted', None),
    ('ignored', None), or ('none', None) when nothing was chosen. A typed name wins over the dropdown."""
    name = " ".join((new_name or "").split())
    if name:
        return "name", name
    if value in ("unsorted", "ignored"):
        return value, None
    if value is not None and str(value).lstrip("-").isdigit():
        return "person", int(value)
    return "none", None


def move_faces(lib: Library, face_ids: list[int], value, new_name: str | None) -> str:
    """Move faces to the chosen target and return what happened, in words; ValueError if no target.

    The People, Photos and Map pages all move faces through here, so they say the same thing.
    """
    kind, target = target_from(value, new_name)
    if kind == "none":
        raise ValueError("Choose a person (or type a new name) to move the faces to.")
    n = len(face_ids)
    faces = count_of(n, "face")
    if kind == "name":  # the name of someone already there (any capitalisation, hidden too) moves the faces to them
        is_new = lib.queries.person_by_name(str(target)) is None
        person_id = lib.store.people.move_faces_to_name(face_ids, str(target))
        return _moved_to(lib, faces, person_id) + (_did_you_mean(lib, str(target), person_id) if is_new else "")
    if kind == "unsorted":
        lib.store.people.move_faces(face_ids, None)
        return f"Moved {faces} to Unsorted."
    if kind == "ignored":
        lib.store.people.ignore_faces(face_ids)
        return f"Set {faces} aside as Ignored."
    if lib.queries.person(int(target)) is None:
        raise ValueError("That person no longer exists; pick another.")
    lib.store.people.move_faces(face_ids, int(target))
    return _moved_to(lib, faces, int(target))


def _did_you_mean(lib: Library, name: str, person_id: int) -> str:
    """For faces given to a new name: a hint when someone's name is that one but for accents or case ("zoe"
    typed where "Zoé" exists), who was most likely meant."""
    alike = lib.store.people.named_alike(name, other_than=person_id)
    if not alike:
        return ""
    return f" “{name}” is a new person: did you mean {alike[0].name}?"


def _moved_to(lib: Library, faces: str, person_id: int) -> str:
    """"Moved 3 faces to Ada.", by the person's own name; a hidden person's faces leave People and the filters
    with them, so the message says where they went and how to see them."""
    from dashapp.components import person_label, where_hidden

    person = lib.queries.person(person_id)
    label = person_label(person_id, person["name"] if person else None)
    return f"Moved {faces} to {where_hidden(label, bool(person and person['hidden']))}."
