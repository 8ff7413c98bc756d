"""Keyboard use of the People page in a real headless Chromium: the focus around its dialogs (assets/keyboard.js),
its search as one types.

dbc.Modal leaves the focus on the page's body once it closes, and the page is drawn anew as it does; keyboard and
screen reader users then start again from the top. The dialog must give the focus back to the button that opened
it. The server is the real one (`python app.py serve`) on a synthetic library (no model needed).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from dashapp.config import load_config
from dashapp.store import Store
from ui_fixtures import GROUP_PHOTOS, build_library

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"),
    pytest.mark.skipif(not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))),
                       reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)"),
]
SUGGEST_MERGE = "button[id*='\"suggest-merge\"']"


@pytest.fixture()
def people_page(tmp_path):
    """A headless Chromium on the People page of a library of five groups with two merge suggestions."""
    from dash.testing.browser import Browser

    data = tmp_path / "library"
    store = Store.open(load_config(data))
    build_library(store, n_faces=36, faces_per_photo=3, n_people=5, photo_files=sorted(GROUP_PHOTOS.glob("*.jpg")))
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--data-dir", str(data)],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _answers(url, proc), "the server")
        with Browser(browser="chrome", headless=True, percy_run=False, wait_timeout=30) as br:
            br.driver.set_window_size(1400, 1000)
            br.driver.get(url + "/")
            _wait(lambda: br.driver.find_elements("css selector", SUGGEST_MERGE), "the merge suggestions")
            yield br.driver
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


def _wait(condition, what: str, timeout: float = 30):
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


def _focused(driver) -> str:
    """The focused element: its id, else its tag name."""
    return driver.execute_script("var e = document.activeElement; return e ? e.id || e.tagName : null")


def _by_id(driver, id_: str):
    """The element of this id (a suggestion's id is JSON, which selenium's own lookup by id refuses)."""
    return driver.execute_script("return document.getElementById(arguments[0])", id_)


def _dialog_open(driver) -> bool:
    return driver.execute_script("return Boolean(document.querySelector('.modal.show #people-confirm-modal'))")


def _through_the_dialog(driver, opener, close: str) -> None:
    """Open the merge dialog with `opener` (from the keyboard: focused, then Enter) and close it with `close`
    (a button's id, or "Escape"); then wait until the dialog is gone."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", opener)
    opener.send_keys(Keys.ENTER)
    _close_dialog(driver, close)


def _close_dialog(driver, close: str) -> None:
    """Once the merge dialog shows, close it with `close` (a button's id, or "Escape"), and wait until it is gone."""
    _wait(lambda: _dialog_open(driver), "the dialog")
    time.sleep(0.5)  # its fade-in
    if close == "Escape":
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    else:
        driver.find_element("id", close).click()
    _wait(lambda: not _dialog_open(driver), "the dialog to close")


def test_the_merge_dialog_gives_the_focus_back_to_the_button_that_opened_it(people_page):
    driver = people_page
    first, second = [b.get_attribute("id") for b in driver.find_elements("css selector", SUGGEST_MERGE)]
    for close in ("people-confirm-no", "Escape"):  # not merged: back on the suggestion's own Merge
        _through_the_dialog(driver, _by_id(driver, first), close)
        _wait(lambda: _focused(driver) == first, f"the focus back on the suggestion's Merge after {close}")
        time.sleep(1)  # the page drawn anew meanwhile keeps it there
        assert _focused(driver) == first
    # Merged: that suggestion is gone; the focus goes to the Merge of the one now in its place.
    _through_the_dialog(driver, _by_id(driver, first), "people-confirm-yes")
    _wait(lambda: _focused(driver) == second, "the focus on the next suggestion's Merge")

    # "Merge selected groups": after merging, no group is ticked, so it is disabled; the page's heading has the focus.
    for tick in driver.find_elements("css selector", ".person-tick")[:2]:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", tick)
        tick.click()
    button = driver.find_element("id", "people-merge-btn")
    _wait(button.is_enabled, "Merge selected groups to be enabled")
    _through_the_dialog(driver, button, "people-confirm-yes")
    _wait(lambda: _focused(driver) == "H1", "the focus on the page's heading")


def test_a_name_clash_dialog_closed_without_merging_leaves_the_focus_in_the_name_fields(people_page):
    """Naming groups from the keyboard (Enter moves on to the next card's name field) with a name someone already
    has asks whether to merge; closed without merging, every card is drawn anew (the field shows its stored name
    again) and the focus goes back to the name field it was in when the dialog opened, drawn anew too.
    (react-bootstrap's Modal gave it back to the field's old copy when the cards were drawn first, and the focus
    was lost: keyboard users started again from the top of the page.)"""
    driver = people_page
    ids = [f.get_attribute("id") for f in driver.find_elements("css selector", "#people-grid .person-name-input")]
    first = _by_id(driver, ids[0])
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.send_keys("Ada", Keys.ENTER)
    _wait(lambda: _focused(driver) == ids[1], "the next name field")
    for at, close in ((1, "people-confirm-no"), (2, "Escape")):
        driver.switch_to.active_element.send_keys("Ada", Keys.ENTER)  # the first card's name; on to the next card
        _close_dialog(driver, close)
        _wait(lambda: _focused(driver) == ids[at + 1], f"the focus back in the name field after {close}")
        time.sleep(1)  # the cards drawn anew meanwhile keep it there
        assert _focused(driver) == ids[at + 1]
        assert _by_id(driver, ids[at]).get_attribute("value") == ""  # not named


def test_the_people_search_finds_as_one_types(people_page):
    """Typing in "Search names" shows the groups found once the typing pauses, and clearing it all of them again,
    with no Enter (it waited for Enter or for the cursor to leave the field)."""
    driver = people_page
    cards = lambda: driver.find_elements("css selector", "#people-grid .person-name-input")  # noqa: E731
    n_all = len(cards())
    pid = cards()[2].get_attribute("placeholder").split(" ")[1]  # "Person 7 — add a name"
    field = driver.find_element("id", "people-search")
    field.send_keys(f"#{pid}")
    _wait(lambda: len(cards()) == 1, "only the group searched")
    assert driver.switch_to.active_element == field  # still typing there
    field.send_keys(Keys.BACKSPACE * 3)
    _wait(lambda: len(cards()) == n_all, "every group again")
