"""Pure layout builders: data in, Dash components out. No store access, no callbacks.

Images are never embedded: face crops and photos are URLs of the id-based media routes of `dashapp.server`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp import export
from dashapp.face_grid import Face, FaceGrid
from dashapp.store.folders import Folder
from dashapp.store.people import search_key
from dashapp.words import PHASES, count_of
from model.attributes import attribute_label

# Twenty well-separated colours (Tableau 20 reordered so neighbours in the list contrast).
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79",
)
UNSORTED_COLOR = "#adb5bd"
FOCUS_COLOR = "#0d6efd"  # the face a page is about: the one searched for, the one being sorted
UNSORTED_LABEL = "Unsorted"
IGNORED_LABEL = "Ignored"  # faces the user set aside: not a face, or nobody to sort
MAP_SELECT_HINT = "Select faces with the lasso or box tool, or a person's in the menu."  # Map, with none selected

FACE_PAGE_SIZE = 12  # faces shown per person card page
PEOPLE_PAGE_SIZE = 24  # person cards per page of People


def person_color(person_id: int | None) -> str:
    """The colour of a person, the same on every page (grey for unsorted faces)."""
    if person_id is None:
        return UNSORTED_COLOR
    return PALETTE[int(person_id) % len(PALETTE)]


def label_text_color(background: str) -> str:
    """Black or white, whichever reads better on `background` (a "#rrggbb" person colour): white text on the
    palette's light colours (orange, pale blue...) failed WCAG's contrast ratio."""
    def luminance(hex_color: str) -> float:
        channels = [int(hex_color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lum = luminance(background)
    return "#fff" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000"


def box_label(text: str, color: str) -> html.Span:
    """The name over a face box, in the box's colour."""
    return html.Span(text, className="face-box-label",
                     style={"backgroundColor": color, "color": label_text_color(color)})


def progress_bar(value: float, name: str, label: str = "", color: str = "primary", striped: bool = False,
                 animated: bool = False, class_name: str = "", style: dict | None = None,
                 value_text: str | None = None) -> html.Div:
    """Bootstrap's progress bar, named for screen readers (`name`): dbc.Progress cannot be given an aria-label, and a
    bar without a name is read as a bare number. `value_text`: what it reads instead of the number (a step that
    counts nothing)."""
    bar_class = " ".join(["progress-bar", f"bg-{color}"] + ["progress-bar-striped"] * (striped or animated)
                         + ["progress-bar-animated"] * animated)
    bar = html.Div(label, className=bar_class, role="progressbar",
                   style={"width": f"{max(0.0, min(100.0, value)):.1f}%"},
                   **{"aria-label": name, "aria-valuenow": round(value), "aria-valuemin": 0, "aria-valuemax": 100},
                   **({"aria-valuetext": value_text} if value_text else {}))
    return html.Div(bar, className=f"progress {class_name}".strip(), style=style)


def person_label(person_id: int | None, name: str | None) -> str:
    """How a person is called in the UI: the name, or a stable placeholder for unnamed groups."""
    if person_id is None:
        return UNSORTED_LABEL
    return name or f"Person {person_id}"


def face_owner_label(face: dict) -> str:
    """Where a face is, in words: Ignored, its person, or Unsorted (a dict with `ignored`, `person_id`, `name`)."""
    return IGNORED_LABEL if face.get("ignored") else person_label(face.get("person_id"), face.get("name"))


def where_hidden(label: str, hidden: bool) -> str:
    """A person named at the end of "Moved 3 faces to …" or "Merged 2 groups into …". A hidden person's faces
    leave the People page and the people filters with them, so for them it says so and how to see them: the same
    words wherever faces go to someone (moving, naming, merging; the pages and the command line)."""
    return f"{label}, who is hidden: turn on “Show hidden” on the People page to see them" if hidden else label


def face_url(face_id: int) -> str:
    """URL of a face thumbnail (served by id, never by path)."""
    return f"/media/face/{int(face_id)}.jpg"


def photo_url(photo_id: int, size: str = "large") -> str:
    """URL of a photo, upright and resized ('thumb' or 'large')."""
    return f"/media/photo/{int(photo_id)}/{size}.jpg"


