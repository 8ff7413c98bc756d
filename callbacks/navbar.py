"""The navbar's live job badge and its menu button on a phone, and the message box's closing (every page)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State

from callbacks.common import library
from dashapp import job_runner
from dashapp.components import job_badge_label
from dashapp.server import NAV_PAGES


# The page that follows each kind of job.
JOB_PAGES = {"ingest": "/library", "cluster": "/map"}


@dash.callback(Output("nav-job", "children"), Input("nav-poll", "n_intervals"))
def nav_job_badge(_n: int | None):
    """A small badge saying what a running ingest or clustering does ('Finding faces 40%', 'Grouping people…'),
    linking to the page that follows it."""
    lib = library()
    job_runner.refresh(lib)  # a job killed meanwhile must not stay "Ingesting" on the pages that do not poll it
    for kind, page in JOB_PAGES.items():
        job = lib.queries.latest_job(kind)
        if job is not None and job["status"] in ("queued", "running"):
            return dbc.Badge(job_badge_label(job), href=page, color="info", className="text-decoration-none",
                             id="nav-job-badge")
    return None


# The menu button opens or shuts the links on a phone; following a link shuts them (the page changes in place).
dash.clientside_callback(
    """function () {
        var trigger = (dash_clientside.callback_context.triggered[0] || {}).prop_id || "";
        return trigger.indexOf("nav-toggler.") === 0 ? !arguments[arguments.length - 1] : false;
    }""",
    Output("nav-collapse", "is_open"),
    Input("nav-toggler", "n_clicks"),
    *[Input(f"nav-{label.split()[0].lower()}", "n_clicks") for label, _ in NAV_PAGES],
    State("nav-collapse", "is_open"),
    prevent_initial_call=True,
)


# The message box closes 7 s after its newest message, not after the first of several (assets/toast.js).
dash.clientside_callback(
    ClientsideFunction(namespace="toast", function_name="closeLater"),
    Input("app-toast", "children"),
    Input("app-toast", "is_open"),
)
