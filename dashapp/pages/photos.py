"""Photos page: who is in this photo; filter by people; click a face box to say who it is."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import export_link, page_header, pager
from dashapp.url_ids import parse_id, parse_ids

dash.register_page(__name__, path="/photos", name="Photos", title="Photos · Face Album", order=1)


def layout(person: str | None = None, photo: str | None = None, folder: str | None = None, **_query) -> html.Div:
    """`?person=ID` pre-selects a person, `?folder=ID` a folder of the library, `?photo=ID` opens a photo (links from
    other pages)."""
    people = parse_ids(person)
    opened = parse_id(photo)
    return html.Div(
        [
            page_header("Photos", "Who is in each photo. Click a face box to change who it is.",
                        export_link("photos-export")),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Card(
                                dbc.CardBody(
                                    [
                                        dbc.Label("People in the photo", html_for="photos-people"),
                                        dcc.Dropdown(id="photos-people", multi=True,
                                                     placeholder="Everyone (all photos)"),
                                        dbc.RadioItems(
                                            id="photos-mode",
                                            name="photos-mode",  # one group: one Tab stop, the arrows choose
                                            options=[
                                                {"label": "any of them", "value": "any"},
                                                {"label": "all of them together", "value": "all"},
                                                {"label": "only them, nobody else", "value": "only"},
                                            ],
                                            value="any",
                                            inline=True,
                                            className="mt-2 small",
                                        ),
                                        # Shown once some photo has a date taken (EXIF).
                                        html.Div([dbc.Label("Years taken", html_for="photos-year",
                                                            className="visually-hidden"),
                                                  dcc.Dropdown(id="photos-year", placeholder="Any year", multi=True,
                                                               searchable=False)],
                                                 id="photos-year-box", className="mt-2", style={"display": "none"}),
                                        # Shown once the library has two folders or more.
                                        html.Div([dbc.Label("Folders", html_for="photos-folder",
                                                            className="visually-hidden"),
                                                  dcc.Dropdown(id="photos-folder", placeholder="Any folder",
                                                               multi=True, searchable=True)],
                                                 id="photos-folder-box", className="mt-2", style={"display": "none"}),
                                    ]
                                ),
                                className="mb-3",
                            ),
                            html.Div(id="photos-who"),
                            html.Div(id="photos-count", className="small text-muted mb-2"),
                            html.Div(id="photos-grid"),
                            pager("photos-pager", "Pages of photos", size="sm", className="mt-2"),
                        ],
                        lg=4,
                    ),
                    dbc.Col(dbc.Card(dbc.CardBody(html.Div(id="photos-detail"))), lg=8),
                ]
            ),
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Who is this?", id="photos-face-title")),
                    dbc.ModalBody(
                        [
                            html.Div(id="photos-face-info", className="d-flex align-items-center gap-3 mb-3"),
                            # Placeholders are no names: a screen reader says the labels' words.
                            dbc.Label("Whose face this is", html_for="photos-face-target", className="visually-hidden"),
                            dcc.Dropdown(id="photos-face-target", placeholder="Choose a person…"),
                            dbc.Label("Or a new name", html_for="photos-face-new", className="visually-hidden"),
                            dbc.Input(id="photos-face-new", placeholder="…or type a new name", className="mt-2",
                                      autoComplete="off"),
                            # For a face of a group not named yet: the name is most likely the whole group's.
                            dbc.Switch(id="photos-face-whole", value=True, className="mt-2 small",
                                       style={"display": "none"}),
                        ]
                    ),
                    dbc.ModalFooter([
                        dbc.Button("Cancel", id="photos-face-cancel", color="secondary", n_clicks=0),
                        dbc.Button("Save", id="photos-face-save", color="primary", n_clicks=0),
                    ]),
                ],
                id="photos-face-modal",
                labelledby="photos-face-title",  # the dialog is announced by its title
                is_open=False,
            ),
            dcc.Store(id="photos-preset", data=people),  # ?person=... (set once options are loaded)
            dcc.Store(id="photos-folder-preset", data=parse_id(folder)),
            dcc.Store(id="photos-selected", data=opened),
            dcc.Store(id="photos-face-id"),
            dcc.Store(id="photos-version", data=0),
            dcc.Store(id="photos-stamp"),  # the library's change stamp when the page was drawn (callbacks/follow.py)
            dcc.Store(id="photos-acted"),  # the stamp just after the page's own newest change (callbacks/follow.py)
            dcc.Store(id="photos-init", data=0),  # an input no callback writes: makes Dash run the page's loaders on arrival
        ]
    )
