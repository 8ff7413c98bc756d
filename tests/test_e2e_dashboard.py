"""End to end in a real headless Chromium: ingest group photos from the UI, then name, merge and find people.

The server is the real one (`python app.py serve`) on an empty library; the ingest runs the real
model in the job process it spawns. Screenshots of every page go to docs/screenshots/ (the README
shows them). Needs chromium + chromedriver (`.ci/run` installs them) and the model weights.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "tests" / "fixtures" / "group" / "photos"
SHOTS = ROOT / "docs" / "screenshots"
WEIGHTS = ROOT / "model" / "weights" / "face_model.keras"
INGEST_TIMEOUT_S = 240
NAME = "Alex Example"  # neutral: which real person the first group holds depends on the model

pytestmark = [
    # selenium 4.2 calls a urllib3 API that urllib3 deprecates: not ours to fix.
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"),
    pytest.mark.skipif(not (shutil.which("chromedriver") and (shutil.which("chromium") or shutil.which("google-chrome"))),
                       reason="needs chromium and chromedriver (apt-get install chromium chromium-driver)"),
    pytest.mark.skipif(not WEIGHTS.exists(), reason="model weights not trained yet"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`python app.py serve` on a fresh, empty library; yields its URL."""
    data_dir = tmp_path_factory.mktemp("e2e-library")
    port = _free_port()
    log = open(data_dir / "server.log", "wb")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", str(port), "--data-dir", str(data_dir)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/library", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                log.close()
                pytest.fail("server did not start:\n" + (data_dir / "server.log").read_text()[-3000:])
            time.sleep(0.3)
    yield url, data_dir
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from dash.testing.browser import Browser

    with Browser(browser="chrome", headless=True, percy_run=False, wait_timeout=30) as br:
        br.driver.set_window_size(1400, 1000)
        yield br


def _wait(br, condition, timeout: float = 30, what: str = "condition"):
    """Poll `condition()` until it returns something truthy; fail with `what` after `timeout` s."""
    deadline = time.time() + timeout
    last_error = None
    while time.time() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - elements come and go while Dash re-renders
            last_error = exc
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what} (last error: {last_error})")


def _settled(br) -> None:
    """Wait until Dash has no callback pending: what the last action (or the page's arrival) set off is all drawn,
    callbacks chained on others' outputs included (one drawn first is no sign that the rest are: Photos draws every
    photo, then only the person's of ?person=, once the filter has its value)."""
    _wait(br, lambda: br.driver.execute_script(
        "var s = window.store && window.store.getState().callbacks;"
        "return Boolean(s) && ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed']"
        ".every(function (k) { return !s[k].length; })"), 30, "Dash to finish drawing")


def _once(read, holds, timeout: float = 10):
    """What `read()` returns once `holds` is true of it, or after `timeout` s (for an assertion saying what it was)."""
    deadline = time.time() + timeout
    while not holds(value := read()) and time.time() < deadline:
        time.sleep(0.25)
    return value


def _texts(br, css: str) -> list[str]:
    return [e.text for e in br.driver.find_elements("css selector", css)]


