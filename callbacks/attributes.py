"""Attributes page: distributions for the album and a person, people side by side, faces by thresholds."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, ctx, html, no_update

from callbacks.common import library, page_offset, pager_style
from dashapp import components as C
from dashapp.figures import compare_figure, distribution_figure, empty_figure, prevalence_figure, trend_figure
from model.attributes import ATTRIBUTE_NAMES

FILTER_PAGE_SIZE = 48
DEFAULT_COMPARE = 8


@dash.callback(
    Output("attr-person", "options"),
    Output("attr-compare", "options"),
    Input("attr-version", "data"),
)
def attribute_options(_version: int):
    """People for the dropdowns."""
    people = C.dropdown_options(library().queries.people_options())
    return people, people


def _person_mask(person_id: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    lib = library()
    ids, matrix = lib.queries.attribute_matrix()
    if person_id is None:
        return ids, matrix, None
    return ids, matrix, lib.queries.assignment_vector(ids) == int(person_id)


@dash.callback(
    Output("attr-prevalence", "figure"),
    Output("attr-distribution", "figure"),
    Output("attr-dist-title", "children"),
    Input("attr-person", "value"),
)
def render_overview(person_id: int | None):
    """Expected share of faces with each attribute (album vs. person) and the probability distribution.

    The share is the mean probability: on held-out CelebA faces it lands within 1 point of the labelled
    share on average, where counting faces above 0.5 is off by 11 (rare attributes are over-called).
    """
    ids, matrix, mask = _person_mask(person_id)
    if len(ids) == 0:
        empty = empty_figure("No faces yet — add photos on the Library page")
        return empty, empty, "Distribution of each attribute"
    album = matrix.mean(axis=0)
    if mask is None or not mask.any():
        # The album alone; a person without faces is named, so their choice is not read as the album's numbers.
        gone = f" ({_no_faces_note([_label(person_id)])})" if mask is not None else ""
        return prevalence_figure(ATTRIBUTE_NAMES, album), distribution_figure(ATTRIBUTE_NAMES, matrix), \
            f"Distribution of each attribute · album{gone}"
    label = _label(person_id)
    own = matrix[mask].mean(axis=0)
    return (prevalence_figure(ATTRIBUTE_NAMES, album, own, label),
            distribution_figure(ATTRIBUTE_NAMES, matrix[mask]),
            f"Distribution of each attribute · {label}")


@dash.callback(Output("attr-compare-graph", "figure"), Input("attr-compare", "value"), Input("attr-version", "data"))
def render_compare(people: list | None, _version: int):
    """Mean attribute probabilities of several people, side by side (default: the largest groups); a person
    chosen who has no faces (any more) is left out with a note, never drawn as zeros."""
    lib = library()
    options = lib.queries.people_options()
    by_id = {p["id"]: p for p in options}
    chosen = [int(p) for p in (people or []) if int(p) in by_id]
    if not chosen:
        chosen = [p["id"] for p in sorted(options, key=lambda p: -p["n_faces"])[:DEFAULT_COMPARE] if p["n_faces"]]
    if not chosen:
        return empty_figure("No people to compare yet")
    ids, matrix = lib.queries.attribute_matrix()
    owners = lib.queries.assignment_vector(ids)
    shown = [pid for pid in chosen if (owners == pid).any()]
    note = _no_faces_note([C.person_label(pid, by_id[pid]["name"]) for pid in chosen if pid not in shown])
    if not shown:
        return empty_figure(note)
    means = np.stack([matrix[owners == pid].mean(axis=0) for pid in shown])
    labels = [C.person_label(pid, by_id[pid]["name"]) for pid in shown]
    return compare_figure(ATTRIBUTE_NAMES, labels, means, note)


def _no_faces_note(labels: list[str]) -> str:
    """Who is left out of a chart for having no faces ('' when nobody is)."""
    if not labels:
        return ""
    who = ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
    return f"{who} {'has' if len(labels) == 1 else 'have'} no faces, so nothing to show for them."


def _label(person_id: int) -> str:
    person = library().queries.person(int(person_id))
    return C.person_label(int(person_id), person["name"] if person else None)


@dash.callback(Output("attr-trend", "figure"), Input("attr-person", "value"), Input("attr-trend-names", "value"))
def render_trend(person_id: int | None, names: list | None):
    """How common the chosen attributes are year by year (from the photos' EXIF dates), in the album or for
    the chosen person."""
    chosen = [n for n in (names or []) if n in ATTRIBUTE_NAMES]
    if not chosen:
        return empty_figure("Choose attributes to follow over the years")
    ids, matrix, mask = _person_mask(person_id)
    if mask is not None and not mask.any():  # not the album's trend under their name
        return empty_figure(_no_faces_note([_label(person_id)]))
    if mask is not None:
        ids, matrix = ids[mask], matrix[mask]
    dated_ids, face_years = library().queries.face_years()
    pos = np.searchsorted(dated_ids, ids)
    dated = pos < len(dated_ids)
    dated[dated] = dated_ids[pos[dated]] == ids[dated]
    if not dated.any():
        return empty_figure("No photo with a date taken (EXIF) yet")
    years, which, counts = np.unique(face_years[pos[dated]], return_inverse=True, return_counts=True)
    columns = [ATTRIBUTE_NAMES.index(n) for n in chosen]
    sums = np.zeros((len(years), len(columns)))
    np.add.at(sums, which, matrix[dated][:, columns])
    return trend_figure(years, chosen, sums / counts[:, None], counts)


def filter_faces(rules: list[tuple[str | None, str, float]]) -> np.ndarray:
    """Ids of faces meeting every (attribute, '>=' or '<=', threshold) rule, strongest first by the first rule."""
    ids, matrix = library().queries.attribute_matrix()
    keep = np.ones(len(ids), bool)
    used = [(ATTRIBUTE_NAMES.index(n), op, float(v)) for n, op, v in rules if n in ATTRIBUTE_NAMES and v is not None]
    for j, op, v in used:
        keep &= matrix[:, j] >= v if op == ">=" else matrix[:, j] <= v
    if not used:
        return ids[keep]
    j, op, _ = used[0]
    order = np.argsort(-matrix[keep, j] if op == ">=" else matrix[keep, j], kind="stable")
    return ids[keep][order]


@dash.callback(
    Output("attr-filter-grid", "children"),
    Output("attr-filter-pager", "max_value"),
    Output("attr-filter-pager", "active_page"),
    Output("attr-filter-pager", "style"),
    Output("attr-filter-count", "children"),
    Input("attr-rule1-name", "value"), Input("attr-rule1-op", "value"), Input("attr-rule1-value", "value"),
    Input("attr-rule2-name", "value"), Input("attr-rule2-op", "value"), Input("attr-rule2-value", "value"),
    Input("attr-filter-pager", "active_page"),
)
def render_filter(n1, op1, v1, n2, op2, v2, page: int | None):
    """Faces meeting the attribute thresholds; click one for its details."""
    if ctx.triggered_id != "attr-filter-pager":
        page = 1
    found = filter_faces([(n1, op1 or ">=", v1), (n2, op2 or ">=", v2)])
    start = page_offset(page, FILTER_PAGE_SIZE)
    tiles = [C.face_tile(int(f), title=f"Face {f}: click for details") for f in found[start:start + FILTER_PAGE_SIZE]]
    pages = C.n_pages(len(found), FILTER_PAGE_SIZE)
    empty = "No face matches these thresholds."
    if not len(found) and not len(library().queries.attribute_matrix()[0]):  # no threshold is to blame
        empty = "No faces yet — add photos on the Library page."
    grid = C.face_grid(tiles, empty, grid_id="attr-filter-faces", report_clicks=True)
    return grid, pages, page or 1, pager_style(pages), f"{len(found):,} face{'s' if len(found) != 1 else ''}"


def face_detail_view(face_id: int) -> html.Div:
    """One face: crop, person, photo link and its ten most probable attributes."""
    face = library().queries.face_detail(int(face_id))
    if face is None:
        return html.Div("This face is no longer in the library.")
    order = np.argsort(-face["attributes"])[:10]
    top = [(ATTRIBUTE_NAMES[i], float(face["attributes"][i])) for i in order]
    label = C.person_label(face["person_id"], face["name"])
    return dbc.Row(
        [
            dbc.Col([html.Img(src=C.face_url(face["face_id"]), className="rounded mb-2", width=160, height=160,
                              alt="the face"),
                     html.Div([C.color_dot(C.person_color(face["person_id"])), html.Strong(label)]),
                     html.Div(f"detector score {face['score']:.2f}", className="small text-muted"),
                     dbc.Button("Open photo", href=f"/photos?photo={face['photo_id']}", size="sm", color="link",
                                className="px-0 d-block text-start"),
                     # Who the face is, beyond a name: "Person 41" alone led nowhere.
                     dbc.Button("All their photos", href=f"/photos?person={face['person_id']}", size="sm",
                                color="link", className="px-0 d-block text-start") if face["person_id"] is not None else None],
                    md=4),
            dbc.Col([html.H6("Top 10 attributes"), C.top_attributes_list(top)], md=8, id="attr-top10"),
        ]
    )


@dash.callback(
    Output("attr-face-modal", "is_open"),
    Output("attr-face-body", "children"),
    Input("attr-filter-faces", "n_clicks"),
    State("attr-filter-faces", "clicked_face"),
    prevent_initial_call=True,
)
def open_face_detail(n_clicks: int | None, face_id: int | None):
    """Show a clicked face's details."""
    if not n_clicks or face_id is None:
        return no_update, no_update
    return True, face_detail_view(int(face_id))
