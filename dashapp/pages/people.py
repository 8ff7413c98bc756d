"""People page: a card per person or group; name, merge, move faces, hide; unsorted faces; suggestions."""

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashapp.components import PEOPLE_PAGE_SIZE, page_header, pager

dash.register_page(__name__, path="/", name="People", title="People · Face Album", order=0)

selection_bar = dbc.Card(
    dbc.CardBody(
        html.Div(
            [
                html.Span("Nothing selected — click faces or tick groups", id="people-sel-info",
                          className="small text-muted me-2"),
                dbc.Button("Merge selected groups", id="people-merge-btn", size="sm", color="outline-primary", n_clicks=0,
                           disabled=True, title="Tick two or more groups to merge them into one person"),
                # A placeholder is no name (nor, once chosen, the person a menu shows): a screen reader says the
                # labels' words (assets/labels.js puts the menu's first).
                dbc.Label("Move selected faces to", html_for="people-move-target", className="visually-hidden"),
                html.Div(
                    dcc.Dropdown(id="people-move-target", placeholder="Move selected faces to…", clearable=True,
                                 optionHeight=32),
                    style={"minWidth": "240px"},
                ),
                dbc.Label("Or move them to a new name", html_for="people-move-new", className="visually-hidden"),
                dbc.Input(id="people-move-new", placeholder="…or a new name", size="sm", style={"maxWidth": "180px"},
                          autoComplete="off"),
                dbc.Button("Move faces", id="people-move-btn", size="sm", color="secondary", n_clicks=0, disabled=True),
                dbc.Button("Clear selection", id="people-clear-btn", size="sm", color="link", n_clicks=0),
            ],
            className="d-flex flex-wrap align-items-center gap-2",
        ),
        className="py-2",
    ),
    className="selection-bar mb-3 shadow-sm",
)

# "Sort one by one": each unsorted face in its photo; keys 1-3 give it to a suggested person, I ignores it,
# S skips it, Ctrl+Z takes the last one back (assets/keyboard.js).
sort_modal = dbc.Modal(
    [
        dbc.ModalHeader(dbc.ModalTitle(["Who is this? ", html.Small(id="people-sort-progress",
                                                                    className="text-muted fs-6")],
                                       id="people-sort-title")),
        dbc.ModalBody(html.Div(id="people-sort-view")),
        dbc.ModalFooter(
            [
                dbc.Label("Or give this face to a new name", html_for="people-sort-new", className="visually-hidden"),
                dbc.Input(id="people-sort-new", placeholder="…or type a name, then Enter", size="sm",
                          autoComplete="off", style={"maxWidth": "260px"}),
                dbc.Button(["Ignore ", html.Kbd("I")], id="people-sort-ignore", size="sm", color="outline-secondary",
                           n_clicks=0, title="Not a face, or nobody to sort: set it aside"),
                dbc.Button(["Skip ", html.Kbd("S")], id="people-sort-skip", size="sm", color="outline-secondary",
                           n_clicks=0, title="Leave it unsorted for now"),
                dbc.Button("Back", id="people-sort-back", size="sm", color="link", n_clicks=0, disabled=True,
                           title="Take back the last face (Ctrl+Z)"),
                html.Span(id="people-sort-note", className="small text-muted me-auto order-first"),
                dbc.Button("Done", id="people-sort-done", size="sm", color="primary", n_clicks=0),
            ],
            className="flex-wrap gap-2",
        ),
        dcc.Store(id="people-sort-face"),  # the face shown
        dcc.Store(id="people-sort-history", data=[]),  # [[face id, "moved" | "skipped"], ...], newest last
    ],
    id="people-sort-modal",
    labelledby="people-sort-title",  # the dialog is announced by its title
    is_open=False,
    size="xl",
    scrollable=True,
)

