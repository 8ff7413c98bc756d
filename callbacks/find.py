"""Find a person page: upload a query photo (or a few of one person; and videos), start the search job, poll it,
show the result.

The search runs as a job process (`python app.py find ... --job-id N`): the web process never loads the
model. The page always shows the library's latest search, so it survives a reload.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, ctx, html, no_update

from callbacks.common import Library, clicked, library, page_offset, pager_style
from dashapp import find_view as V
from dashapp import job_runner
from dashapp.components import n_pages, pager, person_label
from dashapp.find import FindResult, PhotoMatch, library_size_note, load_result, searched_person_now, typical_face
from dashapp.find_command import RESULT_FILE
from dashapp.ingest import current_model_version
from dashapp.store import Job
from dashapp.uploads import UploadRefused, copy_query_face, copy_query_photo, save_query_photos, save_videos
from dashapp.words import count_of

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
FIND_PAGE_SIZE = 48  # matching photos per page: a search of a large library can match thousands

MESSAGE = (
    Output("find-message", "children", allow_duplicate=True),
    Output("find-message", "color", allow_duplicate=True),
    Output("find-message", "is_open", allow_duplicate=True),
    Output("find-job-state", "data", allow_duplicate=True),
)


def _started(job_id: int, text: str) -> tuple:
    # A state the store never holds: the next poll sees a change and redraws the progress.
    return text, "info", True, {"id": job_id, "status": "starting", "done": 0}


def _refused(text: str) -> tuple:
    return text, "danger", True, no_update


def _job(state: dict | None) -> Job | None:
    """The search the page shows (a "find" job of this library), or None."""
    if not state or state.get("id") is None:
        return None
    job = library().store.jobs.get(int(state["id"]))
    return job if job is not None and job.kind == "find" else None


def _also(job: Job) -> list[Path]:
    """The search's more photos of the person (kept when it runs again: another face, videos added)."""
    return [Path(p) for p in job.args.get("also") or []]


def _result(job: Job) -> FindResult | None:
    """The search's result as it was saved (`searched_person_now` says who a person's search is about now)."""
    try:
        return load_result(Path(job.args["out"]) / RESULT_FILE)
    except (OSError, ValueError, KeyError, TypeError) as exc:  # removed or damaged by hand
        log.warning("search %d: result unreadable: %s", job.id, exc)
        return None


@dash.callback(
    Output("find-status", "children"),
    Output("find-job-state", "data"),
    Output("find-message", "is_open", allow_duplicate=True),
    Output("find-cancel", "className"),
    Input("find-poll", "n_intervals"),
    State("find-job-state", "data"),
    prevent_initial_call="initial_duplicate",
)
def poll_find(_n: int | None, previous: dict | None):
    """The latest search's progress, from the store; nothing is sent while it does not change.

    When a search ends, the "Looking for…" note closes: the result (or the error) says the rest.
    """
    lib = library()
    job_runner.refresh(lib)
    job = lib.queries.latest_job("find")
    state = {"id": job["id"], "status": job["status"], "done": job["done"]} if job else {"id": None}
    if state == previous:
        return no_update, no_update, no_update, no_update
    running = job is not None and job["status"] in ACTIVE
    ended = job is not None and not running
    return V.find_status(job), state, False if ended else no_update, V.CANCEL_SHOWN if running else V.CANCEL_HIDDEN


@dash.callback(
    *MESSAGE,
    Input("find-cancel", "n_clicks"),
    State("find-job-state", "data"),
    prevent_initial_call=True,
)
def cancel_find(_clicks: int | None, state: dict | None):
    """Stop the running search; it ends after the frames or faces it is on."""
    if not clicked():
        return no_update, no_update, no_update, no_update
    job = _job(state)
    if job is None or job.status not in ACTIVE:
        return _refused("No search is running.")
    job_runner.cancel(library(), job.id)
    return "Stopping the search…", "warning", True, no_update


