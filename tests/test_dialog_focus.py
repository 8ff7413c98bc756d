"""Keyboard use of the People, Photos, Library and Find pages in a real headless Chromium: the focus around their dialogs
and what they redraw (assets/keyboard.js, assets/find.js), People's search as one types.

dbc.Modal leaves the focus on the page's body once it closes, and the page is drawn anew as it does; keyboard and
screen reader users then start again from the top. The dialog must give the focus back to the button that opened
it. The server is the real one (`python app.py serve`) on a synthetic library (no model needed).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from served_app import BROWSER_TESTS, MAP_TRACES, served, settled, wait_for
from ui_fixtures import GROUP_PHOTOS

ROOT = Path(__file__).resolve().parents[1]

pytestmark = BROWSER_TESTS
SUGGEST_MERGE = "button[id*='\"suggest-merge\"']"
REMOVE_FOLDER = "button[id*='\"lib-remove-folder\"']"
PHOTO_TILE = "#photos-grid .photo-tile"
WEIGHTS = ROOT / "model" / "weights" / "face_model.keras"


@pytest.fixture()
def people_page(tmp_path):
    """A headless Chromium on the People page of a library of five groups with two merge suggestions."""
    photos = sorted(GROUP_PHOTOS.glob("*.jpg"))
    with served(tmp_path, n_faces=36, faces_per_photo=3, n_people=5, photo_files=photos) as (driver, url):
        driver.get(url + "/")
        wait_for(lambda: driver.find_elements("css selector", SUGGEST_MERGE), "the merge suggestions")
        settled(driver)  # the cards too: drawn by another callback than the suggestions
        yield driver


@pytest.fixture()
def library_page(tmp_path):
    """A headless Chromium on the Library page of a library of two folders (and its server's URL)."""
    folders = [tmp_path / "album-a", tmp_path / "album-b"]
    for folder in folders:
        folder.mkdir()
    with served(tmp_path, n_faces=12, faces_per_photo=3, n_people=2, folders=folders) as (driver, url):
        driver.get(url + "/library")
        wait_for(lambda: len(driver.find_elements("css selector", REMOVE_FOLDER)) == 2, "the folders")
        settled(driver)
        yield driver, url


@pytest.fixture()
def photos_page(tmp_path):
    """A headless Chromium on the Photos page of a library of 25 photos: a full page of 24 and one more."""
    with served(tmp_path, n_faces=75, faces_per_photo=3, n_people=3) as (driver, url):
        driver.get(url + "/photos")
        wait_for(lambda: len(driver.find_elements("css selector", PHOTO_TILE)) == 24, "the photos")
        settled(driver)  # the photo shown too
        yield driver


@pytest.fixture()
def map_page(tmp_path):
    """A headless Chromium on the Map page of a library of five groups."""
    with served(tmp_path, n_faces=36, faces_per_photo=3, n_people=5) as (driver, url):
        driver.get(url + "/map")
        wait_for(lambda: driver.execute_script(MAP_TRACES), "the map")
        yield driver


def _to_the_middle(driver, element, focus: bool = False) -> None:
    """Scroll `element` to the middle of the window, at once (Bootstrap scrolls smoothly: an element still moving may
    be missed), and give it the focus if asked."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});"
                          "if (arguments[1]) { arguments[0].focus(); }", element, focus)


def _focused(driver) -> str:
    """The focused element: its id, else its tag name."""
    return driver.execute_script("var e = document.activeElement; return e ? e.id || e.tagName : null")


def _by_id(driver, id_: str):
    """The element of this id (a suggestion's id is JSON, which selenium's own lookup by id refuses)."""
    return driver.execute_script("return document.getElementById(arguments[0])", id_)


def _through_the_dialog(driver, opener, close: str) -> None:
    """Open the merge dialog with `opener` (from the keyboard: focused, then Enter) and close it with `close`
    (a button's id, or "Escape"); then wait until the dialog is gone."""
    _to_the_middle(driver, opener, focus=True)
    opener.send_keys(Keys.ENTER)
    _close_dialog(driver, close)


def _close_dialog(driver, close: str, dialog: str = "people-confirm-modal") -> None:
    """Once the dialog shows (People's merge dialog unless said), close it with `close` (a button's id, or
    "Escape"), and wait until it is gone."""
    # Shown, its fade-in and slide over (a button still sliding may be missed) and the focus in it: from then on
    # Escape closes it, and the element that had the focus before is the one it gives the focus back to.
    wait_for(lambda: driver.execute_script(
        "var m = document.querySelector('.modal.show #' + arguments[0]), d = m && m.closest('.modal');"
        "return Boolean(d) && getComputedStyle(d).opacity === '1' && d.contains(document.activeElement) &&"
        " getComputedStyle(d.querySelector('.modal-dialog')).transform === 'none'", dialog), "the dialog")
    if close == "Escape":
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    else:
        driver.find_element("id", close).click()
    wait_for(lambda: driver.execute_script("return !document.querySelector('.modal')"), "the dialog to close")


def test_the_merge_dialog_gives_the_focus_back_to_the_button_that_opened_it(people_page):
    driver = people_page
    first, second = [b.get_attribute("id") for b in driver.find_elements("css selector", SUGGEST_MERGE)]
    for close in ("people-confirm-no", "Escape"):  # not merged: back on the suggestion's own Merge
        _through_the_dialog(driver, _by_id(driver, first), close)
        wait_for(lambda: _focused(driver) == first, f"the focus back on the suggestion's Merge after {close}")
        time.sleep(1)  # the page drawn anew meanwhile keeps it there
        assert _focused(driver) == first
    # Merged: that suggestion is gone; the focus goes to the Merge of the one now in its place.
    _through_the_dialog(driver, _by_id(driver, first), "people-confirm-yes")
    wait_for(lambda: _focused(driver) == second, "the focus on the next suggestion's Merge")
    settled(driver)  # the cards are drawn anew after the merge by another callback than the suggestions

    # "Merge selected groups": after merging, no group is ticked, so it is disabled; the page's heading has the focus.
    for tick in driver.find_elements("css selector", ".person-tick")[:2]:
        _to_the_middle(driver, tick)
        tick.click()
    button = driver.find_element("id", "people-merge-btn")
    wait_for(button.is_enabled, "Merge selected groups to be enabled")
    _through_the_dialog(driver, button, "people-confirm-yes")
    wait_for(lambda: _focused(driver) == "H1", "the focus on the page's heading")


def test_moving_faces_from_the_keyboard_leaves_the_focus_on_undo_then_on_the_heading(people_page):
    """People: faces selected (Enter on each), a new name typed and "Move faces" pressed with Enter; once moved, no
    face is selected and that button is disabled: the focus was left on the page's body. It goes to Undo, which
    names the move; Undo pressed with Enter, nothing is left to undo and Undo is disabled in turn: the focus goes to
    the page's heading."""
    driver = people_page
    for tile in driver.find_elements("css selector", "#people-grid .face-tile")[:2]:
        _to_the_middle(driver, tile, focus=True)
        tile.send_keys(Keys.ENTER)
    button = driver.find_element("id", "people-move-btn")
    wait_for(button.is_enabled, "Move faces to be enabled")
    driver.find_element("id", "people-move-new").send_keys("Ada")
    driver.execute_script("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)
    wait_for(lambda: _focused(driver) == "people-undo-btn", "the focus on Undo")
    assert driver.switch_to.active_element.text.startswith("Undo move of 2 faces")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: _focused(driver) == "H1", "the focus on the page's heading")


def test_enter_in_the_new_name_field_moves_the_selected_faces(people_page):
    """People: faces selected from the keyboard, a new name typed in "…or a new name" and Enter moves them there (as
    Enter saves in Photos' "Who is this?" and adds Library's folder); it did nothing. The cursor stays in the field."""
    driver = people_page
    for tile in driver.find_elements("css selector", "#people-grid .face-tile")[:2]:
        _to_the_middle(driver, tile, focus=True)
        tile.send_keys(Keys.ENTER)
    wait_for(driver.find_element("id", "people-move-btn").is_enabled, "two faces selected")
    driver.find_element("id", "people-move-new").send_keys("Ada", Keys.ENTER)
    toast = wait_for(lambda: (lambda t: t if "Ada" in t else None)(driver.find_element("id", "app-toast").text),
                  "the faces moved to Ada")
    assert "Moved 2 faces" in toast
    assert _focused(driver) == "people-move-new"


def test_a_name_clash_dialog_closed_without_merging_leaves_the_focus_in_the_name_fields(people_page):
    """Naming groups from the keyboard (Enter moves on to the next card's name field) with a name someone already
    has asks whether to merge; closed without merging, every card is drawn anew (the field shows its stored name
    again) and the focus goes back to the name field it was in when the dialog opened, drawn anew too.
    (react-bootstrap's Modal gave it back to the field's old copy when the cards were drawn first, and the focus
    was lost: keyboard users started again from the top of the page.)"""
    driver = people_page
    ids = [f.get_attribute("id") for f in driver.find_elements("css selector", "#people-grid .person-name-input")]
    first = _by_id(driver, ids[0])
    _to_the_middle(driver, first)
    first.send_keys("Ada", Keys.ENTER)
    wait_for(lambda: _focused(driver) == ids[1], "the next name field")
    # Saved before the next name is typed (the focus moves at once): sent while this one is still being saved, the
    # next "Ada" was saved too (or refused), as no one had the name yet, and no dialog asked.
    wait_for(lambda: "“Ada”" in driver.find_element("id", "app-toast").text, "the first card named")
    settled(driver)
    for at, close in ((1, "people-confirm-no"), (2, "Escape")):
        driver.switch_to.active_element.send_keys("Ada", Keys.ENTER)  # the first card's name; on to the next card
        _close_dialog(driver, close)
        wait_for(lambda: _focused(driver) == ids[at + 1], f"the focus back in the name field after {close}")
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
    wait_for(lambda: len(cards()) == 1, "only the group searched")
    assert driver.switch_to.active_element == field  # still typing there
    field.send_keys(Keys.BACKSPACE * 3)
    wait_for(lambda: len(cards()) == n_all, "every group again")


def test_removing_a_folder_leaves_the_focus_on_the_next_folders_remove_then_on_the_path_box(library_page):
    """Library: a folder removed (its Remove, from the keyboard, then "Remove from library") takes its row, and the
    button that opened the dialog, with it; the focus was left on the page's body. It goes to the Remove now in its
    place, and once no folder is left, to the box where a folder is added."""
    driver, _url = library_page
    first, second = [b.get_attribute("id") for b in driver.find_elements("css selector", REMOVE_FOLDER)]
    opener = _by_id(driver, first)
    _to_the_middle(driver, opener, focus=True)
    opener.send_keys(Keys.ENTER)
    _close_dialog(driver, "lib-remove-no", "lib-remove-modal")  # kept: back on its own Remove
    wait_for(lambda: _focused(driver) == first, "the focus back on the folder's Remove")
    for removed, then in ((first, second), (second, "lib-path")):
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        _close_dialog(driver, "lib-remove-yes", "lib-remove-modal")
        wait_for(lambda: not _by_id(driver, removed), "the folder gone from the table")
        wait_for(lambda: _focused(driver) == then, f"the focus on {then}")
        time.sleep(1.5)  # the page's next polls keep it there
        assert _focused(driver) == then


@pytest.mark.skipif(not WEIGHTS.exists(), reason="model weights not trained yet")
def test_another_face_of_finds_photo_chosen_from_the_keyboard_keeps_the_focus_on_the_photo(library_page):
    """Find: Enter on another face's box of the query photo searches for that face; the photo, drawn anew without
    its boxes while the search runs, took the focus to the page's body. It stays on the photo, then goes to the box
    of the face now searched for."""
    driver, url = library_page
    driver.get(url + "/find")
    wait_for(lambda: driver.find_elements("css selector", "#find-upload input[type=file]"), "the Find page")
    driver.find_element("css selector", "#find-upload input[type=file]").send_keys(str(GROUP_PHOTOS / "obama_and_biden.jpg"))
    other = wait_for(lambda: driver.find_elements("css selector", "#find-query [id*='\"find-face\"']"), "the search done",
                  timeout=240)[0]
    driver.execute_script("document.querySelector('#find-query .find-chosen').dataset.before = 'yes';")
    _to_the_middle(driver, other, focus=True)
    other.send_keys(Keys.ENTER)
    wait_for(lambda: driver.execute_script("return !document.querySelector('[data-before]')"), "the photo drawn anew")
    focus_meanwhile = set()
    # One script reads both, so the new box focused between two reads is not taken for a focus lost meanwhile.
    chosen_or_focus = ("var b = document.querySelector('#find-query .find-chosen'), e = document.activeElement;"
                       "return b && !b.dataset.before ? null : (e ? e.id || e.tagName : 'nothing')")
    while (focused := driver.execute_script(chosen_or_focus)) is not None:
        focus_meanwhile.add(focused)
        assert len(focus_meanwhile) < 10
        time.sleep(0.1)
    assert focus_meanwhile <= {"find-query"}, focus_meanwhile
    wait_for(lambda: driver.execute_script("return document.activeElement.matches('#find-query .find-chosen')"),
          "the focus on the face now searched for")


def test_the_arrow_keys_take_the_focus_along_to_the_photo_they_show(photos_page):
    """Photos: the right and left arrows show the next and previous photo; the focus stayed on the photo it was on
    (Enter there went back to it), or, on a face box of the photo shown, was left on the page's body once the photo
    was drawn anew. It goes to the photo now shown, on the next or previous page too."""
    driver = photos_page
    tiles = [t.get_attribute("id") for t in driver.find_elements("css selector", PHOTO_TILE)]
    active = lambda: driver.find_element("css selector", PHOTO_TILE + ".active").get_attribute("id")  # noqa: E731
    driver.execute_script("arguments[0].focus()", _by_id(driver, tiles[0]))
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: active() == tiles[1], "the second photo shown")
    wait_for(lambda: _focused(driver) == tiles[1], "the focus on the second photo")
    settled(driver)  # the second photo drawn: the first one's boxes would go from under the focus and the key
    box = wait_for(lambda: driver.find_elements("css selector", "#photos-detail .face-box"), "the photo's face boxes")[0]
    driver.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: active() == tiles[2], "the third photo shown")
    wait_for(lambda: _focused(driver) == tiles[2], "the focus on the third photo")
    time.sleep(1)  # its face boxes drawn anew meanwhile leave it there
    assert _focused(driver) == tiles[2]

    driver.execute_script("arguments[0].focus()", _by_id(driver, tiles[-1]))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: active() == tiles[-1], "the page's last photo shown")
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)  # the next page's photo
    wait_for(lambda: _by_id(driver, tiles[0]) is None, "the next page")
    wait_for(lambda: _focused(driver) == active() != tiles[-1], "the focus on the next page's photo")
    driver.switch_to.active_element.send_keys(Keys.ARROW_LEFT)  # back: the first page's last photo
    wait_for(lambda: _focused(driver) == active() == tiles[-1], "the focus on the first page's last photo")


