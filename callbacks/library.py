"""Library page: add a folder or an upload, start ingest, poll its progress, cancel it; check the library's
folders again or remove one."""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.common import NO_TOAST, TOAST, Library, clicked, info, library, ok, refused
from dashapp import job_runner
from dashapp.components import UPLOADS_LABEL, error_table, folder_table, job_progress
from dashapp.folders import is_uploads, own_folder_refusal, remembered_path, remove_folder, split_missing
from dashapp.ingest import file_types
from dashapp.jobs import IngestBusy
from dashapp.store import Folder
from dashapp.uploads import UploadRefused, save_uploads
from dashapp.words import count_of

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
# The note under "Add photos" (text, colour, shown) and the job state the poll compares with.
ADD_RESULT = (
    Output("lib-add-result", "children", allow_duplicate=True),
    Output("lib-add-result", "color", allow_duplicate=True),
    Output("lib-add-result", "is_open", allow_duplicate=True),
    Output("lib-job-state", "data", allow_duplicate=True),
)


@dash.callback(
    Output("lib-progress", "children"),
    Output("lib-cancel", "disabled"),
    Output("lib-errors", "children"),
    Output("lib-n-photos", "children"),
    Output("lib-n-faces", "children"),
    Output("lib-n-people", "children"),
    Output("lib-n-errors", "children"),
    Output("lib-job-state", "data"),
    Output("lib-outdated", "is_open"),
    Output("lib-outdated-text", "children"),
    Output("lib-folders", "children"),
    Output("lib-check-all", "disabled"),
    Input("lib-poll", "n_intervals"),
    State("lib-job-state", "data"),
)
def poll_library(_n: int | None, previous: dict | None):
    """Progress of the latest ingest, the library's counts and its folders, read from the store (survives reloads)."""
    lib = library()
    job_runner.refresh(lib)
    job = lib.queries.latest_job()
    # The phase too: grouping people and making the map move no count, yet the page must say they started. No job
    # yet is a state too (not None, which asks for the page to be drawn again): else a library no ingest ran in was
    # drawn again at every tick.
    state = {"id": job["id"], "status": job["status"], "done": job["done"], "phase": job["phase"]} if job \
        else {"id": None}
    if previous is not None and state == previous:
        # Nothing moved since the last tick: send nothing, the browser keeps what it shows.
        return (no_update,) * 12
    summary = lib.queries.summary()
    n_err, errors = lib.queries.photo_errors()
    n_outdated, version = job_runner.outdated_photos(lib)
    busy = bool(job and job["status"] in ACTIVE)
    uploads = str(lib.config.uploads_dir.resolve())
    return (
        job_progress(job, uploads),
        not busy,
        error_table(errors, n_err, file_types(lib.queries.not_photo_types()), uploads),
        _photo_count(summary),
        f"{summary['n_faces']:,}",
        f"{summary['n_people']:,}",
        f"{summary['n_errors']:,}",
        state,
        n_outdated > 0 and not busy,
        f"{count_of(n_outdated, 'photo')} {'was' if n_outdated == 1 else 'were'} analysed with a different face model. "
        f"Update {'it' if n_outdated == 1 else 'them'} to {version} so all faces "
        "can be compared; names and manual corrections are kept.",
        *_folders(lib, busy, previous, state),
    )


@dash.callback(
    Output("lib-add-result", "is_open", allow_duplicate=True),
    Input("lib-job-state", "data"),
    State("lib-add-result", "color"),
    prevent_initial_call=True,
)
def close_ended_result(state: dict | None, color: str | None):
    """The message of the last add or upload ("Ingest started for …", "An ingest is already running") goes once the
    ingest has ended: its summary says how it went, and the message read as if it still ran. A warning stays until
    closed: the files an upload skipped, the folders not found, are said nowhere else."""
    if color == "warning":
        return no_update
    return False if state and state.get("status") not in ACTIVE else no_update


