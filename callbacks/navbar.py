"""The navbar's live job badge (every page)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output

from callbacks.common import library


@dash.callback(Output("nav-job", "children"), Input("nav-poll", "n_intervals"))
def nav_job_badge(_n: int | None):
    """A small 'Ingesting 40%' badge while a job runs, linking to the Library page."""
    job = library().queries.latest_job()
    if job is None or job["status"] not in ("queued", "running"):
        return None
    pct = f" {100 * job['done'] / job['total']:.0f}%" if job.get("total") else "…"
    return dbc.Badge(f"Ingesting{pct}", href="/library", color="info", className="text-decoration-none",
                     id="nav-job-badge")
