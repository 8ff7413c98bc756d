"""Map page: every face on a 2-D map (UMAP); similar faces lie close together."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import MAP_SELECT_HINT, page_header
from model.attributes import ATTRIBUTE_NAMES, attribute_label

COLOR_OPTIONS = [{"label": "Person", "value": "person"}] + [
    {"label": attribute_label(name), "value": name} for name in ATTRIBUTE_NAMES
]

dash.register_page(__name__, path="/map", name="Map", title="Map · Face Album", order=2)

layout = html.Div(
    [
        page_header(
            "Map",
            "Each dot is a face; similar faces lie close together. Hover to see a face; "
            "lasso or box-select faces (or choose a person's) to give them to a person.",
            html.Div(
                [dbc.Label("Colour by", className="mb-0 me-2 small", html_for="map-color"),
                 html.Div(dcc.Dropdown(id="map-color", options=COLOR_OPTIONS, value="person", clearable=False), style={"width": "220px"})],
                className="d-flex align-items-center",
            ),
        ),
        dbc.Card(
            dbc.CardBody(
                html.Div(
                    [
                        # Keyboard users (and anyone) select a person's faces here: the lasso needs a mouse.
                        dbc.Label("Select the faces of", html_for="map-pick", className="visually-hidden"),
                        html.Div(dcc.Dropdown(id="map-pick", placeholder="Select the faces of…", clearable=False),
                                 style={"minWidth": "240px"}),
                        # Said by screen readers as it changes: what the choice or the lasso selected.
                        html.Span(MAP_SELECT_HINT, id="map-sel-info", className="small text-muted me-2",
                                  **{"aria-live": "polite"}),
                        # A placeholder is no name: a screen reader says the labels' words.
                        dbc.Label("Give selected faces to", html_for="map-target", className="visually-hidden"),
                        html.Div(dcc.Dropdown(id="map-target", placeholder="Give selected faces to…"),
                                 style={"minWidth": "240px"}),
                        dbc.Label("Or give them to a new name", html_for="map-new", className="visually-hidden"),
                        dbc.Input(id="map-new", placeholder="…or a new name", size="sm", style={"maxWidth": "180px"},
                                  autoComplete="off"),
                        dbc.Button("Assign", id="map-assign", size="sm", color="primary", n_clicks=0, disabled=True),
                    ],
                    className="d-flex flex-wrap align-items-center gap-2",
                ),
                className="py-2",
            ),
            className="mb-3",
        ),
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(id="map-empty"),  # above the map: also says when some faces are not on it yet
                    # Plotly's toolbar offers "Share chart..." (an upload to Plotly Cloud): no face leaves the machine.
                    dcc.Loading(dcc.Graph(id="map-graph", config={"displaylogo": False, "scrollZoom": True,
                                                                  "showSendToCloud": False},
                                          clear_on_unhover=True), type="circle"),
                    dcc.Tooltip(id="map-tooltip", direction="right", loading_text=""),
                ]
            )
        ),
        dcc.Store(id="map-selection", data=[]),
        dcc.Store(id="map-version", data=0),
        dcc.Interval(id="map-poll", interval=2000, disabled=True),  # while the map is being computed
        dcc.Store(id="map-init", data=0),  # an input no callback writes: makes Dash run the page's loaders on arrival
    ]
)