def _photo_count(summary: dict) -> list:
    """The analysed photos (as the Folders table counts them), and those still to analyse, apart."""
    count: list = [f"{summary['n_done']:,}"]
    if summary["n_pending"]:
        count.append(html.Small(f" +{summary['n_pending']:,} to analyse", className="text-muted", id="lib-n-pending"))
    return count


def _folders(lib: Library, busy: bool, previous: dict | None, state: dict | None) -> tuple:
    """The folder table and whether "Check for new photos" is disabled; redrawn when a job starts or ends, not at
    every photo it does (counting each folder's photos reads the library)."""
    same_job = previous is not None and state is not None and \
        (previous.get("id"), previous.get("status")) == (state["id"], state["status"])
    if same_job:
        return no_update, no_update
    folders, n_elsewhere = lib.store.folders.overview()
    _present, missing = split_missing([f.path for f in folders])
    table = folder_table(folders, set(missing), str(lib.config.uploads_dir), n_elsewhere)
    return table, busy or not folders


def _started(paths: list[str], extra: str = "") -> tuple:
    where = ", ".join(paths)
    return (f"Ingest started for {where}. {extra}".strip(), "success", True)


@dash.callback(
    *ADD_RESULT,
    Output("lib-path", "value"),
    Input("lib-add-folder", "n_clicks"),
    Input("lib-path", "n_submit"),
    State("lib-path", "value"),
    prevent_initial_call=True,
)
def add_folder(_clicks: int | None, _submit: int | None, path: str | None):
    """Check the typed folder and start ingesting it; the path box is emptied once it is added (for the next one),
    and keeps a path refused, to correct it."""
    if not clicked():
        return no_update, no_update, no_update, no_update, no_update
    lib = library()
    folder = None
    try:
        folder = job_runner.check_folder(path)
        refusal = own_folder_refusal(lib.config, folder)
        if refusal:
            raise job_runner.JobRefused(refusal)
        started = job_runner.start_ingest(lib, [folder])
    except job_runner.JobRefused as exc:
        if folder is not None and _being_added(lib, folder):  # a double click: the first click's ingest runs
            return f"{folder} is being added now: see “Current ingest”.", "info", True, no_update, ""
        return str(exc), "danger", True, no_update, no_update
    return (*_started(started.paths), None, "")  # None: the next poll redraws the progress at once


def _being_added(lib: Library, folder: Path) -> bool:
    """Whether an ingest of this very folder is running."""
    return any(str(folder) in (job.args.get("paths") or []) for job in lib.store.jobs.active("ingest"))


# A drop is measured in the browser first (assets/uploads.js): the server refuses a request past its size limit with a
# 413 that the page cannot show, so a drop too large is refused there, with a message; one that fits sets
# "lib-upload-go", which runs `upload_photos`.
dash.clientside_callback(
    ClientsideFunction(namespace="uploads", function_name="checkSize"),
    Output("lib-upload-go", "data"),
    *ADD_RESULT[:3],
    Input("lib-upload", "contents"),
    State("lib-upload", "filename"),
    State("lib-upload-limit", "data"),
    prevent_initial_call=True,
)


@dash.callback(
    *ADD_RESULT,
    Input("lib-upload-go", "data"),
    State("lib-upload", "contents"),
    State("lib-upload", "filename"),
    prevent_initial_call=True,
)
def upload_photos(_go: int | None, contents: list[str] | str | None, filenames: list[str] | str | None):
    """Save uploaded photos/zips (a drop the browser found small enough to send) into the library's uploads folder
    and ingest them."""
    if not contents:
        return no_update, no_update, no_update, no_update
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    files = list(zip(filenames or [], contents))
    lib = library()
    try:
        saved = save_uploads(files, lib.config.uploads_dir)
    except UploadRefused as exc:
        return str(exc), "danger", True, no_update
    skipped = f" Skipped: {'; '.join(saved.skipped)}." if saved.skipped else ""
    try:
        job_runner.start_ingest(lib, [saved.folder])
    except job_runner.JobRefused as exc:
        log.info("upload saved in %s, not ingested: %s", saved.folder, exc)
        # Remembered now, as an ingest remembers its folders when it starts: "Check for new photos" analyses them.
        lib.store.folders.add([remembered_path(lib.config, saved.folder)])
        n = len(saved.saved)
        return (f"{count_of(n, 'photo')} uploaded and kept in “{UPLOADS_LABEL}”, but not analysed yet: photos are "
                f"already being added (see “Current ingest”). When that has finished, press “Check for new photos” "
                f"to analyse {'it' if n == 1 else 'them'}.{skipped}"), "warning", True, no_update
    return f"Uploaded {count_of(len(saved.saved), 'photo')}; ingest started.{skipped}", \
        "warning" if saved.skipped else "success", True, None


