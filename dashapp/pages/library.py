"""Library page: add a folder or upload photos, follow the ingest, check or remove the library's folders, see
per-file errors."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import page_header
from dashapp.uploads import MAX_UPLOAD_BYTES

dash.register_page(__name__, path="/library", name="Library", title="Library · Face Album", order=4)


def _stat(label: str, id_: str) -> dbc.Col:
    return dbc.Col(
        dbc.Card(dbc.CardBody([html.Div("–", id=id_, className="stat-value"), html.Div(label, className="small text-muted")])),
        xs=6, md=3, className="mb-3",
    )


def _header_with_button(title: str, button: dbc.Button) -> dbc.CardHeader:
    return dbc.CardHeader(html.Div([html.Span(title), button],
                                   className="d-flex justify-content-between align-items-center"))


layout = html.Div(
    [
        page_header("Library", "Add photos; faces are found and grouped into people in the background."),
        dbc.Row([_stat("photos", "lib-n-photos"), _stat("faces", "lib-n-faces"), _stat("people", "lib-n-people"),
                 _stat("unreadable files", "lib-n-errors")]),
        dbc.Alert(
            [html.Span(id="lib-outdated-text"),
             dbc.Button("Update faces", id="lib-update-model", color="primary", size="sm", n_clicks=0,
                        className="ms-3 flex-shrink-0")],
            id="lib-outdated", color="info", is_open=False,
            className="d-flex justify-content-between align-items-center",
        ),
        dbc.Row(
            [
                dbc.Col(
                    dbc.Card(
                        [
                            dbc.CardHeader("Add photos"),
                            dbc.CardBody(
                                [
                                    dbc.Label("A folder on this computer", html_for="lib-path"),
                                    dbc.InputGroup(
                                        [
                                            dbc.Input(id="lib-path", placeholder="/home/me/Pictures", type="text",
                                                      autoComplete="off"),
                                            dbc.Button("Add folder", id="lib-add-folder", color="primary", n_clicks=0),
                                        ],
                                        className="mb-1",
                                    ),
                                    html.Div("Subfolders are included; photos already in the library are skipped.",
                                             className="form-text mb-3"),
                                    dbc.Label("Or upload photos or a .zip"),
                                    dcc.Upload(
                                        id="lib-upload",
                                        multiple=True,
                                        children=html.Div(
                                            [html.Div("Drop photos or a zip here, or click to choose"),
                                             html.Div(f"JPEG, PNG, WebP, HEIC, TIFF… up to "
                                                      f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB at a time; for more, "
                                                      "add their folder above",
                                                      className="small text-muted")]
                                        ),
                                        className="upload-zone",
                                    ),
                                    dcc.Loading(
                                        dbc.Alert(id="lib-add-result", is_open=False, dismissable=True,
                                                  className="mt-3 mb-0"),
                                        type="dot",
                                    ),
                                ]
                            ),
                        ],
                        className="h-100",
                    ),
                    lg=6, className="mb-3",
                ),
                dbc.Col(
                    dbc.Card(
                        [
                            _header_with_button("Current ingest", dbc.Button(
                                "Cancel", id="lib-cancel", color="outline-danger", size="sm", n_clicks=0, disabled=True)),
                            dbc.CardBody(html.Div(id="lib-progress")),
                        ],
                        className="h-100",
                    ),
                    lg=6, className="mb-3",
                ),
            ]
        ),
        dbc.Card(
            [
                _header_with_button("Folders", dbc.Button(
                    "Check for new photos", id="lib-check-all", color="outline-primary", size="sm", n_clicks=0,
                    disabled=True)),
                dbc.CardBody(
                    [html.Div("The library remembers every folder you add. Check them again to add new photos, "
                              "update changed ones and let deleted ones go.", className="form-text mt-0 mb-2"),
                     html.Div(id="lib-folders")]
                ),
            ],
            className="mb-3",
        ),
        dbc.Card([dbc.CardHeader("Files that could not be read"), dbc.CardBody(html.Div(id="lib-errors"))]),
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Cancel the ingest?", id="lib-cancel-title")),
                dbc.ModalBody("Photos analysed so far stay in the library; the rest are picked up next time."),
                dbc.ModalFooter([dbc.Button("Keep going", id="lib-cancel-no", color="secondary", n_clicks=0),
                                 dbc.Button("Cancel ingest", id="lib-cancel-yes", color="danger", n_clicks=0)]),
            ],
            id="lib-cancel-modal",
            labelledby="lib-cancel-title",  # the dialog is announced by its title
            is_open=False,
        ),
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Remove this folder from the library?", id="lib-remove-title")),
                dbc.ModalBody(id="lib-remove-text"),
                dbc.ModalFooter([dbc.Button("Keep it", id="lib-remove-no", color="secondary", n_clicks=0),
                                 dbc.Button("Remove from library", id="lib-remove-yes", color="danger", n_clicks=0)]),
            ],
            id="lib-remove-modal",
            labelledby="lib-remove-title",  # the dialog is announced by its title
            is_open=False,
        ),
        dcc.Store(id="lib-remove-folder-id"),
        dcc.Store(id="lib-upload-limit", data=MAX_UPLOAD_BYTES),  # what one drop may hold (assets/uploads.js)
        dcc.Store(id="lib-upload-go"),  # set by the browser when a drop is small enough to send
        dcc.Store(id="lib-job-state"),
        dcc.Interval(id="lib-poll", interval=1000),
    ]
)
