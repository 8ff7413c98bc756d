"""Map page: the UMAP scatter of all faces, hover thumbnails, lasso selection -> assign to a person."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import NO_TOAST, TOAST, UNDO_HINT, Library, clicked, info, library, move_faces, ok, refused
from dashapp import components as C
from dashapp import job_runner
from dashapp.figures import empty_figure, map_figure
from model.attributes import ATTRIBUTE_NAMES, attribute_label


@dash.callback(Output("map-target", "options"), Output("map-pick", "options"), Input("map-version", "data"),
              Input("map-init", "data"))
def map_options(_version: int, _init: int = 0):
    """The people selected faces can be given to, and the people (and Unsorted) whose faces can be selected."""
    options = C.dropdown_options(library().queries.people_options(), for_moving=True)
    return options, [o for o in options if o["value"] != "ignored"]  # set-aside faces are not on the map


def _being_computed() -> html.Div:
    return C.empty_state("The map is being computed", "It appears here when the photos being added or "
                         "clustered now are done.")


GRAPH_STYLE = {"height": "70vh"}


@dash.callback(
    Output("map-graph", "figure"),
    Output("map-graph", "style"),
    Output("map-empty", "children"),
    Output("map-poll", "disabled"),
    Input("map-color", "value"),
    Input("map-version", "data"),
    Input("map-pick", "value"),
)
def render_map(color: str | None, _version: int, person=None):
    """All projected faces, coloured by person or by one attribute's probability; those of the `person` chosen in
    the menu shown selected."""
    lib = library()
    points = lib.queries.map_points()
    if len(points["face_ids"]) == 0:
        computing = False
        if lib.queries.n_faces_total() == 0:
            empty = C.empty_state("No faces yet", "Add photos on the Library page; the map shows every face.",
                                  "/library", "Go to the Library")
        elif lib.queries.n_faces_total(ignored=False) == 0:
            empty = C.empty_state("Every face is set aside", "Ignored faces are left out of the map; move some "
                                  "back to a person or to Unsorted on the People page.", "/", "Go to People")
        elif job_runner.clustering_running(lib):
            empty, computing = _being_computed(), True
        else:  # e.g. photos added with `app.py ingest --no-cluster`, or a clustering that failed
            last = lib.store.jobs.latest("cluster", limit=1)
            failed = [dbc.Alert(f"The last try did not finish: {last[0].message}", color="warning", className="py-2")
                      ] if last and last[0].status in ("failed", "interrupted") else []
            empty = C.empty_state(
                "No map yet", "The map is made when the faces are clustered into people, at the end of adding "
                "photos. Make it now: names and corrections are kept.",
                actions=[*failed, dbc.Button("Compute the map", id="map-compute", color="primary", size="sm", n_clicks=0)],
            )
        return empty_figure("Nothing to show yet"), {"display": "none"}, empty, not computing
    note, computing = _faces_off_the_map(lib, lib.queries.n_faces_total(ignored=False) - len(points["face_ids"]))
    values = None
    if color in ATTRIBUTE_NAMES:
        ids, matrix = lib.queries.attribute_matrix()
        values = matrix[:, ATTRIBUTE_NAMES.index(color)][np.searchsorted(ids, points["face_ids"])]
    fig = map_figure(points["face_ids"], points["x"], points["y"], points["person_ids"], points["people"],
                     values, color if values is not None else "",
                     selected=_faces_of(points, person) if person is not None else None)
    return fig, GRAPH_STYLE, note, not computing


def _faces_off_the_map(lib: Library, n: int) -> tuple[dbc.Alert | None, bool]:
    """A note over the map for the `n` faces it does not show yet, and whether to poll for the map that places them.

    Faces added with `ingest --no-cluster`, or by an ingest whose clustering was cancelled or failed, have no place
    on the last map: without a word the map looked complete, and "Compute the map" showed only on a library with
    no map at all.
    """
    if n <= 0:
        return None, False
    faces = f"{n:,} face{'s are' if n != 1 else ' is'}"
    if job_runner.clustering_running(lib):
        return dbc.Alert(f"{faces} not on the map yet: they appear when the photos being added or clustered now "
                         "are done.", color="info", className="py-2 mb-2"), True
    return dbc.Alert(
        [f"{faces} not on the map yet (added since it was made). ",
         dbc.Button("Compute the map", id="map-compute", color="primary", size="sm", n_clicks=0, className="ms-2")],
        color="warning", className="py-2 mb-2 d-flex align-items-center flex-wrap"), False


@dash.callback(
    *TOAST,
    Output("map-empty", "children", allow_duplicate=True),
    Output("map-poll", "disabled", allow_duplicate=True),
    Input("map-compute", "n_clicks"),
    prevent_initial_call=True,
)
def map_compute(n: int | None):
    """Cluster the library (and so make its map) in a job process."""
    if not (n and clicked()):
        return *NO_TOAST, no_update, no_update
    try:
        job_runner.start_cluster(library())
    except job_runner.JobRefused as exc:
        return *refused(str(exc)), no_update, no_update
    return *info("Clustering the faces and computing the map…", "Map"), _being_computed(), False


@dash.callback(
    Output("map-version", "data", allow_duplicate=True),
    Output("map-poll", "disabled", allow_duplicate=True),
    Input("map-poll", "n_intervals"),
    State("map-version", "data"),
    prevent_initial_call=True,
)
def map_poll(_n: int, version: int | None):
    """While the map is being computed: show it once the job is over (or say why not)."""
    if job_runner.clustering_running(library()):
        return no_update, no_update
    return (version or 0) + 1, True


@dash.callback(
    Output("map-tooltip", "show"),
    Output("map-tooltip", "bbox"),
    Output("map-tooltip", "children"),
    Input("map-graph", "hoverData"),
    State("map-color", "value"),
)
def map_hover(hover: dict | None, color: str | None):
    """The hovered face's thumbnail and name; with the map coloured by an attribute, the face's probability of it."""
    if not hover or not hover.get("points"):
        return False, no_update, no_update
    point = hover["points"][0]
    face_id = point.get("customdata")
    if isinstance(face_id, list):
        face_id = face_id[0]
    if face_id is None:
        return False, no_update, no_update
    face = library().queries.face_detail(int(face_id))
    if face is None:
        return False, no_update, no_update
    label = C.person_label(face["person_id"], face["name"])
    card = html.Div(
        [html.Img(src=C.face_url(face["face_id"]), alt=label),
         html.Div([C.color_dot(C.person_color(face["person_id"])), label], className="small fw-semibold",
                  id="map-hover-name"),
         html.Div(f"{attribute_label(color)}: {face['attributes'][ATTRIBUTE_NAMES.index(color)]:.0%}",
                  className="small", id="map-hover-value") if color in ATTRIBUTE_NAMES else None],
        className="map-hover",
    )
    return True, point.get("bbox"), card


@dash.callback(
    Output("map-selection", "data"),
    Output("map-sel-info", "children"),
    Output("map-assign", "disabled"),
    Output("map-pick", "value"),
    Input("map-graph", "selectedData"),
    Input("map-pick", "value"),
    prevent_initial_call=True,
)
def map_select(selected: dict | None, person):
    """Remember the selected faces (ids only): those lasso/box-selected on the map, or a person's chosen in the menu
    (from the keyboard: the lasso needs a mouse; `render_map` shows them selected). A selection on the map clears
    the menu, which no longer says what is selected."""
    if ctx.triggered_id == "map-pick":
        points = library().queries.map_points()
        ids = points["face_ids"][_faces_of(points, person)].tolist() if person is not None else []
    elif person is not None and not (selected or {}).get("points"):
        # The map drawn with the person's faces selected drops a lasso's outline, and says so: nothing changed.
        return no_update, no_update, no_update, no_update
    else:
        ids = sorted({int(p["customdata"][0] if isinstance(p.get("customdata"), list) else p["customdata"])
                      for p in (selected or {}).get("points", []) if p.get("customdata") is not None})
    info = f"{len(ids)} face{'s' if len(ids) != 1 else ''} selected" if ids else C.MAP_SELECT_HINT
    return ids, info, not ids, no_update if ctx.triggered_id == "map-pick" or person is None else None


def _faces_of(points: dict, person) -> np.ndarray:
    """Which of the map's `points` (`map_points`) are `person`'s (an id, or "unsorted")."""
    return points["person_ids"] < 0 if person == "unsorted" else points["person_ids"] == int(person)


@dash.callback(
    *TOAST,
    Output("map-version", "data"),
    Output("map-new", "value"),
    Output("map-pick", "value", allow_duplicate=True),
    Input("map-assign", "n_clicks"),
    State("map-selection", "data"),
    State("map-target", "value"),
    State("map-new", "value"),
    State("map-version", "data"),
    prevent_initial_call=True,
)
def map_assign(n: int | None, selected: list | None, target, new_name: str | None, version: int):
    """Give the selected faces to a person (or a new name, or Unsorted); a person's faces chosen in the menu are
    then theirs no more: the menu is cleared."""
    if not (n and clicked()):
        return *NO_TOAST, no_update, no_update, no_update
    if not selected:
        return *refused("Select faces on the map first (lasso or box tool)."), no_update, no_update, no_update
    try:
        message = move_faces(library(), [int(f) for f in selected], target, new_name)
    except ValueError as exc:
        return *refused(str(exc)), no_update, no_update, no_update
    return *ok(message + UNDO_HINT), (version or 0) + 1, "", None