def _shot(br, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for close in br.driver.find_elements("css selector", "#app-toast .btn-close"):
        if close.is_displayed():
            close.click()  # the toast would hide part of the page
    time.sleep(0.8)  # let images and figures finish drawing
    br.driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _go(br, url: str, ready_css: str) -> None:
    """Open `url`; once `ready_css` shows, wait until the page is drawn in full."""
    br.driver.get(url)
    _wait(br, lambda: br.driver.find_elements("css selector", ready_css), 30, ready_css)
    _settled(br)


def _nav(br, label: str, ready_css: str) -> None:
    """Follow a navbar link (client-side navigation, as a user would)."""
    br.driver.find_element("id", f"nav-{label}").click()
    _wait(br, lambda: br.driver.find_elements("css selector", ready_css), 30, ready_css)
    _settled(br)


def _assert_no_page_errors(br) -> None:
    """Nothing the browser did raised an error in the page."""
    severe = [e for e in br.driver.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
    assert not severe, severe


def _named_person_id(br) -> int:
    """The id of the person the first test named, from their card on the People page."""
    col = _wait(br, lambda: [c for c in br.driver.find_elements("css selector", "[id*=person-card]")
                             if c.find_element("css selector", "input.person-name-input")
                             .get_attribute("value") == NAME], 10, "the named card")[0]
    return json.loads(col.get_attribute("id"))["pid"]


def test_ingest_name_and_browse(server, browser):
    url, _data_dir = server
    br = browser

    # An empty library says where to start.
    _go(br, url + "/", ".empty-state")
    assert "No photos yet" in br.driver.find_element("css selector", ".empty-state").text
    # Photos: the list says so; the photo's card, with nothing to show, is left out (it stood empty beside it).
    _go(br, url + "/photos", ".empty-state")
    assert not br.driver.find_element("id", "photos-detail").find_element("xpath", "../..").is_displayed()

    # Library: add the photo folder, follow the progress until the job is done.
    _nav(br, "library", "#lib-path")
    br.driver.find_element("id", "lib-path").send_keys(str(PHOTOS))
    br.driver.find_element("id", "lib-add-folder").click()
    _wait(br, lambda: "Ingest started" in br.driver.find_element("id", "lib-add-result").text, 20, "ingest start")
    status = _wait(
        br,
        lambda: (lambda s: s if s.split(" ")[0] in ("done", "failed", "cancelled", "interrupted") else None)(
            br.driver.find_element("id", "job-status").text),
        INGEST_TIMEOUT_S,
        "the ingest to finish",
    )
    assert status.startswith("done"), status
    n_photos = len(list(PHOTOS.glob("*.jpg")))
    _wait(br, lambda: br.driver.find_element("id", "lib-n-photos").text == str(n_photos), 10, "photo count")
    assert br.driver.find_element("id", "lib-n-errors").text == "0"
    n_faces = int(br.driver.find_element("id", "lib-n-faces").text.replace(",", ""))
    assert n_faces >= n_photos - 1  # about one face per photo, more in the group photos
    folders = _wait(br, lambda: (lambda t: t if str(PHOTOS) in t else None)(
        br.driver.find_element("id", "lib-folders").text), 10, "the folder listed")
    assert f"{n_photos} {n_faces} 0" in folders  # photos, faces, unreadable
    _shot(br, "library")
    # Check the library's folders again: nothing changed, so nothing is analysed.
    br.driver.find_element("id", "lib-check-all").click()
    _wait(br, lambda: "Checking 1 folder for new photos" in br.driver.find_element("id", "lib-add-result").text, 20,
          "the check to start")
    _wait(br, lambda: f"0 photos analysed (0 faces), {n_photos} unchanged" in br.driver.find_element(
        "id", "lib-progress").text, INGEST_TIMEOUT_S, "the check to finish")
    _wait(br, lambda: not br.driver.find_elements("id", "nav-job-badge"), 30, "the navbar's job badge to go")

    # People: cards appear; name the first group.
    _nav(br, "people", ".person-card")
    cards = _wait(br, lambda: (lambda c: c if len(c) >= 2 else None)(
        br.driver.find_elements("css selector", ".person-card")), 20, "two person cards")
    name_box = cards[0].find_element("css selector", "input.person-name-input")
    name_box.send_keys(NAME + "\n")
    _wait(br, lambda: "Named" in br.driver.find_element("id", "app-toast").text, 15, "the 'Named' toast")
    _wait(br, lambda: br.driver.find_elements("css selector", ".person-card")[0]
          .find_element("css selector", "input.person-name-input").get_attribute("value") == NAME, 10, "name shown")
    # Enter also put the cursor in the next card's name field: an album is named from the keyboard.
    _wait(br, lambda: br.driver.execute_script(
        "return document.activeElement === document.querySelectorAll('#people-grid .person-name-input')[1];"),
        10, "the cursor in the next card's name")
    br.driver.execute_script("document.activeElement.blur();")  # the screenshot without it
    _shot(br, "people")
    person_id = _named_person_id(br)

    # Photos: filtered to the person, the name labels a face box.
    _go(br, f"{url}/photos?person={person_id}", ".face-box")
    _wait(br, lambda: NAME in br.driver.find_element("id", "photos-people").text, 10, "the person in the filter")
    _wait(br, lambda: NAME in _texts(br, ".face-box-label"), 20, "the name on a face box")
    assert NAME in br.driver.find_element("id", "photos-people-in").text
    _shot(br, "photos")
    # The arrow keys go through the photos.
    tiles = br.driver.find_elements("css selector", "#photos-grid .photo-tile")
    assert len(tiles) >= 2 and "active" in tiles[0].get_attribute("class")
    first_title = br.driver.find_element("css selector", "#photos-detail h2").text
    ActionChains(br.driver).send_keys(Keys.ARROW_RIGHT).perform()
    _wait(br, lambda: "active" in br.driver.find_elements("css selector", "#photos-grid .photo-tile")[1]
          .get_attribute("class"), 10, "the next photo")
    _wait(br, lambda: br.driver.find_element("css selector", "#photos-detail h2").text != first_title, 10,
          "the next photo shown")
    ActionChains(br.driver).send_keys(Keys.ARROW_LEFT).perform()
    _wait(br, lambda: br.driver.find_element("css selector", "#photos-detail h2").text == first_title, 10,
          "the first photo again")

    # Map: hover a dot of the person: the tooltip shows the face and the name.
    _nav(br, "map", "#map-graph .main-svg")
    _wait(br, lambda: br.driver.execute_script(
        "const gd=document.querySelector('#map-graph .js-plotly-plot');"
        "return gd && gd._fullData && gd._fullData.length > 0;"), 30, "the map")
    position = br.driver.execute_script(
        """
        const gd = document.querySelector('#map-graph .js-plotly-plot');
        const i = gd._fullData.findIndex(t => t.name === arguments[0]);
        if (i < 0) return null;
        const t = gd._fullData[i], L = gd._fullLayout, r = gd.getBoundingClientRect();
        // Viewport coordinates of the person's first dot.
        return {x: r.left + L.xaxis.l2p(t.x[0]) + L._size.l, y: r.top + L.yaxis.l2p(t.y[0]) + L._size.t};
        """,
        NAME,
    )
    assert position is not None, "the named person has no trace on the map"
    for jitter in (0, 1, -1, 2):
        ActionChains(br.driver).move_to_location(int(position["x"]) + jitter, int(position["y"])).perform()
        try:
            _wait(br, lambda: NAME in br.driver.find_element("id", "map-hover-name").text, 4, "map hover")
            break
        except pytest.fail.Exception:
            ActionChains(br.driver).move_to_location(5, 5).perform()  # leave, then try a pixel beside
    assert NAME in br.driver.find_element("id", "map-hover-name").text
    img = br.driver.find_element("css selector", ".map-hover img").get_attribute("src")
    assert "/media/face/" in img
    _shot(br, "map")

    # Attributes: the charts draw; a face's detail lists its top 10 attributes.
    _nav(br, "attributes", "#attr-prevalence .main-svg")
    _wait(br, lambda: "faces" in br.driver.find_element("id", "attr-filter-count").text, 20, "the attribute filter")
    if not br.driver.find_elements("css selector", "#attr-filter-grid .face-tile"):
        # No face passes "Smiling ≥ 0.8" with this model: the opposite rule then holds for every face.
        from selenium.webdriver.support.ui import Select

        Select(br.driver.find_element("id", "attr-rule1-op")).select_by_value("<=")
    _wait(br, lambda: br.driver.find_elements("css selector", "#attr-filter-grid .face-tile"), 20, "filtered faces")
    _shot(br, "attributes")
    tile = br.driver.find_element("css selector", "#attr-filter-grid .face-tile")
    br.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", tile)
    time.sleep(0.3)
    ActionChains(br.driver).move_to_element(tile).click().perform()
    _wait(br, lambda: len(br.driver.find_elements("css selector", "#attr-top10 .progress")) == 10, 15, "top 10")
    _shot(br, "attributes-face")

    _assert_no_page_errors(br)


def _card_ids(br) -> list[int]:
    """The people of the cards shown, in their order (read at once: the cards may be drawn anew between two reads)."""
    ids = br.driver.execute_script(
        "return [...document.querySelectorAll('#people-grid [id*=person-card]')].map(c => c.id)")
    return [json.loads(i)["pid"] for i in ids]


def _name_field_id(pid: int) -> str:
    """The id of a person card's name field, as Dash writes it."""
    return json.dumps({"pid": pid, "type": "person-name"}, separators=(",", ":"))


def _undo(br, label: str) -> None:
    undo = _wait(br, lambda: [b for b in br.driver.find_elements("id", "people-undo-btn")
                              if b.text == f"Undo {label}" and b.is_enabled()], 15, f"Undo {label}")[0]
    br.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", undo)
    undo.click()


def test_name_groups_one_after_another_from_the_keyboard(server, browser):
    """With "Not named yet", Enter saves a name and puts the cursor in the next card's name field at once, where it
    stays when the answer redraws the cards: two groups are named in a row; each named card leaves its place (to
    the next group to name, if any) and the other cards stay where they are; from the last card the cursor goes
    round to the first. Undo takes both names back."""
    url, _data_dir = server
    br = browser
    _go(br, url + "/", ".person-card")
    br.driver.find_element("css selector", "label[for=people-unnamed-only]").click()
    _wait(br, lambda: "not named yet" in br.driver.find_element("id", "people-count").text, 15, "Not named yet")
    before = _card_ids(br)
    assert len(before) >= 3
    br.driver.find_elements("css selector", "#people-grid .person-name-input")[0].send_keys("Blake Example\n")
    # The answer redraws the cards (the named one gives its place): the cursor stays in the second card's field.
    _wait(br, lambda: before[0] not in _card_ids(br), 15, "the named card gone")
    _wait(br, lambda: br.driver.execute_script("return document.activeElement.id") == _name_field_id(before[1]), 15,
          "the cursor in the second card's name")
    ActionChains(br.driver).send_keys("Casey Example\n").perform()
    _wait(br, lambda: not set(before[:2]) & set(_card_ids(br)), 15, "both named cards gone")
    _settled(br)
    assert [pid for pid in _card_ids(br) if pid in before] == before[2:]
    # From the last card, Enter goes round to the first card still without a name.
    br.driver.find_elements("css selector", "#people-grid .person-name-input")[-1].send_keys("\n")
    assert br.driver.execute_script(
        "return document.activeElement === document.querySelector('#people-grid .person-name-input')")
    br.driver.find_element("css selector", "label[for=people-unnamed-only]").click()
    _wait(br, lambda: "not named yet" not in br.driver.find_element("id", "people-count").text, 15, "all groups")
    _settled(br)
    names = {json.loads(pid)["pid"]: value for pid, value in br.driver.execute_script(
        "return [...document.querySelectorAll('#people-grid [id*=person-card]')]"
        ".map(c => [c.id, c.querySelector('.person-name-input').value])")}
    assert (names[before[0]], names[before[1]]) == ("Blake Example", "Casey Example")
    _undo(br, "naming “Casey Example”")
    _undo(br, "naming “Blake Example”")
    _wait(br, lambda: {f.get_attribute("value") for f in br.driver.find_elements(
        "css selector", "#people-grid .person-name-input")} & {"Blake Example", "Casey Example"} == set(), 15,
          "both names taken back")
    _assert_no_page_errors(br)


def test_a_name_like_someones_but_for_its_accents_asks_and_can_be_kept(server, browser):
    """A group named like the named person but with an accent: the dialog asks whether it is them and offers to
    keep the name as typed; kept, the group has that name (and Undo takes it back)."""
    url, _data_dir = server
    br = browser
    _go(br, url + "/", ".person-card")
    alike = NAME.replace("Example", "Exámple")
    fields = [f for f in br.driver.find_elements("css selector", "#people-grid .person-name-input")
              if not f.get_attribute("value")]
    fields[0].send_keys(alike + "\n")
    _wait(br, lambda: "did you mean them?" in br.driver.find_element("id", "people-confirm-body").text, 10,
          "the question")
    keep = br.driver.find_element("id", "people-confirm-keep")
    assert keep.text == f"Name it “{alike}”" and keep.is_displayed()
    keep.click()
    _wait(br, lambda: f"“{alike}”" in br.driver.find_element("id", "app-toast").text, 15, "the 'Named' toast")
    _wait(br, lambda: alike in {f.get_attribute("value") for f in br.driver.find_elements(
        "css selector", "#people-grid .person-name-input")}, 15, "the name kept")
    _undo(br, f"naming “{alike}”")
    _wait(br, lambda: alike not in {f.get_attribute("value") for f in br.driver.find_elements(
        "css selector", "#people-grid .person-name-input")}, 15, "the name taken back")
    _assert_no_page_errors(br)


def test_upload_refusals_are_shown(server, browser, tmp_path):
    """A zip-slip archive and a text file, uploaded in the browser, are refused with the reason."""
    import zipfile

    url, data_dir = server
    br = browser
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../evil.jpg", b"not really a photo")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    _go(br, url + "/library", "#lib-upload input[type=file]")
    br.driver.find_element("css selector", "#lib-upload input[type=file]").send_keys(str(evil))
    _wait(br, lambda: "points outside its folder" in br.driver.find_element("id", "lib-add-result").text, 15,
          "the zip-slip refusal")
    _go(br, url + "/library", "#lib-upload input[type=file]")
    br.driver.find_element("css selector", "#lib-upload input[type=file]").send_keys(str(notes))
    _wait(br, lambda: "notes.txt: not a photo or zip" in br.driver.find_element("id", "lib-add-result").text, 15,
          "the non-image refusal")
    assert not (data_dir / "evil.jpg").exists() and not (data_dir / "uploads" / "evil.jpg").exists()


def test_a_drop_too_large_to_upload_at_once_says_what_to_do(server, browser, tmp_path):
    """Photos dropped together past the upload limit (Dash sends a drop in one request, which the server would
    refuse with a 413 the page cannot show) are refused in the browser with what to do; nothing is sent or stored."""
    from dashapp.uploads import MAX_UPLOAD_BYTES

    url, data_dir = server
    br = browser
    files = []
    for name in ("big_1.jpg", "big_2.jpg"):  # 110 MB each (sparse): each under the limit, together over the server's
        path = tmp_path / name
        with path.open("wb") as f:
            f.truncate(MAX_UPLOAD_BYTES * 11 // 20)
        files.append(str(path))
    uploads = data_dir / "uploads"
    before = sorted(uploads.rglob("*")) if uploads.exists() else []
    _go(br, url + "/library", "#lib-upload input[type=file]")
    br.driver.find_element("css selector", "#lib-upload input[type=file]").send_keys("\n".join(files))
    message = _wait(br, lambda: [t for t in [br.driver.find_element("id", "lib-add-result").text]
                                 if "at most 200 MB can be uploaded at a time" in t], 60, "the too-large refusal")[0]
    assert message.startswith("These 2 files are 220.0 MB together") and "add the folder they are in" in message
    assert (sorted(uploads.rglob("*")) if uploads.exists() else []) == before
    _assert_no_page_errors(br)


def test_find_a_person_in_photos_and_a_video(server, browser, tmp_path):
    """Upload two photos of someone, then a video: their photos and the moments they appear are shown."""
    from find_fixtures import person_video

    url, data_dir = server
    br = browser
    # The library holds the fixture photos (added by the test above; unchanged photos are skipped if it ran).
    ingest = subprocess.run([sys.executable, str(ROOT / "app.py"), "ingest", "--data-dir", str(data_dir), str(PHOTOS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=INGEST_TIMEOUT_S)
    assert ingest.returncode == 0, ingest.stderr[-2000:]

    _go(br, url + "/find", "#find-upload input[type=file]")
    photos = "\n".join(str(PHOTOS / name) for name in ("obama_3.jpg", "obama_2.jpg"))  # two files at once
    br.driver.find_element("css selector", "#find-upload input[type=file]").send_keys(photos)
    _wait(br, lambda: br.driver.find_elements("css selector", "#find-query .find-chosen"), INGEST_TIMEOUT_S,
          "the searched face boxed on the query photo")
    also = _wait(br, lambda: br.driver.find_elements("css selector", "#find-also"), 20, "the second photo shown")
    assert "Searched with 2 faces" in also[0].text and "joined" in also[0].text
    names = _wait(br, lambda: {t.text.splitlines()[0] for t in br.driver.find_elements(
        "css selector", "#find-matches .find-tile")}, 20, "matches")
    assert {"obama_1.jpg", "obama_2.jpg", "obama_3.jpg"} <= names, names
    assert br.driver.find_element("css selector", "#find-matches a").get_attribute("href").split("/")[-1] \
        .startswith("photos?photo=")

    video = person_video(tmp_path / "party.mp4")
    br.driver.find_element("css selector", "#find-video-upload input[type=file]").send_keys(str(video))
    _wait(br, lambda: len(br.driver.find_elements("css selector", ".find-moment")) == 2, INGEST_TIMEOUT_S,
          "two moments in the video")
    assert "0:00 – 0:02" in br.driver.find_element("css selector", ".find-video").text
    br.driver.set_window_size(1400, 1350)  # photos and video moments in one picture
    _shot(br, "find")
    br.driver.set_window_size(1400, 1000)
    # A moment's time plays the video from there, in the player above the moments.
    second = br.driver.find_elements("css selector", ".find-video [data-seek]")[1]
    br.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", second)
    second.click()
    position = "var v = document.querySelector('video.find-player'); return [v.currentTime, v.paused, v.error && v.error.code]"
    # Read with the time that says it (played on from 0:07, it ends at 0:10 and pauses).
    played = _wait(br, lambda: (lambda p: p if p[0] >= 7 else None)(br.driver.execute_script(position)), 20,
                   "the video playing from the second moment")
    assert played[1:] == [False, None]

    # A person card's Find link: the search starts, and its address forgets the person, so a reload (or Back from a
    # result photo) shows that search instead of starting another.
    _go(br, url + "/", ".person-card")
    person_id = _named_person_id(br)
    _go(br, f"{url}/find?person={person_id}", "#find-query")
    _wait(br, lambda: "Searched with all" in br.driver.find_element("id", "find-query-hint").text, INGEST_TIMEOUT_S,
          "the person's search done")
    assert br.driver.current_url == f"{url}/find"
    search = _latest_search(data_dir)
    br.driver.refresh()
    _wait(br, lambda: "Searched with all" in br.driver.find_element("id", "find-query-hint").text, 30,
          "the same search shown again")
    assert _latest_search(data_dir) == search  # no new one
    _assert_no_page_errors(br)


def test_a_number_typed_in_a_sliders_box_applies_on_enter(server, browser):
    """Find's strictness and the Attributes page's thresholds have a box to type the number in; Dash's slider took
    it only once the cursor left the box, so Enter (what everyone presses) left the results as they were."""
    url, data_dir = server
    br = browser
    ingest = subprocess.run([sys.executable, str(ROOT / "app.py"), "ingest", "--data-dir", str(data_dir), str(PHOTOS)],
                            cwd=ROOT, capture_output=True, text=True, timeout=INGEST_TIMEOUT_S)
    assert ingest.returncode == 0, ingest.stderr[-2000:]

    def count(element_id: str) -> int:
        return int(br.driver.find_element("id", element_id).text.split()[0].replace(",", ""))

    def type_in(box, value: str) -> None:
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(value + Keys.ENTER)

    _go(br, url + "/find", "#find-upload input[type=file]")
    # The page shows the last search (the test above's, its face boxed too) until this one's is drawn: its box and
    # results were taken for this search's, and went while the new one ran.
    br.driver.execute_script("document.querySelectorAll('#find-query .find-chosen').forEach(b => b.dataset.before = 1)")
    br.driver.find_element("css selector", "#find-upload input[type=file]").send_keys(str(PHOTOS / "obama_3.jpg"))
    _wait(br, lambda: br.driver.find_elements("css selector", "#find-query .find-chosen:not([data-before])"),
          INGEST_TIMEOUT_S, "the search done")
    before = _wait(br, lambda: count("find-count"), 20, "the photos found")
    box = br.driver.find_element("css selector", "#find-threshold input[type=number]")
    type_in(box, "1.3")  # as loose as the slider goes: strangers too
    _wait(br, lambda: count("find-count") > before, 10, "more photos at the strictness typed")
    assert br.driver.execute_script(  # the cursor stays, to try another number
        "return document.activeElement.matches('#find-threshold input[type=number]')")

    _go(br, url + "/attributes", "#attr-rule1-value input[type=number]")
    before = _wait(br, lambda: count("attr-filter-count"), 20, "the faces counted")
    type_in(br.driver.find_element("css selector", "#attr-rule1-value input[type=number]"), "0")
    _wait(br, lambda: count("attr-filter-count") > before, 10, "every face at the threshold typed")
    _assert_no_page_errors(br)


def test_drop_areas_and_sliders_are_named_for_screen_readers(server, browser):
    """The drop areas' file fields, and the sliders' number boxes and handles, had no name: a screen reader said
    "Choose files" for both of Find's drop areas, and "slider" for each threshold (assets/labels.js names them
    after their labels)."""
    url, _data_dir = server
    br = browser

    def names(css: str) -> list[str]:
        return [e.get_attribute("aria-label") for e in br.driver.find_elements("css selector", css)]

    _go(br, url + "/library", "#lib-upload input[type=file]")
    _wait(br, lambda: names("input[type=file]") == ["Or upload photos or a .zip: Drop photos or a zip here, or click to "
                                                    "choose"], 10, "the Library's drop area named")
    _go(br, url + "/find", "#find-upload input[type=file]")
    _wait(br, lambda: names("input[type=file]") == ["A photo of the person: Drop a photo here, or click to choose",
                                                    "Also look through videos (optional): Drop videos here, or click "
                                                    "to choose"], 10, "Find's drop areas named")
    _wait(br, lambda: names("#find-threshold input, #find-threshold [role=slider]") ==
          ["How alike must a face be?"] * 2, 20, "the strictness named")  # the last search's
    _go(br, url + "/attributes", "#attr-rule2-value [role=slider]")
    _wait(br, lambda: names("[id^=attr-rule] input[type=number], [id^=attr-rule] [role=slider]") ==
          ["Rule 1 threshold"] * 2 + ["Rule 2 threshold"] * 2, 10, "the thresholds named")
    # A dropdown was named by its value alone ("Smiling"): its label comes first.
    spoken = "return arguments[0].getAttribute('aria-labelledby').split(' ').map(i => document.getElementById(i))" \
             ".filter(Boolean).map(e => e.textContent.trim()).join(' ')"
    _wait(br, lambda: br.driver.execute_script(spoken, br.driver.find_element("id", "attr-rule1-name")) ==
          "Rule 1 attribute Smiling", 10, "the rule's attribute named")
    _go(br, url + "/map", "#map-color")
    _wait(br, lambda: br.driver.execute_script(spoken, br.driver.find_element("id", "map-color")) ==
          "Colour by Person", 10, "the map's colour named")
    _assert_no_page_errors(br)


def _latest_search(data_dir: Path) -> int:
    """The id of the library's latest search."""
    from dashapp.config import load_config
    from dashapp.store import Store

    store = Store.open(load_config(data_dir, create=False))
    try:
        return store.jobs.latest("find", limit=1)[0].id
    finally:
        store.close()


def _move_a_face(br, option: str) -> str:
    """Select the last face of the person cards (focused, then Enter) and move it to the dropdown option
    starting with `option`; returns its face id."""
    tile = _wait(br, lambda: br.driver.find_elements("css selector", "#people-grid .face-tile"), 15, "face tiles")[-1]
    face = tile.get_attribute("data-fid")
    br.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'}); arguments[0].focus();", tile)
    ActionChains(br.driver).send_keys(Keys.ENTER).perform()  # a face is selected with the keyboard too
    _wait(br, lambda: "1 face selected" in br.driver.find_element("id", "people-sel-info").text, 10, "the selection")
    br.driver.find_element("id", "people-move-target").click()
    _wait(br, lambda: br.driver.find_elements("xpath", f"//*[starts-with(normalize-space(text()), '{option}')]"),
          10, f"the {option} option")[0].click()
    br.driver.find_element("id", "people-move-btn").click()
    return face


def test_set_a_face_aside_as_ignored_then_undo(server, browser):
    """Select a face, move it to Ignored: it leaves its place for the Ignored faces card; Undo puts it back."""
    url, _data_dir = server
    br = browser
    _go(br, url + "/", ".person-card")
    face = _move_a_face(br, "Ignored (")
    _wait(br, lambda: "Set 1 face aside as Ignored" in br.driver.find_element("id", "app-toast").text, 15,
          "the 'Ignored' toast")
    card = _wait(br, lambda: (lambda c: c if c.is_displayed() else None)(
        br.driver.find_element("id", "people-ignored-card")), 15, "the Ignored faces card")
    assert [t.get_attribute("data-fid") for t in card.find_elements("css selector", ".face-tile")] == [face]
    _settled(br)  # the cards and the unsorted faces are drawn by other callbacks than the Ignored card
    assert face not in [t.get_attribute("data-fid") for t in br.driver.find_elements(
        "css selector", "#people-grid .face-tile, #people-unsorted-grid .face-tile")]

    _undo(br, "move of 1 face to Ignored")
    _wait(br, lambda: not br.driver.find_element("id", "people-ignored-card").is_displayed(), 15,
          "the Ignored card gone")
    _wait(br, lambda: face in [t.get_attribute("data-fid") for t in br.driver.find_elements("css selector", ".face-tile")],
          15, "the face back in its place")
    _assert_no_page_errors(br)


def test_sort_a_face_one_by_one_with_the_keyboard(server, browser):
    """A face moved to Unsorted; the sorter shows it in its photo; S skips it, Ctrl+Z takes the skip back; a
    typed name gives it to a new person, Back takes that back; Done closes; Undo restores the library."""
    url, _data_dir = server
    br = browser
    _go(br, url + "/", ".person-card")
    face = _move_a_face(br, "Unsorted (")
    _wait(br, lambda: "Moved 1 face to Unsorted" in br.driver.find_element("id", "app-toast").text, 15, "the toast")
    _wait(br, lambda: br.driver.find_element("id", "people-sort-btn").is_enabled(), 10, "Sort one by one enabled")
    br.driver.find_element("id", "people-sort-btn").click()
    progress = _wait(br, lambda: br.driver.find_elements("id", "people-sort-progress"), 10, "the sorter")[0]
    _wait(br, lambda: "to go" in progress.text, 10, "the progress")
    assert br.driver.find_elements("css selector", "#people-sort-view .photo-main")
    seen = br.driver.find_element("css selector", "#people-sort-view .sort-face").get_attribute("src")

    ActionChains(br.driver).send_keys("s").perform()
    _wait(br, lambda: "1 skipped" in progress.text, 10, "the skip")
    ActionChains(br.driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()  # Back
    _wait(br, lambda: "skipped" not in progress.text, 10, "the skip taken back")
    assert br.driver.find_element("css selector", "#people-sort-view .sort-face").get_attribute("src") == seen
    _shot(br, "people-sort")

    def shown() -> str:
        return br.driver.find_element("css selector", "#people-sort-view .sort-face").get_attribute("src")

    while not (src := shown()).endswith(f"/media/face/{face}.jpg"):
        ActionChains(br.driver).send_keys("s").perform()  # skip to the face moved above
        _wait(br, lambda: shown() != src, 10, "the next face")
    name_box = br.driver.find_element("id", "people-sort-new")
    name_box.send_keys("Zed Example\n")
    _wait(br, lambda: "Moved 1 face to Zed Example" in br.driver.find_element("id", "people-sort-note").text, 10,
          "the note")
    br.driver.find_element("id", "people-sort-back").click()
    _wait(br, lambda: "Took back the move of 1 face to “Zed Example”" in
          br.driver.find_element("id", "people-sort-note").text, 10, "Back")
    br.driver.find_element("id", "people-sort-done").click()
    _wait(br, lambda: not br.driver.find_elements("id", "people-sort-progress"), 10, "the sorter closed")
    assert "Zed Example" not in br.driver.find_element("id", "people-grid").text

    undo = _wait(br, lambda: [b for b in br.driver.find_elements("id", "people-undo-btn")
                              if b.text == "Undo move of 1 face to Unsorted" and b.is_enabled()], 15, "Undo")
    br.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", undo[0])
    undo[0].click()
    _wait(br, lambda: "Took back the move of 1 face to Unsorted" in br.driver.find_element("id", "app-toast").text,
          15, "the library as it was")
    _assert_no_page_errors(br)


def test_merge_the_named_person_with_another_group_then_undo(server, browser):
    """Tick the named card and another, confirm: one card less, and the person's photos include the other's;
    Ctrl+Z (the Undo button) brings the other group back.

    Last in this module: the screenshots above show each person as the clustering found them.
    """
    url, _data_dir = server
    br = browser
    _go(br, url + "/", ".person-card")
    person_id = _named_person_id(br)
    _go(br, f"{url}/photos?person={person_id}", ".face-box")
    n_photos = len(_wait(br, lambda: br.driver.find_elements("css selector", "#photos-grid .photo-tile"), 20, "photos"))

    _go(br, url + "/", ".person-card")
    cards = br.driver.find_elements("css selector", ".person-card")
    named = [c for c in cards if c.find_element("css selector", "input.person-name-input").get_attribute("value") == NAME]
    for card in named + [c for c in cards if c not in named][:1]:
        card.find_element("css selector", ".person-tick").click()
    _wait(br, lambda: br.driver.find_element("id", "people-merge-btn").is_enabled(), 10, "merge button enabled")
    br.driver.find_element("id", "people-merge-btn").click()
    _wait(br, lambda: "Merge" in br.driver.find_element("id", "people-confirm-body").text, 10, "merge dialog")
    br.driver.find_element("id", "people-confirm-yes").click()
    _wait(br, lambda: "Merged 2 groups into " + NAME in br.driver.find_element("id", "app-toast").text, 15,
          "the 'Merged' toast")
    _wait(br, lambda: len(br.driver.find_elements("css selector", ".person-card")) == len(cards) - 1, 15,
          "one card less")

    _go(br, f"{url}/photos?person={person_id}", ".face-box")
    _wait(br, lambda: len(br.driver.find_elements("css selector", "#photos-grid .photo-tile")) > n_photos, 20,
          "the merged group's photos")

    _go(br, url + "/", ".person-card")
    _wait(br, lambda: [b for b in br.driver.find_elements("id", "people-undo-btn")
                       if b.text == "Undo merge of 2 groups" and b.is_enabled()], 15, "the Undo button")
    br.driver.execute_script("document.activeElement && document.activeElement.blur()")  # not typing in a field
    ActionChains(br.driver).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()  # = the button
    _wait(br, lambda: "Took back the merge of 2 groups" in br.driver.find_element("id", "app-toast").text, 15,
          "the 'Undone' toast")
    _wait(br, lambda: len(br.driver.find_elements("css selector", ".person-card")) == len(cards), 15,
          "the other group back")
    _assert_no_page_errors(br)


def test_on_a_phone_the_menu_folds_and_no_page_scrolls_sideways(server, browser):
    """At a phone's width the page links fold behind the menu button (listed one under the other in the bar, which
    stays on top, they took a third of the screen), each page fits the screen's width, and a page's title keeps
    the width to be read (its controls go under it)."""
    url, _data_dir = server
    br = browser
    br.driver.set_window_size(390, 844)
    try:
        _go(br, url + "/", ".person-card")
        bar = br.driver.find_element("css selector", ".navbar")
        assert bar.size["height"] < 80 and not br.driver.find_element("id", "nav-library").is_displayed()
        br.driver.find_element("id", "nav-toggler").click()
        _wait(br, lambda: br.driver.find_element("id", "nav-library").is_displayed(), 10, "the links shown")
        br.driver.find_element("id", "nav-library").click()
        _wait(br, lambda: br.driver.find_elements("id", "lib-folders"), 20, "the Library page")
        _wait(br, lambda: not br.driver.find_element("id", "nav-people").is_displayed(), 10, "the links folded")
        for page, ready in (("/", ".person-card"), ("/library", "#lib-folders table"), ("/attributes", "#attr-export"),
                            ("/map", "#map-graph"), ("/photos", ".photo-tile"), ("/find", "#find-upload")):
            _go(br, url + page, ready)
            # Once the figures and grids have taken their width (Plotly draws at its own pace).
            wide, screen = _once(lambda: br.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"),
                lambda w: w[0] <= w[1])
            assert wide <= screen, f"{page} is {wide} px wide on a {screen} px screen"
            subtitle = br.driver.find_element("css selector", ".page-header .text-muted")
            assert subtitle.size["width"] > 250, f"{page}: the title squeezed to {subtitle.size['width']} px"
            if page == "/library":  # the folders' paths were squeezed to a few letters a line; the table scrolls
                cell = br.driver.find_element("css selector", "#lib-folders td")
                assert cell.size["width"] >= 170, f"the folder column squeezed to {cell.size['width']} px"
        # The last search's photo leaves room for its results: a phone showed the photo over more than a screen.
        photo = _wait(br, lambda: br.driver.find_elements("css selector", "#find-query .photo-frame"), 20,
                      "the last search's photo")[0]
        assert photo.size["height"] <= 0.35 * 844, f"the query photo is {photo.size['height']} px tall"
        # The last search's slider (Find shows it again): its "stricter", "default" and "looser" can all be read.
        marks = _once(lambda: br.driver.execute_script(
            "return [...document.querySelectorAll('#find-threshold .dash-slider-mark')].map(m => {"
            "const b = m.getBoundingClientRect(); return [m.textContent, b.left, b.right, b.top, b.bottom]; });"),
            lambda m: len(m) == 3, 20)
        assert len(marks) == 3, marks  # the search of test_find_a_person_in_photos_and_a_video
        for i, a in enumerate(marks):
            for b in marks[i + 1:]:
                assert a[2] <= b[1] or b[2] <= a[1] or a[4] <= b[3] or b[4] <= a[3], f"{a[0]} over {b[0]}: {marks}"
        _assert_no_page_errors(br)
    finally:
        br.driver.set_window_size(1400, 1000)


def test_people_and_photos_follow_a_name_given_from_the_command_line(server, browser):
    """A name given elsewhere (here the command line, as from another window) shows on the open page within a poll
    of the navbar, without reloading it; a face of that card with the keyboard focus keeps it as the card is drawn
    again."""
    url, data_dir = server
    br = browser

    def cli(*args: str) -> None:
        subprocess.run([sys.executable, str(ROOT / "app.py"), "people", "--data-dir", str(data_dir), *args],
                       cwd=ROOT, check=True, capture_output=True, timeout=60)

    _go(br, url + "/", ".person-card")
    pid = _card_ids(br)[-1]
    field_id = json.dumps({"pid": pid, "type": "person-name"}, separators=(",", ":"))  # as Dash writes it
    tile = br.driver.find_elements("css selector", "#people-grid .person-card")[-1].find_element(
        "css selector", ".face-tile")
    fid = tile.get_attribute("data-fid")
    br.driver.execute_script("arguments[0].dataset.drawnBefore = 'yes'; arguments[0].focus()", tile)
    cli("name", str(pid), "Named Elsewhere")
    name_shown = "const field = document.getElementById(arguments[0]); return field && field.value;"
    _wait(br, lambda: br.driver.execute_script(name_shown, field_id) == "Named Elsewhere", 15, "the name on People")
    # The card was drawn again (the face focused is gone from the page): its copy has the focus.
    assert not br.driver.find_elements("css selector", "[data-drawn-before]")
    assert br.driver.execute_script("return document.activeElement.dataset.fid") == fid
    _go(br, url + f"/photos?person={pid}", ".photo-tile")
    assert "Named Elsewhere" in br.driver.find_element("id", "photos-people").text
    cli("undo")
    _wait(br, lambda: "Named Elsewhere" not in br.driver.find_element("id", "photos-people").text, 15,
          "the name gone from Photos")
    _assert_no_page_errors(br)
