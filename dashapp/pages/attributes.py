"""Attributes page (for analysts): attribute distributions, people compared, faces filtered by attributes."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import export_link, page_header, pager
from model.attributes import ATTRIBUTE_NAMES, attribute_label

# Static options: a dropdown given a value before its options would drop the value.
ATTRIBUTE_OPTIONS = [{"label": attribute_label(n), "value": n} for n in ATTRIBUTE_NAMES]

dash.register_page(__name__, path="/attributes", name="Attributes", title="Attributes · Face Album", order=3)


def _rule(n: int, default: str) -> dbc.Row:
    return dbc.Row(
        [
            dbc.Col([dbc.Label(f"Rule {n} attribute", html_for=f"attr-rule{n}-name", className="visually-hidden"),
                     dcc.Dropdown(id=f"attr-rule{n}-name", options=ATTRIBUTE_OPTIONS,
                                  value=default if n == 1 else None, placeholder="attribute…")], md=5),
            dbc.Col([dbc.Label(f"Rule {n} comparison", html_for=f"attr-rule{n}-op", className="visually-hidden"),
                     dbc.Select(id=f"attr-rule{n}-op", value=">=", options=[{"label": "≥", "value": ">="},
                                                                           {"label": "≤", "value": "<="}])], md=2),
            dbc.Col([dbc.Label(f"Rule {n} threshold", html_for=f"attr-rule{n}-value", className="visually-hidden"),
                     dcc.Slider(id=f"attr-rule{n}-value", min=0, max=1, step=0.05, value=0.8,
                                marks={0: "0", 0.5: "0.5", 1: "1"}, tooltip={"placement": "bottom"})], md=5),
        ],
        className="g-2 align-items-center mb-2",
    )


layout = html.Div(
    [
        page_header(
            "Attributes",
            "The 40 CelebA attributes the model estimates for every face (probabilities, not facts).",
            html.Div(
                [dbc.Label("Compare the album with a person", html_for="attr-person", className="visually-hidden"),
                 html.Div(dcc.Dropdown(id="attr-person", placeholder="Compare the album with a person…"),
                          style={"width": "300px", "minWidth": 0}),
                 export_link("attr-export")],
                className="d-flex align-items-center gap-2 mw-100",  # the dropdown narrows on a phone
            ),
        ),
        dbc.Row(
            [
                dbc.Col(dbc.Card([dbc.CardHeader("How common is each attribute"),
                                  dbc.CardBody(dcc.Graph(id="attr-prevalence", config={"displayModeBar": False}))]),
                        lg=6, className="mb-3"),
                dbc.Col(dbc.Card([dbc.CardHeader("Distribution of each attribute", id="attr-dist-title"),
                                  dbc.CardBody(dcc.Graph(id="attr-distribution", config={"displayModeBar": False}))]),
                        lg=6, className="mb-3"),
            ]
        ),
        dbc.Card(
            [
                dbc.CardHeader(html.Div([html.Span("People side by side"),
                                         dbc.Label("People to compare", html_for="attr-compare",
                                                   className="visually-hidden"),
                                         html.Div(dcc.Dropdown(id="attr-compare", multi=True,
                                                               placeholder="the largest groups"),
                                                  style={"width": "360px", "maxWidth": "100%"})],
                                        className="d-flex flex-wrap gap-2 justify-content-between align-items-center")),
                dbc.CardBody(dcc.Graph(id="attr-compare-graph", config={"displayModeBar": False})),
            ],
            className="mb-3",
        ),
        dbc.Card(
            [
                dbc.CardHeader(html.Div([html.Span("Over the years"),
                                         dbc.Label("Attributes to follow over the years", html_for="attr-trend-names",
                                                   className="visually-hidden"),
                                         html.Div(dcc.Dropdown(id="attr-trend-names", multi=True,
                                                               options=ATTRIBUTE_OPTIONS,
                                                               value=["Smiling", "Eyeglasses"],
                                                               placeholder="attributes…"),
                                                  style={"width": "360px", "maxWidth": "100%"})],
                                        className="d-flex flex-wrap gap-2 justify-content-between align-items-center")),
                dbc.CardBody(dcc.Graph(id="attr-trend", config={"displayModeBar": False})),
            ],
            className="mb-3",
        ),
        dbc.Card(
            [
                dbc.CardHeader("Find faces by attributes"),
                dbc.CardBody(
                    [
                        _rule(1, "Smiling"),
                        _rule(2, ""),
                        html.Div(id="attr-filter-count", className="small text-muted mb-2"),
                        html.Div(id="attr-filter-grid"),
                        pager("attr-filter-pager", "Pages of faces found", size="sm", className="mt-2 mb-0"),
                    ]
                ),
            ]
        ),
        dbc.Modal(
            [dbc.ModalHeader(dbc.ModalTitle("Face details", id="attr-face-title")), dbc.ModalBody(id="attr-face-body")],
            id="attr-face-modal",
            labelledby="attr-face-title",  # the dialog is announced by its title
            is_open=False,
            size="lg",
        ),
        dcc.Store(id="attr-version", data=0),
    ]
)
