"""The navbar's live job badge (every page)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output

from callbacks.common import library
from dashapp import job_runner
from dashapp.components import job_badge_label


@dash.callback(Output("nav-job", "children"), Input("nav-poll", "n_intervals"))
def nav_job_badge(_n: int | None):
    """A small badge saying what a running ingest does ('Finding faces 40%', 'Grouping people…'), linking to the
    Library page."""
    lib = library()
    job_runner.refresh(lib)  # a job killed meanwhile must not stay "Ingesting" on the pages that do not poll it
    job = lib.queries.latest_job()
    if job is None or job["status"] not in ("queued", "running"):
        return None
    return dbc.Badge(job_badge_label(job), href="/library", color="info", className="text-decoration-none",
                     id="nav-job-badge")
