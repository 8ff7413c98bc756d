"""The Attributes page's figures drawn by Plotly in a real headless Chromium (no server: the figure alone, with the
plotly.js the dashboard serves), where what overlaps what can be measured."""

from __future__ import annotations

import shutil

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashapp.figures import prevalence_figure, trend_figure
from model.attributes import ATTRIBUTE_NAMES

pytestmark = [
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"),
    pytest.mark.skipif(not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))),
                       reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)"),
]

# The legend's box and the plot area's, in the page.
_BOXES = """
    const box = e => { const r = document.querySelector(e).getBoundingClientRect(); return [r.top, r.bottom]; };
    return {legend: box('.legend'), plot: box('.nsewdrag')};
"""


@pytest.fixture(scope="module")
def driver():
    from dash.testing.browser import Browser

    with Browser(browser="chrome", headless=True, percy_run=False, wait_timeout=30) as br:
        br.driver.set_window_size(700, 1000)  # about the width a chart has on the page
        yield br.driver


def _boxes(driver, fig: go.Figure, tmp_path) -> dict:
    page = tmp_path / "figure.html"
    pio.write_html(fig, page, include_plotlyjs=True, full_html=True, default_width="100%")
    driver.get(page.as_uri())
    driver.find_element("css selector", ".legend")
    return driver.execute_script(_BOXES)


def test_the_legend_of_album_and_person_is_above_the_bars(driver, tmp_path):
    """It hung from its top over the chart's first bars (the most common attribute's, the album's and the person's)."""
    rng = np.random.default_rng(0)
    album, person = rng.uniform(size=(2, len(ATTRIBUTE_NAMES)))
    boxes = _boxes(driver, prevalence_figure(ATTRIBUTE_NAMES, album, person, "Alice"), tmp_path)
    assert boxes["legend"][1] <= boxes["plot"][0], boxes


def test_the_legend_of_many_attributes_over_the_years_is_above_the_lines(driver, tmp_path):
    """Ten attributes take two rows of legend: the second lay over the lines near 100%."""
    names = ATTRIBUTE_NAMES[:10]
    years = np.arange(2015, 2023)
    means = np.full((len(years), len(names)), 0.98)
    boxes = _boxes(driver, trend_figure(years, names, means, np.full(len(years), 5)), tmp_path)
    assert boxes["legend"][1] <= boxes["plot"][0], boxes