def test_the_photos_who_choice_is_one_tab_stop_moved_through_with_the_arrows(photos_page):
    """Photos: "any of them / all of them together / only them" is one group of radio buttons: Tab stops at the one
    chosen, the arrows choose another. Its buttons had no common name: each was a Tab stop of its own."""
    driver = photos_page
    radios = driver.find_elements("css selector", "#photos-mode input[type=radio]")
    driver.execute_script("arguments[0].focus()", radios[0])
    driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
    wait_for(lambda: radios[1].is_selected(), "'all of them together' chosen")
    assert driver.switch_to.active_element == radios[1]
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert driver.switch_to.active_element not in radios


def _heading_focused(driver) -> str | None:
    """The text of the page's heading if it has the focus, else None."""
    return driver.execute_script("var e = document.activeElement; return e && e.matches('main h1') ? e.textContent : null")


def test_following_a_link_within_the_app_puts_the_focus_on_the_new_pages_heading(people_page):
    """Pages change in place (no new document): the focus stayed on the navbar's link followed, or, after a link of
    the page (a card's Photos), was left on the page's body; a keyboard user started again from the top and a screen
    reader said nothing. It goes to the new page's heading, the window's title names the page, and Back does the
    same. Not on a page's first load (the address typed): the focus is where the browser puts it."""
    driver = people_page
    assert _focused(driver) == "BODY"  # first load: not taken to the heading
    link = driver.find_element("css selector", "#people-grid a[href^='/photos?person=']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    wait_for(lambda: _heading_focused(driver) == "Photos", "the focus on the Photos page's heading")
    assert driver.title == "Photos · Face Album"
    driver.find_element("id", "nav-map").send_keys(Keys.ENTER)
    wait_for(lambda: _heading_focused(driver) == "Map", "the focus on the Map page's heading")
    assert driver.title == "Map · Face Album"
    driver.switch_to.active_element.send_keys(Keys.TAB)  # on from the heading: into the page, not the navbar
    assert driver.execute_script("return document.querySelector('main').contains(document.activeElement)")
    driver.back()
    wait_for(lambda: _heading_focused(driver) == "Photos", "the focus on the Photos page's heading after Back")


def test_the_first_tab_stop_skips_the_navbar_into_the_page(photos_page):
    """Keyboard users Tabbed past the navbar's seven links on every page. The first Tab stop, shown while it has the
    focus, is "Skip to the page": Enter there, and the next Tab is the page's first control."""
    driver = photos_page
    driver.find_element("css selector", "body").send_keys(Keys.TAB)
    skip = driver.switch_to.active_element
    assert skip.text == "Skip to the page" and skip.size["width"] > 50  # shown (hidden, it is 1 px)
    skip.send_keys(Keys.ENTER)
    wait_for(lambda: _focused(driver) == "page", "the focus on the page")
    driver.switch_to.active_element.send_keys(Keys.TAB)
    first = driver.execute_script("return Array.from(document.querySelectorAll('main a[href], main button, main input,"
                                  " main [tabindex=\"0\"]')).find(e => e.offsetParent !== null)")
    assert driver.switch_to.active_element == first
    assert driver.find_element("css selector", ".skip-link").size["width"] <= 1


def test_a_dropdown_focused_from_the_keyboard_shows_the_apps_focus_ring(photos_page):
    """Photos' "People in the photo" (a dcc.Dropdown): focused with Tab, then opened with Enter (its search field
    has the focus), it showed only Dash's 1px line, hard to see against its border; it has the ring the app's other
    focusable things have (3px, Bootstrap's blue)."""
    driver = photos_page
    ring = ("var s = getComputedStyle(arguments[0]);"
            "return [s.outlineStyle, s.outlineWidth, s.outlineColor]")
    driver.execute_script("arguments[0].focus()", driver.find_element("id", "photos-export"))
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert _focused(driver) == "photos-people"
    assert driver.execute_script(ring, driver.switch_to.active_element) == ["solid", "3px", "rgb(13, 110, 253)"]
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    search = wait_for(lambda: driver.find_elements("css selector", ".dash-dropdown-search-container"), "the open list")[0]
    assert driver.execute_script("return arguments[0].contains(document.activeElement)", search)
    assert driver.execute_script(ring, search) == ["solid", "3px", "rgb(13, 110, 253)"]


def test_a_persons_faces_are_selected_on_the_map_from_the_keyboard_and_given_to_a_name(map_page):
    """Map: faces were selected only with the lasso or box tool, with a mouse. "Select the faces of…" (next to
    "Colour by" for Tab) selects a person's faces, which the map shows selected as a lasso would; Assign then gives
    them to a name, and the focus, left on the page's body as Assign disabled itself, goes back to the menu for the
    next faces."""
    driver = map_page
    driver.execute_script("arguments[0].focus()", driver.find_element("id", "map-color"))
    driver.switch_to.active_element.send_keys(Keys.TAB)
    assert _focused(driver) == "map-pick"
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    search = wait_for(lambda: driver.find_elements("css selector", ".dash-dropdown-search"), "the menu's list")[0]
    # The first person listed, by the words the menu shows ("Person 3 (7)").
    label = wait_for(lambda: [o.text for o in driver.find_elements("css selector", ".dash-dropdown-option")
                           if o.text.startswith("Person ")], "the people")[0]
    name, count = label.rsplit(" (", 1)
    n_faces = int(count.rstrip(")"))
    search.send_keys(name)
    wait_for(lambda: driver.find_elements("css selector", ".dash-dropdown-option")[0].text == label, "the person found")
    search.send_keys(Keys.ENTER)
    wait_for(lambda: driver.find_element("id", "map-sel-info").text == f"{n_faces} faces selected", "their faces selected")
    selected = "return arguments[0].map(t => (t.selectedpoints || []).length)"
    wait_for(lambda: sum(driver.execute_script(selected, driver.execute_script(MAP_TRACES))) == n_faces,
          "their faces shown selected on the map")
    driver.find_element("id", "map-new").send_keys("Ada")
    assign = driver.find_element("id", "map-assign")
    driver.execute_script("arguments[0].focus()", assign)
    assign.send_keys(Keys.ENTER)
    wait_for(lambda: f"Moved {n_faces} faces to Ada" in driver.find_element("id", "app-toast").text, "the faces given")
    wait_for(lambda: _focused(driver) == "map-pick", "the focus back on the menu")
    assert driver.find_element("id", "map-assign").get_attribute("disabled")  # nothing selected any more


def test_a_page_chosen_in_a_pager_keeps_the_focus_in_the_pager(photos_page):
    """Photos (and every pager: People's, a card's faces): Enter on "Page 2" shows it, and that link becomes the
    current page, a span: the focus was left on the page's body, and Tab started again from the top. It goes to the
    current page, from which Tab goes on and Shift+Tab goes back to "Page 1"."""
    driver = photos_page
    link = driver.find_element("css selector", "#photos-pager a[aria-label='Page 2']")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", link)
    link.send_keys(Keys.ENTER)
    current = "return document.activeElement.matches('#photos-pager .page-item.active .page-link')"
    wait_for(lambda: driver.execute_script(current), "the focus on the current page")
    assert driver.switch_to.active_element.text.startswith("2")
    driver.switch_to.active_element.send_keys(Keys.SHIFT, Keys.TAB)
    assert driver.switch_to.active_element.get_attribute("aria-label") == "Page 1"


def test_a_dismissed_suggestion_or_hidden_group_leaves_the_focus_on_the_next_ones_button(people_page):
    """People: "Not the same" takes its suggestion away, Hide its card: the focus was left on the page's body. It
    goes to the same button of the next suggestion (once none is left, to the page's heading), of the next card."""
    driver = people_page
    first, second = [b.get_attribute("id") for b in
                     driver.find_elements("css selector", "button[id*='\"suggest-dismiss\"']")]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", _by_id(driver, first))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: _focused(driver) == second, "the focus on the next suggestion's Not the same")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: _focused(driver) == "H1", "the focus on the page's heading")

    hides = [b.get_attribute("id") for b in driver.find_elements("css selector", "button[id*='\"person-hide\"']")]
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", _by_id(driver, hides[0]))
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(lambda: _by_id(driver, hides[0]) is None, "the group hidden")
    wait_for(lambda: _focused(driver) == hides[1], "the focus on the next card's Hide")
