"""FaceGrid: face crops drawn in the browser as one Dash component (its code: `assets/face_grid.js`).

A page shows hundreds of crops, and Dash's renderer does work for every component at every change; one component
per grid instead of one per crop made the People page redraw in half the time.
"""

from __future__ import annotations

from typing import Any, TypedDict

from dash.development.base_component import Component


class Face(TypedDict, total=False):
    """One tile: the face's id, its crop's URL, the words a pointer and a screen reader get, and an optional
    caption drawn over the crop's bottom edge."""

    fid: int
    src: str
    title: str
    caption: str


class FaceGrid(Component):
    """A grid of face tiles (`div.face-grid` of `div.face-tile[data-fid]`), or `empty_text` when there are none;
    `className`: more classes for it. Given `n_clicks` (and an `id`), a click on a tile sets `clicked_face` and
    counts `n_clicks`, for a callback to read; not otherwise (a click on People selects the face in the browser, and
    a prop set for no callback still costs the page's every component a look)."""

    _namespace = "face_album"  # the browser's `window.face_album.FaceGrid`
    _type = "FaceGrid"
    _children_props: list[str] = []
    _base_nodes: list[str] = []

    def __init__(self, faces: list[Face] | None = None, empty_text: str | None = None, id: Any = None,
                 className: str | None = None, clicked_face: int | None = None, n_clicks: int | None = None):
        self._prop_names = ["id", "faces", "empty_text", "className", "clicked_face", "n_clicks"]
        self._valid_wildcard_attributes: list[str] = []
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties: list[str] = []
        given = dict(faces=faces, empty_text=empty_text, id=id, className=className, clicked_face=clicked_face,
                     n_clicks=n_clicks)
        super().__init__(**{name: value for name, value in given.items() if value is not None})
