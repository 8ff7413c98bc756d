"""Pure Plotly figure builders: arrays in, figures out (no store access)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from dashapp.components import PALETTE, UNSORTED_COLOR, person_color, person_label
from model.attributes import attribute_label

MAX_LEGEND_PEOPLE = 60  # people with their own legend entry on the map; the rest share one trace
# Marker shapes that tell apart the people of one colour on the map (the palette has 20 colours); WebGL draws them all.
MAP_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "triangle-down", "star", "hexagon",
               "pentagon", "hourglass", "triangle-left")
MAX_LEGEND_CHARS = 32  # a longer name is cut short in the map's legend: it took the width of the map from it
N_BINS = 10
# A legend above a chart: anchored at its bottom, the chart's top margin grows to fit its rows. Left to Plotly's
# "auto", a legend at y > 2/3 hangs from its top, over the first bars or the lines near 100%.
_LEGEND_ABOVE = dict(orientation="h", yanchor="bottom", y=1.01, x=0)


_FONT = dict(family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size=12)
_TEMPLATE = "plotly_white"


def plotly_text(text: str) -> str:
    """User text (a person's name) for a figure's labels, legend and hover: Plotly reads some HTML in them and
    fills in %{...} in hover templates, so a name like "Ann</extra>" or "%{y}" would not show as typed."""
    return html.escape(text, quote=False).replace("%", "&#37;")


def legend_name(name: str, limit: int = MAX_LEGEND_CHARS) -> str:
    """A name as a legend shows it: at most `limit` characters, a longer one cut with "…" (hovering a face shows
    it whole)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def person_markers(person_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """A (colour, symbol) for each person, no two the same: the colour is the person's own (as on every page), the
    symbol tells apart those who share it. Beyond 20 people colours repeat, and two people looked like one."""
    taken: set[tuple[str, str]] = set()
    markers = {}
    for pid in sorted(person_ids):  # by id: a person's symbol changes only when one of a lower id joins the legend
        start = PALETTE.index(person_color(pid))
        # The person's colour with the first free symbol; only when all are taken, the next colour's.
        marker = next((PALETTE[(start + i) % len(PALETTE)], symbol) for i in range(len(PALETTE))
                      for symbol in MAP_SYMBOLS if (PALETTE[(start + i) % len(PALETTE)], symbol) not in taken)
        taken.add(marker)
        markers[pid] = marker
    return markers


def _base_layout(fig: go.Figure, height: int | None = None) -> go.Figure:
    fig.update_layout(template=_TEMPLATE, margin=dict(l=10, r=10, t=10, b=10), font=_FONT, height=height)
    return fig


def empty_figure(message: str) -> go.Figure:
    """A blank figure with a centred message (for empty states inside a graph)."""
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14, color="#6c757d"), x=0.5, y=0.5,
                       xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _base_layout(fig, 300)


class BinaryArray(np.ndarray):
    """A numpy array that goes to the browser as a binary typed array (base64, which plotly.js reads) rather than a
    JSON list: Dash writes a plain figure's arrays number by number, ~19 characters a coordinate, and the map of
    20,000 faces was 0.9-1.3 MB. Elsewhere it is the array it views."""

    _TYPES = {"float32": "f4", "int16": "i2"}

    def to_plotly_json(self) -> dict:
        return {"dtype": self._TYPES[self.dtype.name], "bdata": base64.b64encode(np.ascontiguousarray(self)).decode()}


def binary(values: np.ndarray, dtype: type) -> BinaryArray:
    """`values` as a `BinaryArray` of `dtype` (float32 or int16)."""
    return np.asarray(values, dtype).view(BinaryArray)


def map_figure(
    face_ids: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    person_ids: np.ndarray,
    people: Mapping[int, tuple[str | None, bool]],
    color_values: np.ndarray | None = None,
    color_title: str = "",
    selected: np.ndarray | None = None,
) -> dict:
    """The face map (WebGL). Coloured by person (one trace per large person) or by `color_values` (0..1); the
    faces where `selected` (a mask) is true shown selected, as a lasso leaves them.

    Every point's customdata is its face id; hover text is left to the page's tooltip. Returned as a
    plain figure dict: with 50k points, plotly's per-property validation would cost more than the
    query. The coordinates and colours go to the browser as binary typed arrays (`BinaryArray`; float32, as the
    projection made them); the face ids as a list, as Dash reads a hovered or selected point's customdata from the
    figure as sent.
    """
    traces: list[dict] = []
    x, y = binary(x, np.float32), binary(y, np.float32)
    # Bigger dots for small albums, small ones when there are tens of thousands.
    size = 9 if len(face_ids) < 2_000 else 6 if len(face_ids) < 20_000 else 4

    def trace(mask: np.ndarray, name: str, marker: dict) -> dict:
        shown = dict(type="scattergl", mode="markers", x=x[mask], y=y[mask], customdata=face_ids[mask],
                     name=plotly_text(name), hoverinfo="none", marker=marker)
        if selected is not None:
            shown["selectedpoints"] = np.flatnonzero(selected[mask]).tolist()
        return shown

    if color_values is not None:
        everything = np.ones(len(face_ids), bool)
        traces.append(trace(everything, color_title, dict(
            size=size, color=binary(color_values, np.float32), colorscale="Viridis", cmin=0, cmax=1, opacity=0.8,
            colorbar=dict(title=dict(text=attribute_label(color_title)), thickness=12))))
    else:
        unsorted = person_ids < 0
        if unsorted.any():
            traces.append(trace(unsorted, "Unsorted", dict(size=max(3, size - 1), color=UNSORTED_COLOR, opacity=0.6)))
        ids, counts = np.unique(person_ids[~unsorted], return_counts=True)
        # Named people first, then the largest groups, get their own trace and legend entry.
        order = sorted(zip(ids.tolist(), counts.tolist()),
                       key=lambda t: (people.get(t[0], (None, False))[0] is None, -t[1], t[0]))
        own = [pid for pid, _ in order[:MAX_LEGEND_PEOPLE]]
        markers = person_markers(own)
        for pid in own:
            label, hidden = people.get(pid, (None, False))
            name = legend_name(person_label(pid, label)) + (" · hidden" if hidden else "")  # as the dropdowns say
            color, symbol = markers[pid]
            traces.append(trace(person_ids == pid, name, dict(size=size, color=color, symbol=symbol, opacity=0.85)))
        rest = ~unsorted & ~np.isin(person_ids, own)
        if rest.any():
            # Colour index per point through a stepped colour scale: a numeric array keeps 50k points
            # fast to build and to send, and each group keeps its colour (person_color = PALETTE[id % n]).
            # Open rings, fainter: never taken for a person of the legend, who has the same colours filled.
            n = len(PALETTE)
            scale = [[edge, PALETTE[i]] for i in range(n) for edge in (i / n, (i + 1) / n)]
            traces.append(trace(rest, "Other groups", dict(
                size=size, color=binary(person_ids[rest] % n, np.int16), colorscale=scale, cmin=-0.5, cmax=n - 0.5,
                symbol="circle-open", opacity=0.6)))
    layout = dict(
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(l=10, r=10, t=40, b=10),  # room for the mode bar above the legend
        font=_FONT,
        xaxis=dict(visible=False),
        yaxis=dict(visible=False, scaleanchor="x"),
        dragmode="lasso",
        legend=dict(itemsizing="constant"),
        uirevision="map",
        clickmode="event+select",
    )
    if selected is not None:
        layout["selections"] = []  # a lasso's outline, kept by uirevision, would select its own faces again
    return {"data": traces, "layout": layout}


def prevalence_figure(
    names: Sequence[str], album: np.ndarray, person: np.ndarray | None = None, person_name: str = ""
) -> go.Figure:
    """Expected share of faces with each attribute (the mean probability): the album, and a person beside it."""
    labels = [attribute_label(n) for n in names]
    order = np.argsort(album)
    fig = go.Figure(go.Bar(y=[labels[i] for i in order], x=album[order], orientation="h", name="Album",
                           marker_color="#adb5bd", hovertemplate="%{y}: %{x:.0%} of faces<extra>Album</extra>"))
    if person is not None:
        shown = plotly_text(person_name)
        # A long name cut short in the legend: in full it took two rows, over the chart's first bars.
        fig.add_trace(go.Bar(y=[labels[i] for i in order], x=person[order], orientation="h",
                             name=plotly_text(legend_name(person_name)), marker_color="#0d6efd",
                             hovertemplate="%{y}: %{x:.0%} of faces<extra>" + shown + "</extra>"))
    fig.update_layout(barmode="group", xaxis=dict(tickformat=".0%", range=[0, 1]), legend=_LEGEND_ABOVE)
    return _base_layout(fig, 820)


def distribution_figure(names: Sequence[str], matrix: np.ndarray) -> go.Figure:
    """Heat map: for each attribute, the share of faces in each probability bin (0–0.1 … 0.9–1)."""
    labels = [attribute_label(n) for n in names]
    if len(matrix) == 0:
        return empty_figure("No faces")
    edges = np.linspace(0, 1, N_BINS + 1)
    hist = np.stack([np.histogram(matrix[:, j], bins=edges)[0] for j in range(matrix.shape[1])]).astype(float)
    hist /= max(1, len(matrix))
    bins = [f"{edges[i]:.1f}–{edges[i + 1]:.1f}" for i in range(N_BINS)]
    fig = go.Figure(go.Heatmap(z=hist, x=bins, y=labels, colorscale="Blues", zmin=0,
                               hovertemplate="%{y}, p in %{x}: %{z:.0%} of faces<extra></extra>",
                               colorbar=dict(tickformat=".0%", thickness=12)))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text="probability")
    return _base_layout(fig, 820)