def n_pages(total: int, page_size: int) -> int:
    """Number of pages needed for `total` items (at least 1)."""
    return max(1, math.ceil(total / page_size))


def empty_state(title: str, text: str, href: str | None = None, link_text: str = "", actions: Sequence = ()) -> html.Div:
    """A friendly placeholder for a page or section with nothing to show yet; `actions` go under the text."""
    children: list[Any] = [html.H2(title, className="h5 mb-2"), html.P(text, className="text-muted mb-3"), *actions]
    if href:
        children.append(dbc.Button(link_text or "Go", href=href, color="primary", size="sm"))
    return html.Div(children, className="empty-state text-center py-5")


def color_dot(color: str) -> html.Span:
    return html.Span(className="color-dot", style={"backgroundColor": color})


def face_tile(face_id: int, caption: str | None = None, title: str | None = None) -> Face:
    """A face crop for a `face_grid`. On People a click selects it; `title` names it for a pointer and a screen
    reader (a suggestion's name, not only a number)."""
    tile = Face(fid=int(face_id), src=face_url(face_id), title=title or f"Face {face_id} — click to select")
    if caption:
        tile["caption"] = caption
    return tile


def face_grid(tiles: Sequence[Face], empty_text: str = "No faces.", grid_id: Any = None,
              class_name: str | None = None, report_clicks: bool = False) -> FaceGrid:
    """Face crops as one component (see `dashapp.face_grid`); with `report_clicks` (and `grid_id`) a callback can
    read the face clicked."""
    return FaceGrid(faces=list(tiles), empty_text=empty_text, id=grid_id, className=class_name,
                    n_clicks=0 if report_clicks else None)


def person_faces(face_ids: Sequence[int]) -> list[Face]:
    """The tiles of one page of a person card's faces."""
    return [face_tile(f) for f in face_ids]


def person_card(person: dict, face_ids: Sequence[int]) -> dbc.Card:
    """One person or unnamed group: colour, name field, size, selection box, paged faces, hide."""
    pid = int(person["id"])
    total = int(person["n_faces"])
    pages = n_pages(total, FACE_PAGE_SIZE)
    name_id = {"type": "person-name", "pid": pid}
    # Few components per card: a page shows 24, and the browser's work grows with every component.
    header = dbc.CardHeader(
        [
            # A tick box, ticked in the browser (assets/selection.js: a card drawn anew shows its tick again); a
            # toggle button, so Space and Enter tick it; named for a screen reader (the name field says whose it is).
            html.Button(className="form-check-input person-tick me-1", disable_n_clicks=True, type="button",
                        **{"data-pid": pid, "aria-pressed": "false",
                           "aria-label": f"Select {person_label(pid, person.get('name'))}"}),
            color_dot(person_color(pid)),
            # The placeholder is no name, and none once the group has one: a label for its id as Dash writes it.
            dbc.Label(f"Name of {person_label(pid, None)}", html_for=json.dumps(name_id, sort_keys=True,
                                                                                 separators=(",", ":")),
                      className="visually-hidden"),
            dbc.Input(
                id=name_id,
                value=person.get("name") or "",
                placeholder=f"Person {pid} — add a name",
                debounce=True,
                size="sm",
                className="person-name-input",
                maxLength=120,
                autoComplete="off",
            ),
            dbc.Badge(f"{total}", color="secondary", pill=True, className="ms-1", title=f"{total} faces"),
            # With "Show hidden" on, a hidden group is told from the others at a glance, not by its foot's "Unhide".
            dbc.Badge("Hidden", color="light", text_color="dark", className="border",
                      title="Hidden from People: “Unhide” shows it again") if person.get("hidden") else None,
        ],
        className="d-flex align-items-center gap-1 py-2",
    )
    body = face_grid(person_faces(face_ids), "No faces left in this group.", {"type": "person-faces", "pid": pid},
                     "card-body p-2")
    footer_items: list[Any] = []
    if pages > 1:
        footer_items.append(
            pager({"type": "person-pager", "pid": pid}, f"Pages of {person_label(pid, person.get('name'))}’s faces",
                  max_value=pages, size="sm", className="mb-0")
        )
    if person.get("years"):
        first, last = person["years"]
        footer_items.append(html.Span(first if first == last else f"{first}–{last}",
                                      className="small text-muted" + (" ms-2" if pages > 1 else ""),
                                      title="Years of their photos (from the photos' dates)"))
    footer_items.append(
        dcc.Link("Photos", href=f"/photos?person={pid}", className="small ms-auto",
                 title="Photos with this person")
    )
    footer_items.append(
        dcc.Link("Find", href=f"/find?person={pid}", className="small ms-2",
                 title="Find this person in videos, and in photos where they are not named yet (with all "
                       "their faces)")
    )
    footer_items.append(
        dbc.Button(
            "Unhide" if person.get("hidden") else "Hide",
            id={"type": "person-hide", "pid": pid},
            color="link",
            size="sm",
            className="text-muted ms-2",
            title="Hide this group from People (its faces stay in the library)",
            n_clicks=0,
        )
    )
    return dbc.Card(
        [header, body, dbc.CardFooter(footer_items, className="d-flex align-items-center py-1")],
        className="person-card h-100",
        style={"borderTop": f"4px solid {person_color(pid)}"},
        id={"type": "person-card", "pid": pid},
    )


