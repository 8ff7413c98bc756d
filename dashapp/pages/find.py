"""Find a person page: a photo of someone in (or a few); every photo and video moment they appear in out."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import page_header
from dashapp.find_view import CANCEL_HIDDEN
from dashapp.uploads import MAX_UPLOAD_BYTES
from dashapp.url_ids import parse_id

dash.register_page(__name__, path="/find", name="Find a person", title="Find a person · Face Album", order=5)

_MB = MAX_UPLOAD_BYTES // (1024 * 1024)


def _upload_zone(component_id: str, multiple: bool, prompt: str, accepted: str) -> dcc.Upload:
    """A dashed drop zone for files."""
    return dcc.Upload(
        id=component_id,
        multiple=multiple,
        children=html.Div([html.Div(prompt), html.Div(accepted, className="small text-muted")]),
        className="upload-zone",
    )


def layout(person: str | None = None, **_query) -> html.Div:
    """`?person=ID` (a person card's Find link) starts a search for that person."""
    return html.Div(
        [
            page_header("Find a person", "Give a photo of someone (or a few): see every photo, and every moment of a "
                                         "video, they appear in."),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    dbc.Label("A photo of the person"),
                                    _upload_zone("find-upload", True, "Drop a photo here, or click to choose",
                                                 f"JPEG, PNG, WebP, HEIC… up to {_MB} MB at a time. A few photos of the "
                                                 "same person find more of their photos."),
                                    # Focusable by script: it keeps the focus while a face chosen in its photo
                                    # is searched for (assets/find.js).
                                    html.Div(id="find-query", className="mt-3", tabIndex=-1),
                                    html.Div(id="find-query-hint", className="small text-muted mt-1"),
                                    dbc.Label("Also look through videos (optional)", className="mt-3"),
                                    _upload_zone("find-video-upload", True, "Drop videos here, or click to choose",
                                                 f"MP4, MOV, MKV, WebM, AVI… up to {_MB} MB at a time"),
                                    html.Div(id="find-videos", className="small text-muted mt-1"),
                                    dcc.Loading(
                                        dbc.Alert(id="find-message", is_open=False, dismissable=True,
                                                  className="mt-3 mb-0"),
                                        type="dot",
                                    ),
                                ]
                            ),
                        ),
                        lg=4, className="mb-3",
                    ),
                    dbc.Col(
                        [html.Div(id="find-status"),
                         dbc.Button("Cancel search", id="find-cancel", color="outline-danger", size="sm", n_clicks=0,
                                    className=CANCEL_HIDDEN),
                         html.Div(id="find-results")],
                        lg=8,
                    ),
                ]
            ),
            dcc.Store(id="find-job-state"),
            dcc.Store(id="find-upload-limit", data=MAX_UPLOAD_BYTES),  # what one drop may hold (assets/uploads.js)
            dcc.Store(id="find-upload-go"),  # set by the browser when a drop of photos is small enough to send
            dcc.Store(id="find-video-upload-go"),  # and of videos
            dcc.Store(id="find-from-person", data=parse_id(person)),
            dcc.Store(id="find-address-tidied"),  # set once the person's id left the address (assets/find.js)
            dcc.Interval(id="find-poll", interval=1000),
        ]
    )