@dash.callback(
    Output("find-results", "children"),
    Output("find-query", "children"),
    Output("find-query-hint", "children"),
    Output("find-videos", "children"),
    Input("find-job-state", "data"),
)
def render_find(state: dict | None):
    """The query photo (with its faces once analysed), the attached videos, and the result's frame."""
    job = _job(state)
    if job is None:
        return V.no_search_yet(), None, "", ""
    videos = [Path(v).name for v in job.args.get("videos") or []]
    video_list = ("Videos: " + ", ".join(videos)) if videos else ""
    result = _result(job) if job.status == "done" else None
    if result is None:
        missing = None
        if job.status == "done":  # finished, but its folder was removed or damaged since
            missing = dbc.Alert("The result of this search is no longer in the library folder: search again.",
                                color="warning", className="py-2")
        # A person's search given no face index reads no photo: its picture is their face's small crop.
        no_photo = job.args.get("person") is not None and job.args.get("face") is None
        return missing, V.query_face(job.id) if no_photo else V.query_photo(job.id), "", video_list
    hint: list = []
    # A person's search is said of them as they are now: named since, or merged into someone else.
    searched = searched_person_now(library().store, result)
    if searched:
        hint.append(V.template_hint(searched, photo=result.query_face is not None))
        if searched.person_id is not None:
            hint.append(V.face_strip(library().queries.first_faces([searched.person_id], 12)[searched.person_id]))
    if result.also:
        hint.append(V.also_photos(job.id, result))
    if result.library_faces:
        hint.append(V.library_faces_hint(result))
    if len(result.faces) > 1:
        hint.append(f"{len(result.faces)} faces in this photo: click another face to look for that person instead.")
    compared = f"{result.n_compared:,} faces in the library compared"
    if result.n_other_model:
        compared += f" ({result.n_other_model:,} from another face model skipped: Update faces on the Library page)"
    compared += f" in {result.seconds:.1f} s."
    if note := library_size_note(result.n_compared):
        compared += " " + note
    results = html.Div(
        [
            V.threshold_slider(result.thresholds, result.max_distance),
            html.Div(compared, className="small text-muted mb-2"),
            # A library person's search: their own photos can be left out, to see only what is new.
            dbc.Switch(id="find-new-only", label="Only photos not yet theirs", value=False, className="small mb-2",
                       style=None if searched and searched.person_id is not None else {"display": "none"}),
            html.Div(id="find-photos"),
            pager("find-pager", "Pages of photos found", className="mt-2", style=pager_style(1)),
            html.Div(id="find-moments", className="mt-3"),
        ]
    )
    if result.query_face is None:  # no photo read: the face searched for, as the library keeps it
        return results, V.query_face(job.id), hint, video_list
    return results, V.query_photo(job.id, result.query_size, result.faces, result.face), hint, video_list


def _as_now(lib: Library, matches: list[PhotoMatch]) -> list[PhotoMatch]:
    """The matches, each with the person its face belongs to now (the search saved who it was then; a name given
    or a face moved since shows). A face set aside as Ignored since is left out, as a new search leaves it out:
    counted as "not theirs yet", it would ask to be moved again."""
    places = lib.store.faces.places([m.face_id for m in matches])
    now = []
    for m in matches:
        place = places.get(m.face_id)
        if place is None:
            now.append(m)
        elif not place.ignored:
            # A match whose face is still whose it was stays as it is: `replace` took 0.2 s for 20,000 matches.
            same = (place.person_id, place.person_name) == (m.person_id, m.person_name)
            now.append(m if same else replace(m, person_id=place.person_id, person_name=place.person_name))
    return now