def unsorted_tile(face: dict) -> Face:
    """An unsorted face with its best suggested person underneath."""
    caption = None
    title = f"Face {face['face_id']}: no suggestion"
    if face.get("suggested_id") is not None:
        label = person_label(face["suggested_id"], face.get("suggested_name"))
        # The tile is narrow: an unnamed group shows as "#29" ("Person 29" would be cut before its number).
        caption = f"→ {face.get('suggested_name') or '#' + str(face['suggested_id'])}"
        title = f"Suggested: {label} (distance {face.get('distance', 0):.2f})"
    return face_tile(face["face_id"], caption=caption, title=title)


def merge_suggestion_row(s: dict) -> html.Div:
    """Two groups that look alike, with their covers and a Merge button."""
    a, b = s["person_a"], s["person_b"]

    def side(pid: int, name: str | None, n: int, cover: int | None) -> html.Div:
        # alt="": the name is beside it.
        img = html.Img(src=face_url(cover), className="mini-face me-1", alt="") if cover else None
        return html.Div(
            [img, color_dot(person_color(pid)), html.Span(f"{person_label(pid, name)} ({n})")],
            className="d-flex align-items-center gap-1",
        )

    return html.Div(
        [
            side(a, s.get("name_a"), s.get("n_a", 0), s.get("cover_a")),
            html.Span("≈", className="mx-2 text-muted", title=f"distance {s['distance']:.2f}"),
            side(b, s.get("name_b"), s.get("n_b", 0), s.get("cover_b")),
            html.Div(
                [
                    dbc.Button(
                        "Merge",
                        id={"type": "suggest-merge", "a": a, "b": b},
                        size="sm",
                        color="outline-primary",
                        n_clicks=0,
                    ),
                    dbc.Button(
                        "Not the same",
                        id={"type": "suggest-dismiss", "a": a, "b": b},
                        size="sm",
                        color="link",
                        className="text-muted ms-1 text-nowrap",
                        n_clicks=0,
                        title="Stop suggesting this pair",
                    ),
                ],
                className="d-flex ms-auto",
            ),
        ],
        # Wraps on a phone (the buttons under the faces), else "Not the same" went off the screen.
        className="d-flex flex-wrap align-items-center py-1 border-bottom merge-suggestion",
    )


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None or seconds < 0 or math.isinf(seconds) or math.isnan(seconds):
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


JOB_COLORS = {
    "queued": "secondary", "running": "primary", "done": "success", "failed": "danger",
    "cancelled": "warning", "interrupted": "warning", "starting": "secondary",
}


# Phases that count no photos: the counts left from the phase before would only mislead.
UNCOUNTED_PHASES = ("cluster", "project")


def job_badge_label(job: dict) -> str:
    """The navbar badge's words for a running ingest or clustering: its phase as the Library page names it, with the
    phase's own progress where it counts work ("Finding faces 40%", "Grouping people…"; before an ingest's first
    phase, "Ingesting…")."""
    phase = job.get("phase") or ("cluster" if job.get("kind") == "cluster" else "")
    words = PHASES.get(phase, phase or "ingesting").capitalize()
    total = job.get("total")
    if total and phase not in UNCOUNTED_PHASES:  # the counts of the photos' phase stay in the row while grouping
        return f"{words} {min(100.0, 100.0 * int(job.get('done') or 0) / total):.0f}%"
    return f"{words}…"


