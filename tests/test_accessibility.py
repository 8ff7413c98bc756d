"""Accessibility of the dashboard's layout, checked on the Dash components (no browser): the page's language and
landmarks, one h1 per page, named dialogs, form fields and progress bars, alt text, and readable colours."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import dash
import dash_bootstrap_components as dbc
import pytest
from dash import dcc, html

from dashapp import components as C
from dashapp.store.folders import Folder

ROOT = Path(__file__).resolve().parents[1]
HEADINGS = {html.H1: 1, html.H2: 2, html.H3: 3, html.H4: 4, html.H5: 5, html.H6: 6}


def _contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two "#rrggbb" colours."""
    def lum(h: str) -> float:
        r, g, b_ = [(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
                    for c in (int(h.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _walk(component):
    yield component
    if hasattr(component, "_traverse"):
        yield from component._traverse()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from dashapp.server import create_app

    return create_app(tmp_path_factory.mktemp("a11y") / "lib")


@pytest.fixture(scope="module")
def pages(app) -> dict[str, object]:
    """Every page's layout, by path (layouts that are functions called with no query)."""
    return {p["path"]: (p["layout"]() if callable(p["layout"]) else p["layout"]) for p in dash.page_registry.values()}


def test_the_page_says_its_language_and_has_a_main_landmark(app):
    page = app.server.test_client().get("/library").get_data(as_text=True)
    assert '<html lang="en">' in page
    shell = app.layout() if callable(app.layout) else app.layout
    [main] = [c for c in _walk(shell) if isinstance(c, html.Main)]
    assert any(getattr(c, "id", None) == dash.page_container.children[0].id for c in _walk(main))


def test_every_page_has_one_h1_and_headings_skip_no_level(pages):
    assert set(pages) >= {"/", "/photos", "/find", "/map", "/attributes", "/library"}
    for path, layout in pages.items():
        levels = [HEADINGS[type(c)] for c in _walk(layout) if type(c) in HEADINGS]
        assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)
    # What callbacks put under the page title: an empty page's message and the open photo's name.
    assert isinstance(C.empty_state("No photos yet", "Add a folder.").children[0], html.H2)
    assert "html.H2(photo[\"name\"]" in (ROOT / "callbacks" / "photos.py").read_text()


def test_every_dialog_is_named_by_its_title(pages):
    modals = [c for layout in pages.values() for c in _walk(layout) if isinstance(c, dbc.Modal)]
    assert len(modals) >= 6
    for modal in modals:
        titles = [c for c in _walk(modal) if isinstance(c, dbc.ModalTitle)]
        assert modal.labelledby and [t for t in titles if getattr(t, "id", None) == modal.labelledby], modal.id


def test_form_fields_without_visible_words_are_labelled(pages):
    selects = [c for layout in pages.values() for c in _walk(layout) if isinstance(c, dbc.Select)]
    labels = {getattr(c, "html_for", None) for layout in pages.values() for c in _walk(layout)
              if isinstance(c, dbc.Label)}
    assert selects and all(s.id in labels for s in selects)
    card = C.person_card({"id": 3, "name": None, "n_faces": 2}, [1, 2])
    [box] = [c for c in _walk(card) if "person-tick" in (getattr(c, "className", None) or "")]
    assert isinstance(box, html.Button) and getattr(box, "aria-label") == "Select Person 3"
    assert getattr(box, "aria-pressed") == "false"  # a toggle button; assets/selection.js presses it
    # The folder table's last column (its buttons) has a header a screen reader can say.
    folder = Folder(id=1, path="/photos", added_at=0.0, scanned_at=None, n_photos=1, n_faces=1, n_errors=0)
    headers = [c for c in _walk(C.folder_table([folder], set(), "/x")) if isinstance(c, html.Th)]
    assert len(headers) == 6 and all(h.children not in ("", None) for h in headers)
    # Each row's Check and Remove say which folder: a screen reader listing the buttons heard "Remove" once a row.
    uploads = Folder(id=2, path="/lib/uploads", added_at=0.0, scanned_at=None, n_photos=1, n_faces=1, n_errors=0)
    buttons = [c for c in _walk(C.folder_table([folder, uploads], set(), "/lib/uploads")) if isinstance(c, html.Button)]
    assert [getattr(b, "aria-label", None) for b in buttons] == [
        "Check /photos", "Remove /photos", "Check Uploaded photos", "Remove Uploaded photos"]


def test_text_fields_and_sliders_are_labelled(pages):
    """A placeholder is no name, nor a slider's marks: each text field and slider has a label (visible or not;
    assets/labels.js names a slider's number box and handle after it). Map's "…or a new name" and the Attributes
    page's two thresholds had none."""
    mine = [pages[p] for p in ("/library", "/map", "/attributes", "/find")]  # People and Photos: their own review
    fields = [c for layout in mine for c in _walk(layout) if isinstance(c, (dbc.Input, dcc.Slider))]
    labels = {getattr(c, "html_for", None) for layout in mine for c in _walk(layout) if isinstance(c, dbc.Label)}
    assert {"map-new", "attr-rule1-value", "attr-rule2-value"} <= {f.id for f in fields}
    assert [f.id for f in fields if f.id not in labels] == []


def test_every_image_has_alt_text():
    """Every html.Img the code makes says what it shows, or alt="" where the words are beside it."""
    missing = []
    for path in [*ROOT.glob("dashapp/**/*.py"), *ROOT.glob("callbacks/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Img"
                    and not any(k.arg == "alt" for k in node.keywords)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not missing


def test_progress_bars_are_named():
    bar = C.progress_bar(40, "Job progress", label="40%")
    [inner] = bar.children if isinstance(bar.children, list) else [bar.children]
    assert inner.role == "progressbar" and getattr(inner, "aria-label") == "Job progress"
    job = {"status": "running", "done": 2, "total": 4, "phase": "faces"}
    assert any(getattr(c, "role", None) == "progressbar" and getattr(c, "aria-label", None)
               for c in _walk(C.job_progress(job)))
    # dbc.Progress cannot be named (no aria-label): the code uses progress_bar.
    for path in [*ROOT.glob("dashapp/**/*.py"), *ROOT.glob("callbacks/*.py")]:
        assert "dbc.Progress(" not in path.read_text(), path


def test_face_labels_and_our_colours_are_readable():
    """WCAG AA: 4.5:1 for text. A face box's label is written in black or white, whichever reads on its colour."""
    for color in (*C.PALETTE, C.UNSORTED_COLOR, C.FOCUS_COLOR):
        label = C.box_label("Someone", color)
        assert _contrast(label.style["color"].ljust(7, label.style["color"][-1]), color) >= 4.5, color
    css = (ROOT / "assets" / "style.css").read_text()
    link = re.search(r"--bs-link-color:\s*(#[0-9a-f]{6})", css).group(1)
    buttons = dict(re.findall(r"\.btn-outline-(\w+) \{ --bs-btn-color: (#[0-9a-f]{6}); \}", css))
    assert set(buttons) >= {"primary", "secondary", "danger"}
    # The page's grey, a card header's, an info alert's.
    for background in ("#f4f6f9", "#f8f8f9", "#cff4fc"):
        for fg in (link, *buttons.values()):
            assert _contrast(fg, background) >= 4.5, (fg, background)


def _render_face_grid(grid) -> dict:
    """What assets/face_grid.js draws for `grid`, as the element tree React would get (run with Node)."""
    script = f"""
        const h = (type, props, ...children) => ({{type, props, children: children.flat()}});
        global.window = {{React: {{createElement: h}}}};
        require({json.dumps(str(ROOT / "assets" / "face_grid.js"))});
        const clicks = [];
        const tree = window.face_album.FaceGrid({{...{json.dumps(grid.to_plotly_json()["props"])},
                                                 setProps: p => clicks.push(p)}});
        const first = tree.children[0];
        if (first && first.props && first.props.onClick) {{ first.props.onClick(); }}
        console.log(JSON.stringify({{tree, clicks}}));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the face grid's script with Node.js")
def test_face_tiles_are_buttons_named_by_their_title():
    tiles = [C.face_tile(7, title="Suggested: Alex (distance 0.40)", caption="→ Alex"), C.face_tile(8)]
    drawn = _render_face_grid(C.face_grid(tiles, grid_id="faces", report_clicks=True))
    grid = drawn["tree"]
    assert grid["props"] == {"id": "faces", "className": "face-grid"}
    first, second = (t["props"] for t in grid["children"])
    assert first["aria-label"] == first["title"] == "Suggested: Alex (distance 0.40)"
    assert first["role"] == "button" and first["tabIndex"] == 0 and first["data-fid"] == 7
    assert first["data-caption"] == "→ Alex" and first["style"] == {"backgroundImage": f"url({C.face_url(7)})"}
    assert second["aria-label"] == "Face 8 — click to select" and "data-caption" not in second
    assert drawn["clicks"] == [{"clicked_face": 7, "n_clicks": 1}]  # the face clicked, for a callback
    # Unasked (People: a click selects, in assets/selection.js) nothing is reported; without faces, words.
    assert _render_face_grid(C.face_grid(tiles, grid_id={"type": "person-faces", "pid": 3}))["clicks"] == []
    empty = _render_face_grid(C.face_grid([], "No faces yet."))["tree"]
    assert empty["props"]["className"] == "text-muted small py-2" and empty["children"] == ["No faces yet."]


def test_every_field_of_the_people_page_is_labelled(pages):
    """People's search, its "Move selected faces to…" menu and "…or a new name", the sorter's name field, and each
    card's name field had only a placeholder: a screen reader listing the fields heard "Search names" and, on every
    card, "Person 3 — add a name", which is no name once the group has one."""
    labelled = {c.html_for for c in _walk(pages["/"]) if isinstance(c, dbc.Label)}
    assert {"people-search", "people-move-target", "people-move-new", "people-sort-new"} <= labelled
    # A card's name field: its id, as Dash writes it in the page, is its label's `for`.
    card = C.person_card({"id": 3, "name": "Ada", "n_faces": 2}, [1, 2])
    [field] = [c for c in _walk(card) if isinstance(c, dbc.Input)]
    [label] = [c for c in _walk(card) if isinstance(c, dbc.Label)]
    assert label.html_for == json.dumps(field.id, sort_keys=True, separators=(",", ":"))
    assert label.children == "Name of Person 3"


def test_every_pager_is_a_landmark_named_for_what_it_pages(pages):
    """People had three pagers (and each card one) that read alike, "2", "3": each sits in a navigation landmark
    named for its list (assets/labels.js names each link "Page 2")."""
    card = C.person_card({"id": 3, "name": "Ada", "n_faces": 40}, list(range(1, 13)))
    trees = [*pages.values(), card]
    pagers = [c for tree in trees for c in _walk(tree) if isinstance(c, dbc.Pagination)]
    navs = {id(n.children): n for tree in trees for n in _walk(tree) if isinstance(n, html.Nav)}
    named = {str(p.id): navs[id(p)].to_plotly_json()["props"].get("aria-label") for p in pagers if id(p) in navs}
    assert len(pagers) == 6 and set(named) == {str(p.id) for p in pagers}  # Find's comes with a result
    assert named["people-pager"] == "Pages of people" and named["photos-pager"] == "Pages of photos"
    assert named[str({"type": "person-pager", "pid": 3})] == "Pages of Ada’s faces"


def test_every_field_of_every_page_is_labelled(pages):
    """A placeholder is no name (and none once a value is chosen): Photos' year and folder filters and its "Who is
    this?" fields, Map's "Give selected faces to…" and Attributes' person had none."""
    n_fields = 0
    for path, layout in pages.items():
        fields = [c.id for c in _walk(layout) if isinstance(c, (dbc.Input, dcc.Input, dcc.Slider, dcc.Dropdown,
                                                                  dbc.Select))]
        labels = {getattr(c, "html_for", None) for c in _walk(layout) if isinstance(c, dbc.Label)}
        assert [f for f in fields if f not in labels] == [], path
        n_fields += len(fields)
    assert n_fields >= 20  # Find's fields come with a search


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the pages' script with Node.js")
def test_a_pagers_links_are_named_page_n():
    """A pager's links were read "2", "3": assets/labels.js names each "Page 2" as the page draws them (the current
    page, a span, and the arrows are left as they are)."""
    script = f"""
        const link = text => {{
            const attrs = {{}};
            return {{textContent: text, attrs, getAttribute: k => attrs[k] ?? null,
                     setAttribute: (k, v) => {{ attrs[k] = v; }}}};
        }};
        const links = [link(" 2 "), link("3"), link("»")];
        let observed = null;
        global.MutationObserver = function (callback) {{ observed = callback; this.observe = () => {{}}; }};
        global.document = {{
            documentElement: {{}},
            querySelectorAll: selector => selector === ".pagination a.page-link" ? links : [],
        }};
        require({json.dumps(str(ROOT / "assets" / "labels.js"))});
        observed();
        console.log(JSON.stringify(links.map(l => l.attrs["aria-label"] ?? null)));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == ["Page 2", "Page 3", None]
