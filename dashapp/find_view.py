"""Pure layout builders of the "Find a person" page: a search result in, Dash components out.

Images are `<img>` tags of id-based media routes: library photos by photo id, the query photo and the
video frames by the search's job id (`/media/find/<job>/...`), never by path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import (
    FOCUS_COLOR,
    box_label,
    box_style,
    progress_bar,
    color_dot,
    empty_state,
    framed_photo,
    person_color,
    person_label,
    photo_url,
)
from dashapp.find import (
    FindResult, PhotoMatch, QueryFace, SearchedPerson, VideoResult, clock, duration_clock, likely_person, n_theirs,
)
from model.matching import MatchThresholds, Segment

OTHER_FACE_COLOR = "#adb5bd"


def query_url(job_id: int) -> str:
    return f"/media/find/{int(job_id)}/query.jpg"


def also_url(job_id: int, index: int) -> str:
    return f"/media/find/{int(job_id)}/also/{int(index)}.jpg"


def frame_url(job_id: int, video: int, sample: int) -> str:
    return f"/media/find/{int(job_id)}/frame/{int(video)}/{int(sample)}.jpg"


def video_url(job_id: int, video: int) -> str:
    return f"/media/find/{int(job_id)}/video/{int(video)}"


def query_photo(job_id: int, size: Sequence[int] | None = None, faces: Sequence[QueryFace] = (),
                chosen: int | None = None) -> html.Div:
    """The query photo; once analysed, a box on each face (the searched one in blue, the others clickable)."""
    if not size:
        return html.Img(src=query_url(job_id), className="photo-main", alt="query photo")
    width, height = size
    boxes = []
    for f in faces:
        searched = f.index == chosen
        # Boxes are drawn once the search is done: "searching" read as if it still ran.
        label = "searched for" if searched else f"face {f.index + 1}"
        color = FOCUS_COLOR if searched else OTHER_FACE_COLOR
        # The face searched for takes the focus from the face box it was chosen with (assets/find.js): focusable by
        # script only, it is no button.
        props = dict(className="face-box find-chosen", title="The face being searched for", tabIndex=-1) \
            if searched else dict(
            id={"type": "find-face", "idx": f.index}, className="face-box", n_clicks=0, role="button", tabIndex=0,
            title="Click to search for this face instead")
        boxes.append(html.Div(box_label(label, color),
                              style=box_style(f.box, width, height, color), **props))
    return framed_photo(query_url(job_id), width, height, boxes, "query photo", "var(--find-query-height)")


def query_face(job_id: int) -> html.Img:
    """The picture of a search that read no photo: the face searched for, as the library keeps it (a small crop)."""
    return html.Img(src=query_url(job_id), alt="their face, as the library keeps it", id="find-query-face",
                    style={"width": "160px", "maxWidth": "100%", "borderRadius": "6px"})


def _no_match(result: FindResult, threshold: float | None) -> str:
    """Why no photo is shown, and what may help: a looser setting, or photos in the library first."""
    if result.n_compared == 0:
        if result.n_other_model:
            return "No face in the library can be compared yet: Update faces on the Library page."
        return ("The library has no photos yet: add them on the Library page. Videos you drop are looked through all "
                "the same.")
    if threshold is not None and threshold >= result.thresholds.looser:
        return "No photo in the library looks enough like them, even at “looser”."
    return "No photo in the library matches at this setting. Try “looser”."


def person_summary(result: FindResult, photos: Sequence[PhotoMatch], searched: SearchedPerson | None = None,
                   threshold: float | None = None) -> Any:
    """Who the best matches are (when they agree on one person), with a link to their photos; when none is within
    `threshold`, why.

    For a library person's search: how many of the photos found are already theirs, and how many are not.
    `photos`: the matching photos still in the library, each with its face's owner as it is now (a face given to
    the person since the search counts as theirs); `searched`: who the search is about now
    (`searched_person_now`; by default the person it saved).
    """
    if not photos:
        return dbc.Alert(_no_match(result, threshold), color="secondary", className="py-2 mb-2")
    if result.template:
        return _theirs_note(searched or SearchedPerson(result.template, result.template.person_id,
                                                       result.template.person_name), photos)
    person = likely_person(photos)
    if person is None:
        return None
    named = "" if person["name"] else " (not named yet: name them on the People page)"
    search_again = [" · ", dcc.Link("Search with all their faces", href=f"/find?person={person['id']}",
                                    id="find-with-person")]
    return _person_alert(person["id"], [
        "This looks like ", html.Strong(person["name"] or person_label(person["id"], None)),
        f"{named}: {person['n']} of the {person['of']} closest photos are theirs. "], search_again)


def _theirs_note(searched: SearchedPerson, photos: Sequence[PhotoMatch]) -> dbc.Alert:
    """A library person's search: how many photos are theirs now, counted against the person their faces belong
    to now (the one they were merged into), or, when no one has their faces now, that they left the library."""
    then = html.Strong(person_label(searched.searched.person_id, searched.searched.person_name))
    if searched.person_id is None:  # no link: it would open a person who is not there
        gone = " is no longer in the library: their faces were moved or removed since this search. "
        return dbc.Alert([then, gone, "Open a photo to see who it shows now."], color="secondary",
                         className="py-2 mb-2", id="find-person")
    who = html.Strong(person_label(searched.person_id, searched.person_name))
    merged = [then, " is part of ", who, " now. "] if searched.moved else []
    theirs = n_theirs(photos, searched.person_id)
    others = len(photos) - theirs
    if not others:
        text = [f"All {theirs} of these photos are already " if theirs > 1 else "This photo is already ", who, "’s. "]
    else:
        text = [f"{theirs} of these photos {'is' if theirs == 1 else 'are'} already ", who, f"’s; {others} "
                f"show{'s' if others == 1 else ''} a face that is unsorted or someone else’s: "
                "open one to check it and move the face. "]
    return _person_alert(searched.person_id, [*merged, *text])


def _person_alert(person_id: int, text: list, links: Sequence = ()) -> dbc.Alert:
    return dbc.Alert(
        [color_dot(person_color(person_id)), html.Span(text, className="ms-1"),
         dcc.Link("All their photos", href=f"/photos?person={person_id}"), *links],
        color="info", className="py-2 mb-2", id="find-person",
    )


def also_photos(job_id: int, result: FindResult) -> html.Div:
    """The more photos of the person given with the query: the face of each that joined the search boxed,
    or why it did not."""
    n = result.n_query_faces
    note = (f"Searched with {n} faces (their average), which finds more of their photos than one face:"
            if n > 1 else "No face in the other photos looks enough like this one; searched with this face alone:")
    tiles = []
    for i, also in enumerate(result.also):
        name = Path(also.path).name
        if also.size is None:
            tiles.append(html.Div([html.Div(name, className="text-truncate"), html.Div(also.reason)],
                                  className="also-photo small text-muted"))
            continue
        width, height = also.size
        color = FOCUS_COLOR if also.used else OTHER_FACE_COLOR
        boxes = [html.Div(className="face-box", style=box_style(also.box, width, height, color))] if also.box else []
        caption = "joined" if also.used else also.reason
        tiles.append(html.Div([framed_photo(also_url(job_id, i), width, height, boxes, name, "110px"),
                               html.Div(caption, className="small text-muted text-truncate")],
                              className="also-photo", title=f"{name}: {caption}"))
    return html.Div([html.Div(note), html.Div(tiles, className="d-flex flex-wrap gap-2 my-1")], id="find-also")


def template_hint(searched: SearchedPerson, photo: bool = True) -> str:
    """What a library person's search was made with, said of the person as they are now; `photo` False: the search
    read none of their photos (none was on disk)."""
    then = searched.searched
    same = searched.person_id == then.person_id
    who = person_label(then.person_id, searched.person_name if same else then.person_name)  # a name given since shows
    if then.n_faces == 1:
        text = f"Searched with the one face of {who}. "
    else:
        text = (f"Searched with all {then.n_faces} faces of {who} (their average), which finds more of their photos "
                "than one face; shown: their most typical face. ")
    if not photo:
        text += ("Their own photos are not on disk now (is their drive connected?): the search used the faces the "
                 "library keeps of them. ")
    if searched.moved:
        text += f"{who} is part of {person_label(searched.person_id, searched.person_name)} now. "
    elif searched.person_id is None:
        text += f"{who} is no longer in the library. "
    return text


def face_strip(face_ids: Sequence[int], strip_id: str = "find-template-faces") -> html.Div:
    """A row of small face crops (the faces a library person's search averages)."""
    return html.Div([html.Img(src=f"/media/face/{int(f)}.jpg", className="mini-face", alt="") for f in face_ids],
                    className="d-flex flex-wrap gap-1 my-1", id=strip_id)


def library_faces_hint(result: FindResult) -> html.Div:
    """The library faces a search from photos averaged in, as surest to be the person (`expand_query`)."""
    n = len(result.library_faces)
    faces = f"the {n} librar{'y face' if n == 1 else 'y faces'} surest to be them"
    text = (f"Searched with this face and {faces} (their average), which finds more of their photos:"
            if result.n_query_faces == 1 else f"With them, {faces}:")  # after the photos' note (`also_photos`)
    return html.Div([
        html.Div(text),
        face_strip(result.library_faces, "find-library-faces"),
    ], id="find-expansion")


def match_tile(m: PhotoMatch) -> dcc.Link:
    """A matching photo with the matched face boxed, its distance and person; opens it on the Photos page."""
    width, height = float(m.width or 1), float(m.height or 1)
    color = person_color(m.person_id)
    box = html.Div(className="face-box", style=box_style(m.box, width, height, color))
    name = m.path.replace("\\", "/").rsplit("/", 1)[-1]
    who = person_label(m.person_id, m.person_name)
    return dcc.Link(
        [
            framed_photo(photo_url(m.photo_id, "thumb"), width, height, [box], name, "200px", "photo-frame find-frame"),
            html.Div([html.Span(name, className="text-truncate"),
                      dbc.Badge(f"{m.distance:.2f}", color="light", text_color="dark",
                                title="distance (lower = closer)")],
                     className="photo-tile-caption d-flex justify-content-between gap-1"),
            html.Div([color_dot(color), who], className="photo-tile-caption text-muted text-truncate"),
        ],
        href=f"/photos?photo={m.photo_id}",
        className="find-tile text-decoration-none text-body",
        title=f"{m.path} — distance {m.distance:.3f}; open on the Photos page",
    )


def matches_grid(matches: Sequence[PhotoMatch], sure_up_to: float, offset: int = 0,
                 limit: int | None = None) -> html.Div:
    """The matching photos `offset` to `offset + limit`, best first; those farther than `sure_up_to` (the
    "stricter" threshold, where about 1 in 100 faces of other people passes) under a "less sure" divider that
    counts all of them: on a large library most strangers that the default lets in are there."""
    shown = matches[offset:] if limit is None else matches[offset:offset + limit]
    n_unsure = sum(m.distance > sure_up_to for m in matches)
    sure = [match_tile(m) for m in shown if m.distance <= sure_up_to]
    unsure = [match_tile(m) for m in shown if m.distance > sure_up_to]
    parts: list[Any] = [html.Div(sure, className="find-grid")] if sure else []
    if unsure:
        parts += [
            html.Div(f"Less sure: {n_unsure} photo{'s' if n_unsure != 1 else ''} less alike than “stricter”; "
                     + ("it may show someone else" if n_unsure == 1 else "some may show someone else"),
                     className="find-less-sure small text-muted"),
            html.Div(unsure, className="find-grid"),
        ]
    return html.Div(parts, id="find-matches")


def video_moments(job_id: int, index: int, video: VideoResult, moments: Sequence[Segment],
                  sure_up_to: float) -> html.Div:
    """One video: a player, its moments (time span, closest frame with the face boxed; those less alike than
    `sure_up_to` marked less sure), each playing the video from its start in the player (assets/find.js), or why
    it could not be read."""
    header = html.Div(
        [html.Strong(video.name), html.Span(
            f" {duration_clock(video.duration)} · a frame every {video.every_s:g} s · "
            f"{len(moments)} moment{'s' if len(moments) != 1 else ''}", className="text-muted small")],
        className="mb-2",
    )
    items = []
    for seg in moments:
        k = next(i for i, s in enumerate(video.samples) if s.time == seg.best_time)
        sample = video.samples[k]
        span = clock(seg.start) if seg.start == seg.end else f"{clock(seg.start)} – {clock(seg.end)}"
        picture = html.Div()
        if sample.thumb and sample.width and sample.height and sample.box:
            box = html.Div(className="face-box", style=box_style(sample.box, sample.width, sample.height, FOCUS_COLOR))
            picture = framed_photo(frame_url(job_id, index, k), sample.width, sample.height, [box],
                              f"frame at {clock(seg.best_time)}", "200px", "photo-frame find-frame")
        # Set apart as the photos are: less alike than "stricter", it may be someone else.
        unsure = html.Span(" · less sure: it may show someone else", className="text-muted fst-italic") \
            if seg.best_distance > sure_up_to else None
        items.append(html.Div(
            [picture, html.Div([_play_from(seg.start, span), html.Span(f" · closest {seg.best_distance:.2f}",
                                                                          className="text-muted"), unsure],
                               className="photo-tile-caption")],
            className="find-tile find-moment" + (" find-less-sure-moment" if unsure else ""),
        ))
    body = html.Div(items, className="find-grid") if items else html.Div(
        "Not seen in this video at this setting.", className="text-muted small")
    error = None
    if video.error:
        what = "Part of this video" if video.samples else "This video"
        error = dbc.Alert(f"{what} could not be read: {video.error}", color="warning",
                          className="py-1 small mt-2")
    # The browser plays what it can decode (H.264 MP4, WebM, ...); for another format assets/find.js shows why not.
    player = html.Div([
        html.Video(src=video_url(job_id, index), controls=True, preload="metadata", className="find-player"),
        html.Div("This browser cannot play this video's format: open the file in a video player to see the moments.",
                 className="find-player-note text-muted small"),
    ], className="mb-2") if video.samples else None
    return html.Div([header, player, body, error], className="mb-3 find-video")


def _play_from(start: float, span: str) -> html.Button:
    """A moment's time span, a button that plays the video from its start in the player above it."""
    icon = html.Span("▶", className="me-1", **{"aria-hidden": "true"})
    return html.Button([icon, html.Strong(span)], type="button", className="btn btn-link p-0 align-baseline find-seek",
                       title=f"Play from {clock(start)}", **{"data-seek": f"{start:g}"})


def threshold_slider(thresholds: MatchThresholds, max_distance: float) -> html.Div:
    """Stricter (fewer, surer matches) to looser (more, some of them strangers): the same-person distance."""
    marks = {thresholds.stricter: "stricter", thresholds.default: "default", thresholds.looser: "looser"}
    return html.Div(
        [
            dbc.Label("How alike must a face be?", html_for="find-threshold", className="small mb-0"),
            dcc.Slider(id="find-threshold", min=round(thresholds.stricter - 0.15, 2), max=max_distance, step=0.01,
                       value=thresholds.default, marks={float(k): v for k, v in marks.items()},
                       tooltip={"placement": "bottom", "template": "distance ≤ {value}"},
                       persistence=True, persistence_type="session"),
        ],
        className="mb-2",
    )


CANCEL_SHOWN, CANCEL_HIDDEN = "mb-3", "d-none"  # classes of the Cancel button while a search runs / not


def find_status(job: dict | None) -> Any:
    """The latest search's state: a progress bar while it runs, the reason when it failed."""
    if job is None:
        return None
    status = job["status"]
    if status in ("queued", "running"):
        done, total = int(job.get("done") or 0), job.get("total")
        pct = min(100.0, 100.0 * done / total) if total else 100.0
        label = job.get("message") or "starting"
        counts = f" · {done} / {total} frames" if job.get("phase") == "video" and total else ""
        return html.Div([
            html.Div(f"Searching: {label}{counts}", className="small mb-1", id="find-status-text"),
            progress_bar(pct, "Search progress", striped=True, animated=True, style={"height": "1rem"}),
        ], className="mb-3")
    if status == "failed":
        return dbc.Alert(f"The search did not work: {job.get('message') or 'unknown error'}", color="danger",
                         id="find-error", className="py-2")
    if status in ("interrupted", "cancelled"):
        return dbc.Alert("The search stopped before the end; start it again.", color="warning", className="py-2")
    return None


def no_search_yet() -> html.Div:
    return empty_state("Who are you looking for?",
                       "Drop a photo of someone on the left: every photo of them in the library shows up here, "
                       "and every moment of the videos you add.")