def job_progress(job: dict | None, uploads_dir: str = "") -> html.Div:
    """Progress of the latest ingest: bar, counts, ETA, errors; an empty state when there is none.

    `done`/`total` count the current phase's work (photos to analyse, files to check), so a
    finished job shows a full bar and the job's own summary message. Grouping people and making the map count
    nothing: the bar, full, says the phase instead of "100%" (it sat there as if stuck). An upload's folder
    (under `uploads_dir`) is named "Uploaded photos".
    """
    if job is None:
        return html.Div("No ingest has run yet. Add a folder or upload photos above.", className="text-muted")
    status = job["status"]
    done, total = int(job.get("done") or 0), job.get("total")
    running = status in ("running", "queued", "starting")
    if status == "done":
        pct = 100.0
    else:
        pct = min(100.0, 100.0 * done / total) if total else 0.0
    phase = PHASES.get(job.get("phase") or "", job.get("phase") or "")
    counted = job.get("phase") not in UNCOUNTED_PHASES
    bar_text = f"{pct:.0f}%" if pct >= 8 else ""
    if running and not counted:
        pct, bar_text = 100.0, f"{phase.capitalize()}…"
    stats = []
    if running and counted:
        stats.append(html.Span(f"{done} / {total} photos" if total else "counting photos…", id="job-counts"))
    stats += [
        html.Span(f"{count_of(int(job.get('n_faces') or 0), 'face')} found", id="job-faces"),
        html.Span(f"{count_of(int(job.get('n_errors') or 0), 'unreadable file')}",
                  className="text-danger" if job.get("n_errors") else ""),
    ]
    if running:
        if job.get("eta") is not None:  # none until the phase's pace can be measured
            stats.append(html.Span(f"ETA {_fmt_seconds(job.get('eta'))}", id="job-eta"))
    elif job.get("elapsed") is not None:  # the whole job; its summary times its steps ("in 2.1 s")
        stats.append(html.Span(f"took {_fmt_seconds(job.get('elapsed'))} in all", id="job-took"))
    label = status + (f" · {phase}" if phase and running else "")
    return html.Div(
        [
            html.Div(
                [
                    dbc.Badge(label, color=JOB_COLORS.get(status, "secondary"), id="job-status"),
                    html.Span(", ".join(shown_path(p, uploads_dir) for p in job.get("path_list") or []),
                              className="text-muted small text-truncate ms-2", id="job-paths"),
                ],
                className="d-flex align-items-center mb-2",
            ),
            progress_bar(
                pct,
                "Job progress",
                label=bar_text,
                value_text=bar_text if running and not counted else None,
                striped=running,
                animated=running,
                color=JOB_COLORS.get(status, "secondary"),
                class_name="mb-2",
                style={"height": "1.25rem"},
            ),
            html.Div(stats, className="d-flex flex-wrap gap-3 small"),
            html.Div(job.get("message") or "", className="small text-muted mt-1", id="job-message"),
            # Photos left to analyse, or people and the map left to redo: what to do about them (an "Update faces"
            # job, of no folder, is offered again by its own button).
            html.Div("“Check for new photos” goes on where it stopped.", className="small mt-1")
            if status in ("cancelled", "interrupted") and job.get("path_list") else None,
        ]
    )


def error_table(rows: Sequence[dict], total: int, not_photos: str = "", uploads_dir: str = "") -> Any:
    """Per-file errors: which file (an uploaded one by its name, under "Uploaded photos"), at which stage, and why;
    then the types of files that are not photos, if any (`not_photos`, e.g. ".mp4 40, .json 12")."""
    skipped = html.Div(f"Files that are not photos, left alone: {not_photos}.", className="small text-muted mt-2") \
        if not_photos else None
    if not rows:
        return html.Div([html.Div("No problems: every photo was read.", className="text-muted small"), skipped])
    header = html.Thead(html.Tr([html.Th("File"), html.Th("Stage"), html.Th("Reason")]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(shown_path(r["path"], uploads_dir), className="text-break small"),
                    html.Td(r.get("stage") or "", className="small"),
                    html.Td(f"{r.get('kind') or ''}: {r.get('detail') or ''}".strip(": "), className="small"),
                ]
            )
            for r in rows
        ]
    )
    note = (
        html.Div(f"Showing {len(rows)} of {total}.", className="small text-muted") if total > len(rows) else None
    )
    return html.Div([dbc.Table([header, body], size="sm", striped=True, hover=True, className="mb-1"), note, skipped])


