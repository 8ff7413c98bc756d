"""How long the People page's actions take in a real browser (headless Chromium), in seconds.

    python benchmarks/bench_browser.py --library L [--runs 3]

`bench_ui.py` times the server's callbacks; this times what the user waits for, the browser's work included:
the page's first cards, a face selected, a group named, a group named with "Not named yet" (its card gives its
place to the next group), a face moved to Unsorted, two groups merged, the merge undone. Each run serves a fresh
copy of the library (`app.py serve`), so the library is never changed. Needs chromium and chromedriver (as the
end-to-end tests do).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 60.0


def until(condition: Callable[[], object], what: str) -> float:
    """Seconds until `condition` holds."""
    start = time.perf_counter()
    while time.perf_counter() - start < LIMIT_S:
        try:
            if condition():
                return time.perf_counter() - start
        except (WebDriverException, OSError):  # not there yet (the page's element, the server)
            pass
        time.sleep(0.02)
    raise TimeoutError(f"waited {LIMIT_S:.0f} s for {what}")


def serve(data_dir: Path) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "serve", "--data-dir", str(data_dir),
                             "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    until(lambda: urllib.request.urlopen(url + "/library", timeout=2), "the server")
    return proc, url


def one_run(library: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "library"
        shutil.copytree(library, data_dir)
        proc, url = serve(data_dir)
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
            options.add_argument(arg)
        driver = webdriver.Chrome(options=options)
        try:
            return people_actions(driver, url)
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=10)


def people_actions(driver: webdriver.Chrome, url: str) -> dict[str, float]:
    find, find_all = driver.find_element, driver.find_elements
    times = {}
    start = time.perf_counter()
    driver.get(url + "/")
    until(lambda: "people and groups" in find("id", "people-count").text, "the cards")
    times["open People (first cards)"] = time.perf_counter() - start
    time.sleep(3)  # the rest of the page (unsorted faces, suggestions) settles

    tile = find_all("css selector", "#people-grid .face-tile")[5]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", tile)
    tile.click()
    times["select a face"] = until(lambda: "1 face selected" in find("id", "people-sel-info").text, "the selection")
    time.sleep(1)

    def name(field_index: int, text: str) -> float:
        """Seconds from Enter in a card's name field until the count of named groups says so (and, with "Not
        named yet", another group's card is there)."""
        count = find("id", "people-count").text
        field = find_all("css selector", "#people-grid .person-name-input")[field_index]
        leaves = find("id", "people-unnamed-only").is_selected()
        driver.execute_script("arguments[0].focus()", field)
        driver.switch_to.active_element.send_keys(text + "\n")
        return until(lambda: find("id", "people-count").text != count and (not leaves or (
            find_all("css selector", "#people-grid .person-name-input")[field_index] != field)), "the name saved")

    times["name a group"] = name(1, "Alpha Example")
    time.sleep(1)
    driver.execute_script("window.scrollTo(0, 0)")
    find("css selector", "label[for=people-unnamed-only]").click()
    until(lambda: "not named yet" in find("id", "people-count").text, "Not named yet")
    time.sleep(3)
    times["name a group, Not named yet"] = name(2, "Beta Example")
    time.sleep(1)

    driver.execute_script("window.scrollTo(0, 0)")
    find("id", "people-move-target").click()
    until(lambda: find_all("xpath", "//*[starts-with(normalize-space(text()), 'Unsorted (')]"), "the option")
    find_all("xpath", "//*[starts-with(normalize-space(text()), 'Unsorted (')]")[0].click()
    unsorted = find("id", "people-unsorted-count").text
    find("id", "people-move-btn").click()
    times["move a face to Unsorted"] = until(
        lambda: find("id", "people-unsorted-count").text != unsorted
        and "Nothing selected" in find("id", "people-sel-info").text, "the move")
    time.sleep(1)

    def cards() -> list[str]:
        return [f.get_attribute("id") for f in find_all("css selector", "#people-grid .person-name-input")]

    driver.execute_script("window.scrollTo(0, 0)")
    boxes = find_all("css selector", "#people-grid .person-tick")
    driver.execute_script("arguments[0].click(); arguments[1].click()", boxes[3], boxes[4])
    until(lambda: find("id", "people-merge-btn").is_enabled(), "two groups ticked")
    find("id", "people-merge-btn").click()
    until(lambda: find("id", "people-confirm-yes").is_displayed(), "the merge dialog")
    time.sleep(1)  # the dialog's fade
    before = cards()
    find("id", "people-confirm-yes").click()
    times["merge two groups"] = until(lambda: cards() != before, "the merge")
    time.sleep(2)
    driver.execute_script("window.scrollTo(0, 0)")
    before = cards()
    find("id", "people-undo-btn").click()
    times["undo the merge"] = until(lambda: cards() != before, "the undo")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, required=True, help="a library folder (copied, never changed)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not (args.library / "library.sqlite3").is_file():
        parser.error(f"{args.library} is not a library folder (no library.sqlite3)")
    runs = [one_run(args.library) for _ in range(args.runs)]
    print(f"{'People, in headless Chromium':34} " + " ".join(f"{f'run {k + 1}':>7}" for k in range(len(runs)))
          + f" {'median':>7}")
    for label in runs[0]:
        values = [run[label] for run in runs]
        print(f"{label:34} " + " ".join(f"{v:6.2f}s" for v in values) + f" {statistics.median(values):6.2f}s")


if __name__ == "__main__":
    main()