@dash.callback(
    Output("find-photos", "children"),
    Output("find-pager", "max_value"),
    Output("find-pager", "active_page"),
    Output("find-pager", "style"),
    Output("find-moments", "children"),
    Input("find-threshold", "value"),
    Input("find-new-only", "value"),
    Input("find-pager", "active_page"),
    State("find-job-state", "data"),
)
def filter_find(threshold: float | None, new_only: bool | None, page: int | None, state: dict | None):
    """The matching photos (a page of them) and video moments at the chosen strictness (for a library person's
    search, with `new_only`, only the photos whose matching face is not theirs yet); a changed filter goes back
    to page 1."""
    job = _job(state)
    result = _result(job) if job is not None and job.status == "done" else None
    if result is None:
        return None, 1, 1, pager_style(1), None
    if ctx.triggered_id in ("find-threshold", "find-new-only"):
        page = 1
    threshold = float(threshold if threshold is not None else result.thresholds.default)
    lib = library()
    in_library = lib.queries.photo_ids()
    # Counted, filtered and shown as the library is now: not the photos removed since the search, and each face
    # with its owner now (one given to the person since then is theirs).
    photos = _as_now(lib, [m for m in result.photos(threshold) if m.photo_id in in_library])
    searched = searched_person_now(lib.store, result)
    summary = V.person_summary(result, photos, searched, threshold)
    if new_only and searched and searched.person_id is not None:
        photos = [m for m in photos if m.person_id != searched.person_id]
    count = html.Div(count_of(len(photos), "photo"), className="fw-semibold mb-1",
                     id="find-count")
    moments = [V.video_moments(job.id, i, v, result.video_moments(v, threshold), result.video_levels.stricter)
               for i, v in enumerate(result.videos)]
    if moments:
        moments.insert(0, html.H6("In the videos", className="mb-2"))
    pages = n_pages(len(photos), FIND_PAGE_SIZE)
    page = min(max(1, int(page or 1)), pages)
    offset = page_offset(page, FIND_PAGE_SIZE)
    grid = V.matches_grid(photos, result.thresholds.stricter, offset, FIND_PAGE_SIZE)
    return [summary, count, grid], pages, page, pager_style(pages), moments


# Each drop is measured in the browser first (assets/uploads.js, as on the Library page): one too large for the
# server's request limit is refused there with a message; one that fits sets the "...-go" store the upload runs on.
for _zone, _check in (("find-upload", "checkFindPhotoSize"), ("find-video-upload", "checkFindVideoSize")):
    dash.clientside_callback(
        ClientsideFunction(namespace="uploads", function_name=_check),
        Output(f"{_zone}-go", "data"),
        *MESSAGE[:3],
        Input(_zone, "contents"),
        State(_zone, "filename"),
        State("find-upload-limit", "data"),
        prevent_initial_call=True,
    )


@dash.callback(
    *MESSAGE,
    Input("find-upload-go", "data"),
    State("find-upload", "contents"),
    State("find-upload", "filename"),
    prevent_initial_call=True,
)
def upload_query(_go: int | None, contents: list[str] | str | None, filenames: list[str] | str | None):
    """Save the query photo (the first; the others: more photos of the same person) in a new search folder and
    start searching for its largest face."""
    if not contents:
        return no_update, no_update, no_update, no_update
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    names = [name or "photo" for name in (filenames or [])] or ["photo"] * len(contents)
    lib = library()
    try:
        job_runner.check_find_free(lib)
        saved = save_query_photos(list(zip(names, contents)), lib.config.finds_dir)
        job_id = job_runner.start_find(lib, saved.saved[0], also=saved.saved[1:])
    except (UploadRefused, job_runner.JobRefused) as exc:
        return _refused(str(exc))
    # The photo searched is the first that was not refused (a refused file is named in its reason).
    first = next((n for n in names if not any(r.startswith(f"{n}:") for r in saved.skipped)), names[0])
    more = len(saved.saved) - 1
    text = f"Looking for the person in {first}" + (f" and {more} more photo{'s' if more > 1 else ''}" if more else "")
    skipped = f" Skipped: {'; '.join(saved.skipped)}." if saved.skipped else ""
    return _started(job_id, f"{text}…{skipped}")


# The person's id leaves the address once read (assets/find.js): a reload, or Back from a result photo, would
# otherwise start the same search again (and push the oldest kept search out).
dash.clientside_callback(
    ClientsideFunction(namespace="find", function_name="forgetPersonInAddress"),
    Output("find-address-tidied", "data"),  # an output, so that Dash runs it when the page is drawn
    Input("find-from-person", "data"),
)