UPLOADS_LABEL = "Uploaded photos"


def folder_name(path: str, uploads_dir: str) -> str:
    """A folder's short name: its last part, or "Uploaded photos" for the library's uploads."""
    return UPLOADS_LABEL if path == uploads_dir else Path(path).name or path


def shown_path(path: str, uploads_dir: str) -> str:
    """A file or folder as the page names it: an uploaded one as "Uploaded photos" and its name as uploaded
    ("Uploaded photos › party/kit.jpg" for a zip's); each upload's own folder ("uploads/20261207-…") means nothing
    to the user. Any other by its path."""
    try:
        parts = Path(path).relative_to(uploads_dir).parts if uploads_dir else None
    except ValueError:
        parts = None
    if parts is None:
        return path
    return " › ".join([UPLOADS_LABEL, "/".join(parts[1:])]) if len(parts) > 1 else UPLOADS_LABEL


def folder_table(folders: Sequence[Folder], missing: set[str], uploads_dir: str, n_elsewhere: int = 0) -> Any:
    """The library's folders: what each holds, when it was last checked, and Check and Remove buttons each; then how
    many photos come from folders the library does not remember."""
    elsewhere = html.Div(
        f"{n_elsewhere:,} photo{'s' if n_elsewhere != 1 else ''} came from folders added before the library "
        "remembered folders: add those folders again to check them here too.", className="small text-muted mt-2",
    ) if n_elsewhere else None
    if not folders:
        return elsewhere or html.Div("No folders yet: add a folder or upload photos above.",
                                     className="text-muted small")
    header = html.Thead(html.Tr([html.Th("Folder"), html.Th("Photos", className="text-end"),
                                 html.Th("Faces", className="text-end"), html.Th("Unreadable", className="text-end"),
                                 html.Th("Last checked"),
                                 # Positioned: else its hidden words lie past the table's scroller and widen a phone's page.
                                 html.Th(html.Span("Actions", className="visually-hidden"), className="position-relative")]))
    rows = []
    for f in folders:
        photos_link = f"/photos?folder={f.id}"  # its photos, and who is in them
        where: list[Any] = [dcc.Link(f.path, href=photos_link, className="text-break", title="Its photos")]
        if f.path == uploads_dir:
            where = [dcc.Link(UPLOADS_LABEL, href=photos_link, className="fw-semibold d-block", title="Its photos"),
                     html.Div(f.path, className="text-muted text-break")]
        if f.path in missing:
            where.append(dbc.Badge("not found", color="warning", text_color="dark", className="ms-2",
                                   title="Its photos stay in the library until the folder is back."))
        name = UPLOADS_LABEL if f.path == uploads_dir else f.path
        checked = datetime.fromtimestamp(f.scanned_at).strftime("%Y-%m-%d %H:%M") if f.scanned_at else "not yet"
        rows.append(html.Tr([
            html.Td(where, style={"minWidth": "11rem"}),  # a phone's table scrolls; its paths stay readable
            html.Td(f"{f.n_photos:,}", className="text-end"),
            html.Td(f"{f.n_faces:,}", className="text-end"),
            html.Td(f"{f.n_errors:,}", className="text-end"),
            html.Td(checked, className="text-nowrap"),
            # Named with their folder: a screen reader listing the page's buttons says which folder each is for
            # (html.Button: dbc's takes no aria-label).
            html.Td([html.Button("Check", id={"type": "lib-check-folder", "index": f.id}, n_clicks=0, type="button",
                                 className="btn btn-link btn-sm p-0 me-3", disabled=f.path in missing,
                                 title="Add its new photos, update changed ones, let deleted ones go",
                                 **{"aria-label": f"Check {name}"}),
                     html.Button("Remove", id={"type": "lib-remove-folder", "index": f.id}, n_clicks=0, type="button",
                                 className="btn btn-link btn-sm text-danger p-0", **{"aria-label": f"Remove {name}"})],
                    className="text-end text-nowrap"),
        ]))
    # Scrolls on its own on a phone (the page would scroll sideways with it).
    return html.Div([dbc.Table([header, html.Tbody(rows)], size="sm", hover=True, responsive=True,
                               className="mb-0 align-middle small"),
                     elsewhere])