def trend_figure(years: np.ndarray, names: Sequence[str], means: np.ndarray, counts: np.ndarray) -> go.Figure:
    """The expected share of faces with each attribute (mean probability), year by year; `means` is
    (years, attributes)."""
    fig = go.Figure()
    for j, name in enumerate(names):
        fig.add_trace(go.Scatter(
            x=years, y=means[:, j], mode="lines+markers", name=attribute_label(name),
            line=dict(color=PALETTE[j % len(PALETTE)]), customdata=counts,
            hovertemplate="%{x}: %{y:.0%} of %{customdata} faces<extra>" + attribute_label(name) + "</extra>",
        ))
    fig.update_layout(yaxis=dict(tickformat=".0%", range=[0, 1], title="faces with it"),
                      xaxis=dict(dtick=1, tickformat="d", title="year taken"), legend=_LEGEND_ABOVE)
    return _base_layout(fig, 360)


def compare_figure(names: Sequence[str], people_labels: Sequence[str], means: np.ndarray, note: str = "") -> go.Figure:
    """Heat map of each person's mean attribute probabilities, people side by side; `note` under it (e.g. who
    was left out)."""
    if len(people_labels) == 0:
        return empty_figure("No people to compare yet")
    labels = [attribute_label(n) for n in names]
    # Columns by position, each labelled with its name cut short (a long one took half the chart's width and
    # height): names as categories would make one column of two names cut alike, and a number of "2019" and "2020".
    columns = list(range(len(people_labels)))
    full = np.array([[plotly_text(p) for p in people_labels]] * len(labels))
    fig = go.Figure(go.Heatmap(z=means.T, x=columns, y=labels, customdata=full, colorscale="RdBu_r", zmin=0, zmax=1,
                               hovertemplate="%{customdata} · %{y}: %{z:.2f}<extra></extra>", colorbar=dict(thickness=12)))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top", tickmode="array", tickvals=columns,
                     ticktext=[plotly_text(legend_name(p)) for p in people_labels])
    if note:
        fig.add_annotation(text=plotly_text(note), showarrow=False, font=dict(size=12, color="#6c757d"), x=0, y=0,
                           xref="paper", yref="paper", xanchor="left", yanchor="top", yshift=-8)
    return _base_layout(fig, 820)