@dash.callback(
    *MESSAGE,
    Input("find-from-person", "data"),
    prevent_initial_call="initial_duplicate",
)
def find_person(person_id: int | None):
    """`/find?person=ID` (a person card's Find link): search with that person's faces (their typical one shown)."""
    if person_id is None:
        return no_update, no_update, no_update, no_update
    lib = library()
    person = lib.queries.person(int(person_id))
    if person is None or not person["n_faces"]:
        return _refused("That person is no longer in the library, or has no faces.")
    who = person_label(person["id"], person["name"])
    # The photo shown (and read by the search): their most typical face's, or the next one whose photo is there.
    version = current_model_version(None)
    face = typical_face(lib.store, int(person_id), version)
    try:
        job_runner.check_find_free(lib)
        if face is not None:
            query = copy_query_photo(Path(face.photo_path), lib.config.finds_dir)
        else:  # no photo of theirs on disk: their faces' embeddings are in the library, and enough to search with
            shown = typical_face(lib.store, int(person_id), version, on_disk=False)
            thumb = lib.queries.face_thumb(shown.id) if shown else None
            query = copy_query_face(lib.data_dir / thumb if thumb else None, lib.config.finds_dir)
        job_id = job_runner.start_find(lib, query, face.idx if face else None, person=person["id"])
    except (UploadRefused, job_runner.JobRefused) as exc:
        return _refused(str(exc))
    faces = "all their faces" if person["n_faces"] > 1 else "their one face"
    if face is None:
        return _started(job_id, f"None of the photos of {who} is on disk now (is their drive connected?): looking "
                                f"for them with {faces} as the library keeps them…")
    return _started(job_id, f"Looking for {who}, with {faces}; drop videos to look through them too…")


@dash.callback(
    *MESSAGE,
    Input("find-video-upload-go", "data"),
    State("find-video-upload", "contents"),
    State("find-video-upload", "filename"),
    State("find-job-state", "data"),
    prevent_initial_call=True,
)
def upload_videos(_go: int | None, contents: list[str] | str | None, filenames: list[str] | str | None,
                  state: dict | None):
    """Save videos beside the current query photo and search again, through the videos too."""
    if not contents:
        return no_update, no_update, no_update, no_update
    if isinstance(contents, str):
        contents, filenames = [contents], [filenames]
    job = _job(state)
    if job is None:
        return _refused("Give a photo of the person first, then the videos to look through.")
    if job.status in ACTIVE:
        return _refused("A search is already running. Wait for it to finish, then add the videos.")
    lib = library()
    query = Path(job.args["query"])
    try:
        saved = save_videos(list(zip(filenames or [], contents)), query.parent / "videos")
        videos = [Path(v) for v in job.args.get("videos") or []] + saved.saved
        job_id = job_runner.start_find(lib, query, job.args.get("face"), videos, person=job.args.get("person"),
                                       also=_also(job))
    except (UploadRefused, job_runner.JobRefused) as exc:
        return _refused(str(exc))
    skipped = f" Skipped: {'; '.join(saved.skipped)}." if saved.skipped else ""
    return _started(job_id, f"Looking through {count_of(len(saved.saved), 'video')}…{skipped}")


@dash.callback(
    *MESSAGE,
    Input({"type": "find-face", "idx": ALL}, "n_clicks"),
    State("find-job-state", "data"),
    prevent_initial_call=True,
)
def pick_face(_clicks: list, state: dict | None):
    """Click another face of the query photo: search for that person instead."""
    if not (isinstance(ctx.triggered_id, dict) and clicked()):
        return no_update, no_update, no_update, no_update
    job = _job(state)
    if job is None:
        return no_update, no_update, no_update, no_update
    face = int(ctx.triggered_id["idx"])  # the face searched already has no click target
    try:
        job_id = job_runner.start_find(library(), Path(job.args["query"]), face,
                                       [Path(v) for v in job.args.get("videos") or []], also=_also(job))
    except job_runner.JobRefused as exc:
        return _refused(str(exc))
    return _started(job_id, f"Looking for face {face + 1} instead…")