def box_style(box: Sequence[float], width: float, height: float, color: str) -> dict:
    """A box placed in % of its frame, so it stays on the face at any display size."""
    x, y, w, h = box
    return {"left": f"{100 * x / width:.3f}%", "top": f"{100 * y / height:.3f}%", "width": f"{100 * w / width:.3f}%",
            "height": f"{100 * h / height:.3f}%", "borderColor": color}


def framed_photo(src: str, width: float, height: float, boxes: list, alt: str, max_height: str = "75vh",
                 class_name: str = "photo-frame") -> html.Div:
    """The image in a frame of its own aspect ratio, at most `max_height` tall, with boxes placed in % of it."""
    return html.Div(
        [html.Img(src=src, className="photo-main", alt=alt), *boxes],
        className=class_name,
        style={"aspectRatio": f"{width:.0f} / {height:.0f}",
               "maxWidth": f"min(100%, calc({max_height} * {width / height:.4f}))"},
    )


def photo_overlay(photo: dict, faces: Sequence[dict]) -> html.Div:
    """The photo with a clickable, labelled box on each face (positions in % of the photo)."""
    width, height = float(photo["width"] or 1), float(photo["height"] or 1)
    boxes = []
    for f in faces:
        color = person_color(f.get("person_id"))
        label = face_owner_label(f)
        boxes.append(
            html.Div(
                box_label(label, color),
                id={"type": "photo-face", "fid": int(f["face_id"])},
                className="face-box face-box-ignored" if f.get("ignored") else "face-box",
                n_clicks=0,
                role="button",
                tabIndex=0,
                title=f"{label} — click to change who this is",
                style=box_style(f["box"], width, height, color),
            )
        )
    return framed_photo(photo_url(photo["id"]), width, height, boxes, photo.get("name", ""))


def sort_face_view(face: dict, photo: dict, suggestions: Sequence[dict]) -> dbc.Row:
    """One unsorted face to sort: its photo with the face boxed, the face itself, and a button for each
    suggested person (keys 1, 2, 3)."""
    width, height = float(photo["width"] or 1), float(photo["height"] or 1)
    box = html.Div(box_label("Who is this?", FOCUS_COLOR),
                   className="face-box sort-box", style=box_style(face["box"], width, height, FOCUS_COLOR))
    choices: list[Any] = [html.Div("Suggested", className="small text-muted mb-1")] if suggestions else [
        html.Div("No suggestion: type a name below, or skip.", className="small text-muted")]
    for key, s in enumerate(suggestions, start=1):
        cover = html.Img(src=face_url(s["cover"]), className="mini-face me-2", alt="") if s.get("cover") else None
        choices.append(dbc.Button(
            [cover, color_dot(person_color(s["id"])),
             html.Span(f"{person_label(s['id'], s.get('name'))} ({s['n_faces']})", className="text-truncate"),
             html.Kbd(str(key), className="ms-auto")],
            id={"type": "sort-accept", "pid": int(s["id"])}, n_clicks=0, color="light",
            className="sort-accept d-flex align-items-center gap-1 w-100 mb-2 border text-start",
            title=f"This is {person_label(s['id'], s.get('name'))} (distance {s['distance']:.2f}; key {key})",
        ))
    return dbc.Row(
        [
            dbc.Col(framed_photo(photo_url(photo["id"]), width, height, [box], photo.get("name", ""), "60vh"),
                    md=8, className="text-center"),
            dbc.Col([html.Img(src=face_url(face["face_id"]), className="sort-face mb-3", alt="the face to sort"),
                     *choices], md=4),
        ]
    )


