"""A real server (`python app.py serve`) on a library and a headless Chromium on it, for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest

from dashapp.config import load_config
from dashapp.store import Store
from ui_fixtures import build_library

ROOT = Path(__file__).resolve().parents[1]
# A browser test module's `pytestmark`: skipped where Chromium is not installed.
BROWSER_TESTS = [
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"),
    pytest.mark.skipif(not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))),
                       reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)"),
]
# The map's traces once Plotly has drawn them, else null.
MAP_TRACES = "var g = document.querySelector('#map-graph .js-plotly-plot'); return g && g.data && g.data.length ? g.data : null"


@contextmanager
def served(tmp_path: Path, folders: Sequence[Path] = (), **library):
    """`app.py serve` on a synthetic library (`build_library(**library)`, remembering `folders`), and a headless
    Chromium: (driver, URL)."""
    from dash.testing.browser import Browser

    data = tmp_path / "library"
    store = Store.open(load_config(data))
    build_library(store, **library)
    if folders:
        store.folders.add([str(f) for f in folders])
    store.close()

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--data-dir", str(data)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(url, proc), "the server")
        with Browser(browser="chrome", headless=True, percy_run=False, wait_timeout=30) as br:
            br.driver.set_window_size(1400, 1000)
            yield br.driver, url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def _answers(url: str, proc: subprocess.Popen) -> bool:
    if proc.poll() is not None:
        pytest.fail("the server stopped")
    try:
        urllib.request.urlopen(url + "/library", timeout=2)
        return True
    except OSError:
        return False


def wait_for(condition, what: str, timeout: float = 30):
    """Poll `condition()` until it is truthy; fail saying `what` after `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception:  # noqa: BLE001 - elements come and go while Dash draws the page anew
            pass
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def settled(driver) -> None:
    """Wait until Dash has no callback pending: what the last action (or the page's arrival) set off is all drawn,
    callbacks chained on others' outputs included (one drawn first is no sign that the rest are)."""
    wait_for(lambda: driver.execute_script(
        "var s = window.store && window.store.getState().callbacks;"
        "return Boolean(s) && ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed']"
        ".every(function (k) { return !s[k].length; })"), "Dash to finish drawing")