layout = html.Div(
    [
        page_header(
            "People",
            "Name a group to name every face in it. Click faces to select them; tick groups to merge them.",
            html.Div(
                [
                    # Takes back the newest change to people made on any page (names, merges, moves, hiding).
                    dbc.Button("Undo", id="people-undo-btn", size="sm", color="outline-secondary", n_clicks=0,
                               disabled=True, className="me-3 text-nowrap text-truncate",
                               style={"maxWidth": "340px"}),
                    # Found as typed, once the typing pauses (debounce=True waited for Enter or leaving the field:
                    # the cards did not change as one typed, nor when the field's ✕ cleared it).
                    dbc.Label("Search names", html_for="people-search", className="visually-hidden"),
                    dbc.Input(id="people-search", placeholder="Search names", type="search", size="sm",
                              debounce=400, style={"width": "180px"}, className="flex-shrink-0"),
                ],
                # No wider than the page: on a phone a long "Undo naming “…”" is cut short, not the page widened.
                className="d-flex align-items-center mw-100",
            ),
        ),
        selection_bar,
        html.Div(id="people-suggestions"),
        # Which cards show, and how: above the cards they change, beside their count.
        html.Div(
            [
                html.Div(id="people-count", className="text-muted me-auto"),
                dbc.Switch(id="people-show-hidden", label="Show hidden", value=False, className="mb-0"),
                # Naming a whole album: only the groups still to name, each leaving as it gets one.
                dbc.Switch(id="people-unnamed-only", label="Not named yet", value=False, className="mb-0"),
                # Wrong faces in a group are the ones least like the rest: this shows them first.
                html.Div(
                    dbc.Switch(id="people-least-alike", label="Least alike first", value=False, className="mb-0",
                               persistence=True),  # kept across visits
                    title="Show each group's faces least like its other faces first, to spot the ones that do not "
                          "belong",
                ),
            ],
            className="d-flex flex-wrap align-items-center column-gap-4 small text-nowrap mb-2",
        ),
        # A place for each card of a page, drawn on its own (callbacks/people.py: render_people).
        dbc.Row([dbc.Col(id={"type": "people-slot", "index": i}, xs=12, md=6, xl=4, className="people-slot mb-3")
                 for i in range(PEOPLE_PAGE_SIZE)], id="people-grid"),
        pager("people-pager", "Pages of people", className="mt-2"),
        dbc.Card(
            [
                dbc.CardHeader(
                    html.Div(
                        [
                            html.Div([html.Strong("Unsorted faces "), html.Span(id="people-unsorted-count",
                                                                                 className="text-muted small")]),
                            html.Div([
                                dbc.Button("Sort one by one", id="people-sort-btn", size="sm",
                                           color="outline-primary", n_clicks=0, className="me-2",
                                           title="Each unsorted face in its photo, with its suggested people: "
                                                 "give it to one with a click or a key"),
                                dbc.Button("Accept suggestions", id="people-accept-btn", size="sm", color="success",
                                           n_clicks=0, title="Give each selected unsorted face (or, with none "
                                                             "selected, every face on this page) to its suggested "
                                                             "person"),
                            ]),
                        ],
                        className="d-flex justify-content-between align-items-center",
                    )
                ),
                dbc.CardBody(
                    [
                        html.Div("Faces not yet in any group. The suggested person is written under each face.",
                                 className="small text-muted mb-2"),
                        html.Div(id="people-unsorted-grid"),
                        pager("people-unsorted-pager", "Pages of unsorted faces", size="sm", className="mt-2 mb-0"),
                    ]
                ),
            ],
            className="mt-4",
            id="people-unsorted-card",
        ),
        dbc.Card(
            [
                dbc.CardHeader([html.Strong("Ignored faces "), html.Span(id="people-ignored-count",
                                                                          className="text-muted small")],
                               className="py-2"),
                dbc.CardBody(
                    [
                        html.Div("Faces you set aside (not a face, or nobody to sort): they stay out of people, "
                                 "unsorted faces, the map and the statistics. To bring one back, select it and move "
                                 "it to a person or to Unsorted.", className="small text-muted mb-2"),
                        html.Div(id="people-ignored-grid"),
                        pager("people-ignored-pager", "Pages of ignored faces", size="sm", className="mt-2 mb-0"),
                    ]
                ),
            ],
            className="mt-4",
            id="people-ignored-card",
            style={"display": "none"},
        ),
        sort_modal,
        dbc.Modal(
            [
                dbc.ModalHeader(dbc.ModalTitle("Please confirm", id="people-confirm-title")),
                dbc.ModalBody(id="people-confirm-body"),
                dbc.ModalFooter([
                    dbc.Button("Cancel", id="people-confirm-no", color="secondary", n_clicks=0),
                    # Shown when the typed name is someone's but for accents or case: "Name it “zoe”".
                    dbc.Button(id="people-confirm-keep", color="outline-primary", n_clicks=0, style={"display": "none"}),
                    dbc.Button("Merge", id="people-confirm-yes", color="primary", n_clicks=0),
                ]),
            ],
            id="people-confirm-modal",
            labelledby="people-confirm-title",  # the dialog is announced by its title
            is_open=False,
        ),
        dcc.Store(id="people-pending"),  # the action waiting for confirmation
        dcc.Store(id="people-selected-faces", data=[]),
        dcc.Store(id="people-ticked-groups", data=[]),  # the groups ticked (assets/selection.js)
        dcc.Store(id="people-version", data=0),  # bumped after every change, re-renders the page
        dcc.Store(id="people-stamp"),  # the library's change stamp when the page was drawn (callbacks/follow.py)
        dcc.Store(id="people-acted"),  # the stamp just after the page's own newest change (callbacks/follow.py)
        dcc.Store(id="people-slot-keys"),  # what each place of the page shows (callbacks/people.py: _card_key)
        dcc.Store(id="people-suggestions-key"),  # the suggestions shown (callbacks/people.py)
        dcc.Store(id="people-renamed"),  # the group just named: the page draws only what that changed
        dcc.Store(id="people-init", data=0),  # an input no callback writes: makes Dash run the page's loaders on arrival
    ]
)