def taken_label(taken: str | None, with_time: bool = False) -> str:
    """A photo's EXIF date ("YYYY-MM-DD HH:MM:SS") as people write it, "12 Aug 2019" (", 14:03" with the
    time); '' when unknown."""
    if not taken:
        return ""
    when = datetime.strptime(taken, "%Y-%m-%d %H:%M:%S")
    return f"{when.day} {when:%b %Y}" + (f", {when:%H:%M}" if with_time else "")


PHOTO_TILE_ASPECT = 4 / 3  # width / height of a photo tile (style.css: .photo-tile img)


def cover_position(faces_at: Sequence[float], size: Sequence[int], aspect: float = PHOTO_TILE_ASPECT) -> str:
    """The CSS object-position that keeps the point `faces_at` (x, y in the photo's pixels, of size `size`) in the
    middle of a tile of this aspect that the photo covers, as far as its edges allow: centred, a portrait's crop
    showed its middle, the chest, and cut off the head."""
    (x, y), (width, height) = faces_at, size
    # In units of the tile's shorter side: how far the photo overflows the tile, along the axis it is cropped on.
    if width / height > aspect:  # wider than the tile: cropped left and right
        shown, overflow, at = aspect, width / height, x / width
        axis = "x"
    else:  # taller: cropped top and bottom (tile width 1)
        shown, overflow, at = 1 / aspect, height / width, y / height
        axis = "y"
    spare = overflow - shown
    share = 0.5 if spare <= 1e-6 else min(1.0, max(0.0, (at * overflow - shown / 2) / spare))
    return f"50% {100 * share:.0f}%" if axis == "y" else f"{100 * share:.0f}% 50%"


def photo_tile(photo: dict, active: bool) -> html.Div:
    """A photo thumbnail in the photo list, captioned with its date taken, else its file name; cropped around its
    faces."""
    style = ({"objectPosition": cover_position(photo["faces_at"], photo["size"])}
             if photo.get("faces_at") and photo.get("size") else None)
    return html.Div(
        [
            html.Img(src=photo_url(photo["id"], "thumb"), alt=photo["name"], style=style),
            html.Div(
                [html.Span(taken_label(photo.get("taken")) or photo["name"], className="text-truncate"),
                 dbc.Badge(photo["n_faces"], color="light", text_color="dark")],
                className="photo-tile-caption d-flex justify-content-between gap-1",
            ),
        ],
        id={"type": "photo-tile", "pid": int(photo["id"])},
        className="photo-tile active" if active else "photo-tile",
        n_clicks=0,
        role="button",
        tabIndex=0,
        title=photo.get("path", photo["name"]),
    )


def people_in_photo(faces: Sequence[dict]) -> html.Div:
    """Name chips of the people in a photo (faces set aside are not listed); a person's chip is a button that shows
    only their photos (an unsorted face's is not: it is nobody yet; nor a hidden person's, not in the filter's list)."""
    faces = [f for f in faces if not f.get("ignored")]
    if not faces:
        return html.Div("No faces found in this photo.", className="text-muted small")
    chips = []
    for f in faces:
        pid = f.get("person_id")
        label = [color_dot(person_color(pid)), person_label(pid, f.get("name"))]
        if pid is None or f.get("hidden"):
            chips.append(dbc.Badge(label, color="light", text_color="dark", className="me-1 mb-1 border person-chip"))
        else:  # by face: a person seen twice in the photo (a mirror) has two chips, and ids must differ
            chips.append(chip_button(label, {"type": "photos-in-person", "pid": pid, "fid": int(f["face_id"])}))
    return html.Div(chips)


def chip_button(label: Any, id_: dict) -> html.Button:
    """A person's chip that shows only their photos: a button, reached with Tab and pressed with Enter (a clickable
    badge is not), drawn as the other chips."""
    return html.Button(label, id=id_, n_clicks=0, type="button", title="Only their photos",
                       className="badge text-dark bg-light me-1 mb-1 border person-chip")


