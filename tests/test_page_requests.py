"""What each page asks for, in a real headless Chromium on the real server (`app.py serve`). Nothing leaves the
machine: every page loads only from the app's own server (no CDN, no font or script from the web), and no control
offers to send a chart elsewhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from served_app import BROWSER_TESTS, MAP_TRACES, served, wait_for

pytestmark = BROWSER_TESTS
PAGES = ["/", "/photos", "/map", "/attributes", "/find", "/library"]
# Every request a page made, as the browser saw it (the page itself, then scripts, styles, images, callbacks).
REQUESTS = "return [location.href].concat(performance.getEntriesByType('resource').map(e => e.name))"


def test_every_page_loads_from_the_app_alone_and_the_map_offers_no_upload(tmp_path):
    """Each page asks only the app's server for what it shows. The map's toolbar had "Share chart...", which
    uploads the chart (every face's place and id) to Plotly Cloud: it is not offered."""
    with served(tmp_path, n_faces=36, faces_per_photo=3, n_people=5) as (driver, url):
        own = urlsplit(url).netloc
        for page in PAGES:
            driver.get(url + page)
            wait_for(lambda: driver.find_elements("css selector", "main h1"), f"the page {page}")
            if page == "/map":
                wait_for(lambda: driver.execute_script(MAP_TRACES), "the map")
                buttons = driver.execute_script("return Array.from(document.querySelectorAll('#map-graph "
                                                ".modebar-btn')).map(b => b.getAttribute('data-title'))")
                assert "Lasso Select" in buttons  # the toolbar is there
                assert not [b for b in buttons if "share" in b.lower() or "cloud" in b.lower()], buttons
            elsewhere = [r for r in driver.execute_script(REQUESTS)
                         if urlsplit(r).scheme not in ("data", "blob") and urlsplit(r).netloc != own]
            assert not elsewhere, (page, elsewhere)