@dash.callback(
    *ADD_RESULT,
    Input("lib-check-all", "n_clicks"),
    Input({"type": "lib-check-folder", "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def check_folders(_all: int | None, _one: list[int | None]):
    """Ingest every remembered folder again, or the one whose Check was clicked (new, changed and deleted photos);
    folders not found are left alone."""
    if not clicked():
        return no_update, no_update, no_update, no_update
    lib = library()
    chosen = ctx.triggered_id["index"] if isinstance(ctx.triggered_id, dict) else None
    present, missing = split_missing(lib.store.folders.paths() if chosen is None else
                                     [p for p in [lib.store.folders.path_of(chosen)] if p is not None])
    gone = f"Not found, so left as they are: {', '.join(missing)}." if missing else ""
    if not present:
        return f"None of the library's folders can be found. {gone}".strip(), "warning", True, no_update
    try:
        job_runner.start_ingest(lib, present)
    except job_runner.JobRefused as exc:
        if all(_being_added(lib, Path(p)) for p in present):  # a double click: the first click's check runs
            return "Checking them now: see “Current ingest”.", "info", True, no_update
        return str(exc), "danger", True, no_update
    n = len(present)
    return (f"Checking {n} folder{'s' if n != 1 else ''} for new photos. {gone}".strip(),
            "warning" if missing else "success", True, None)


@dash.callback(
    Output("lib-remove-modal", "is_open"),
    Output("lib-remove-text", "children"),
    Output("lib-remove-folder-id", "data"),
    Input({"type": "lib-remove-folder", "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def ask_remove_folder(_clicks: list[int | None]):
    """Ask before removing a folder from the library, saying what goes and what stays."""
    if not clicked():
        return no_update, no_update, no_update
    lib = library()
    folder = _folder(lib, ctx.triggered_id["index"])
    if folder is None:  # removed meanwhile (another tab, the CLI)
        return False, no_update, None
    counts = _holds(folder)
    gone = " leave the library: people, the map, searches and statistics. "
    if is_uploads(lib.config, folder.path):
        what = [f"The {counts} uploaded to the library", gone, "The library's copies of them are deleted; the photos "
                "you uploaded them from are not touched."]
        again = "Uploading them again"
    else:
        what = [html.Strong(folder.path), f" and its {counts}", gone, "The files on disk are not touched."]
        again = "Adding the folder again"
    text = [
        html.P(what),
        html.P(f"Named people keep their names. {again} brings the photos back with what you decided about their "
               "faces: named and hidden people get their faces back, and faces you moved or set aside as Ignored are "
               "as you left them. Their other faces are grouped anew.", className="mb-0"),
    ]
    return True, text, folder.id


def _folder(lib: Library, folder_id: int | None) -> Folder | None:
    """The remembered folder of this id, with its counts; None if the library no longer has it."""
    return next((f for f in lib.store.folders.list() if f.id == folder_id), None)


def _holds(folder: Folder) -> str:
    """What a folder brings to the library, as its row in Folders counts it: "2 photos (3 faces)", and its
    unreadable files apart (they go too: "4 photos" in the message after the dialog's "2 photos" read as a mistake)."""
    holds = f"{count_of(folder.n_photos, 'photo')} ({count_of(folder.n_faces, 'face')})"
    return holds + (f" and {count_of(folder.n_errors, 'unreadable file')}" if folder.n_errors else "")


@dash.callback(
    Output("lib-remove-modal", "is_open", allow_duplicate=True),
    *TOAST,
    Output("lib-job-state", "data", allow_duplicate=True),
    Input("lib-remove-yes", "n_clicks"),
    Input("lib-remove-no", "n_clicks"),
    State("lib-remove-folder-id", "data"),
    prevent_initial_call=True,
)
def confirm_remove_folder(_yes: int | None, _no: int | None, folder_id: int | None):
    """Remove the folder the dialog asked about (or just close the dialog)."""
    if not clicked():
        return no_update, *NO_TOAST, no_update
    if ctx.triggered_id == "lib-remove-no":
        return False, *NO_TOAST, no_update
    lib = library()
    # Removed meanwhile (another tab, the CLI).
    gone = (False, *refused("That folder is no longer in the library."), None)
    folder = _folder(lib, folder_id)
    if folder is None:
        return gone
    try:
        remove_folder(lib.config, lib.store, folder.path)
    except KeyError:
        return gone
    except IngestBusy:
        return False, *refused("Photos are being added or grouped right now; remove the folder when that is done."), \
            no_update
    # None: the next poll redraws the counts and the folders at once.
    name = UPLOADS_LABEL if is_uploads(lib.config, folder.path) else folder.path  # as the Folders table names it
    return False, *ok(f"Removed {name}: {_holds(folder)}.", "Folder removed"), None


@dash.callback(
    *ADD_RESULT,
    Input("lib-update-model", "n_clicks"),
    prevent_initial_call=True,
)
def update_outdated(_clicks: int | None):
    """Re-analyse every photo of an older face model with the current one (face ids, names are kept)."""
    if not clicked():
        return no_update, no_update, no_update, no_update
    try:
        job_runner.start_ingest(library(), [], outdated=True)
    except job_runner.JobRefused as exc:
        return str(exc), "danger", True, no_update
    return "Updating faces to the current model.", "success", True, None


@dash.callback(
    Output("lib-cancel-modal", "is_open"),
    Input("lib-cancel", "n_clicks"),
    Input("lib-cancel-no", "n_clicks"),
    prevent_initial_call=True,
)
def ask_cancel(_open: int | None, _no: int | None) -> bool:
    """Open the 'cancel the ingest?' confirmation (closed again by 'Keep going')."""
    if not clicked():
        return no_update
    return ctx.triggered_id == "lib-cancel"


@dash.callback(
    Output("lib-cancel-modal", "is_open", allow_duplicate=True),
    *TOAST,
    Input("lib-cancel-yes", "n_clicks"),
    State("lib-job-state", "data"),
    prevent_initial_call=True,
)
def confirm_cancel(n: int | None, state: dict | None):
    """Ask the running ingest to stop; it finishes the photo (or the grouping step) it is on and exits."""
    if not (n and clicked()):
        return no_update, no_update, no_update, no_update, no_update
    lib = library()
    job = lib.queries.latest_job()
    if job is None or job["status"] not in ACTIVE:
        return False, *refused("No ingest is running.")
    job_runner.cancel(lib, job["id"])
    return False, *info(_cancel_note(job.get("phase")), "Cancelling")


def _cancel_note(phase: str | None) -> str:
    """What Cancel does in this phase: grouping people and making the map cannot be cut short, only not written (the
    groups are written before the map is made)."""
    if phase == "cluster":
        return ("The ingest stops once grouping people ends, leaving the groups as they were. The photos are kept; "
                "people and the map are redone at the next ingest.")
    if phase == "project":
        return ("The ingest stops once making the map ends, leaving the map as it was. The photos and the new groups "
                "are kept; the map is redone at the next ingest.")
    return "The ingest stops after the photo it is on. Photos done so far are kept."