def people_in_photos_summary(n_people: int, top: Sequence[dict]) -> Any:
    """Who is in the photos a year or folder filter chose: a chip per person with how many of the photos show them,
    most first (a click shows only their photos among these), and how many more people."""
    if not top:
        return None
    chips = [
        chip_button([color_dot(person_color(p["id"])), f"{person_label(p['id'], p['name'])} · {p['n']:,}"],
                    {"type": "photos-who-person", "pid": p["id"]})
        for p in top
    ]
    more = n_people - len(top)
    return html.Div([html.Span("In these photos:", className="small text-muted me-2"), *chips,
                     html.Span(f"and {more:,} more", className="small text-muted") if more > 0 else None],
                    className="mb-2")


def top_attributes_list(top: Sequence[tuple[str, float]]) -> html.Div:
    """A face's most probable attributes as labelled bars."""
    rows = []
    for name, p in top:
        rows.append(
            html.Div(
                [
                    html.Span(attribute_label(name), className="attr-name small"),
                    progress_bar(100 * p, attribute_label(name), label=f"{p:.0%}", class_name="flex-grow-1",
                                 style={"height": "1rem"}),
                ],
                className="d-flex align-items-center gap-2 mb-1",
            )
        )
    return html.Div(rows)


def dropdown_options(people: Sequence[dict], for_moving: bool = False) -> list[dict]:
    """Dropdown options for choosing a person (a hidden one says so); value is the person id. Where faces are
    moved, also 'unsorted' (no one) and 'ignored' (set aside)."""
    options = [_option(person_label(p["id"], p.get("name")), int(p["id"]), p["n_faces"], bool(p.get("hidden")))
               for p in people]
    if for_moving:
        options[:0] = [_option("Unsorted (no one)", "unsorted"),
                       _option(f"{IGNORED_LABEL} (not a face, or nobody to sort)", "ignored")]
    return options


def _option(text: str, value: int | str, n_faces: int | None = None, hidden: bool = False) -> dict:
    """A dropdown option found by its words alone, typed with or without accents ("zoe" finds "Zoé"); "Person 20"
    does not find Person 12 of 20 faces first. The dropdown searches its `search` text, its value, and its
    labels only when none is a component; so the label, with its face count, is one."""
    label = [text]
    if n_faces is not None:
        label.append(html.Span(f" ({n_faces})", className="text-muted"))
    if hidden:
        label.append(" · hidden")
    words = text + (" hidden" if hidden else "")
    return {"label": html.Span(label), "value": value, "search": f"{words} {search_key(words)}"}


def toast_props(message: str, header: str = "Done", icon: str = "success") -> tuple[str, str, str, bool]:
    """Children, header, icon and is_open of the app toast."""
    return message, header, icon, True


def refusal(message: str) -> tuple[str, str, str, bool]:
    return toast_props(message, "Not done", "danger")


def page_header(title: str, subtitle: str, extra: Any = None) -> html.Div:
    """A page's title and what it is for, its controls (`extra`) on the right; on a narrow screen they go under
    the title instead of squeezing it into a column a word wide. The heading takes the focus when the page is
    reached by a link of the app (assets/navigation.js): focusable by script only (tabIndex -1)."""
    return html.Div(
        [html.Div([html.H1(title, className="h3 mb-0", tabIndex=-1), html.Div(subtitle, className="text-muted small")]), extra],
        className="d-flex flex-wrap gap-2 align-items-end justify-content-between mb-3 page-header",
    )


def pager(id_: str | dict, what: str, max_value: int = 1, **kwargs: Any) -> html.Nav:
    """Page links of a list, in a navigation landmark named for what they page ("Pages of people"): several
    pagers on a page read alike, "2", "3", otherwise (assets/labels.js names each link "Page 2")."""
    return html.Nav(dbc.Pagination(id=id_, max_value=max_value, active_page=1, fully_expanded=False, **kwargs),
                    **{"aria-label": what})


def export_link(id_: str) -> html.A:
    """A download of every face as CSV (photo, box, person, attributes), served by the dashboard."""
    return html.A(
        "Download CSV", id=id_, href=export.URL, download=export.FILENAME,
        title="Every face: its photo, box, person and the 40 attribute probabilities",
        className="btn btn-outline-secondary btn-sm text-nowrap",
    )


def hidden_store(id_: str, data: Any = None, storage_type: str = "memory") -> dcc.Store:
    return dcc.Store(id=id_, data=data, storage_type=storage_type)
