"""Ingest on real photos with the real model: incremental, moves, duplicates, bad files, kill -9."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashapp.config import load_config
from dashapp.ingest import IngestOptions, ingest
from dashapp.jobs import DISK_FULL, refresh_stale
from dashapp.store import Store
from model.faces import copy_model

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO / "tests" / "fixtures" / "group" / "photos"
ALBUM = ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "kit_1.jpg", "rose_1.jpg", "obama_and_biden.jpg"]


def write_bad_files(folder: Path) -> dict[str, str]:
    """Every kind of unusable file, made here; returns {name: expected reason}."""
    good = (PHOTOS / "obama_1.jpg").read_bytes()
    (folder / "album_truncated.jpg").write_bytes(good[: len(good) // 2])
    (folder / "album_random.jpg").write_bytes(np.random.default_rng(0).bytes(4096))
    (folder / "album_empty.jpg").write_bytes(b"")
    bomb = io.BytesIO()
    Image.new("L", (9000, 9000)).save(bomb, "PNG")  # 81 megapixels in ~80 kB
    (folder / "album_bomb.png").write_bytes(bomb.getvalue())
    (folder / "album_notes.txt").write_text("not a photo\n")
    return {
        "album_truncated.jpg": "truncated", "album_random.jpg": "not an image", "album_empty.jpg": "empty",
        "album_bomb.png": "too large", "album_notes.txt": "unsupported",
    }


def write_unusual_good_files(folder: Path) -> list[str]:
    """CMYK JPEG and 16-bit greyscale PNG: unusual but valid photos."""
    img = Image.open(PHOTOS / "biden_1.jpg")
    img.convert("CMYK").save(folder / "album_cmyk.jpg", "JPEG", quality=90)
    grey = np.asarray(img.convert("L")).astype(np.uint16) * 257
    Image.fromarray(grey).save(folder / "album_gray16.png")
    assert Image.open(folder / "album_gray16.png").mode.startswith("I;16")
    return ["album_cmyk.jpg", "album_gray16.png"]


@pytest.fixture(scope="module")
def library(tmp_path_factory, analyzer):
    """One album (real photos + bad files) ingested once, in this process, with the session model."""
    root = tmp_path_factory.mktemp("ingest")
    album = root / "album"
    (album / "sub").mkdir(parents=True)
    for name in ALBUM:
        shutil.copy(PHOTOS / name, album / name)
    shutil.copy(PHOTOS / "obama_1.jpg", album / "sub" / "obama_1_copy.jpg")  # a duplicate
    expected_errors = write_bad_files(album)
    unusual = write_unusual_good_files(album)
    config = load_config(root / "data")
    store = Store.open(config)
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    return dict(album=album, config=config, store=store, report=report, errors=expected_errors, unusual=unusual,
                analyzer=analyzer, root=root)


def test_every_bad_file_is_recorded_with_its_reason(library):
    store = library["store"]
    errors = {Path(p.path).name: p.error_kind for p in store.photos.errors()}
    assert errors == library["errors"]
    assert all(p.error_detail for p in store.photos.errors())
    report = library["report"]
    assert report.n_errors == len(library["errors"]) - 1 and report.not_photos == {".txt": 1}  # counted apart
    # The run went on: every real photo was analysed.
    done = {Path(p.path).name for p in store.photos.all("done")}
    assert set(ALBUM) | set(library["unusual"]) | {"obama_1_copy.jpg"} <= done


def test_unusual_formats_are_analysed(library):
    store, album = library["store"], library["album"]
    for name in library["unusual"]:
        photo = store.photos.by_path(album / name)
        assert photo.status == "done" and photo.n_faces >= 1, name


def test_faces_thumbnails_and_boxes(library):
    store, config, album = library["store"], library["config"], library["album"]
    pair = store.photos.by_path(album / "obama_and_biden.jpg")
    faces = store.faces.of_photo(pair.id)
    assert len(faces) >= 2
    areas = [f.box[2] * f.box[3] for f in faces]
    assert areas == sorted(areas, reverse=True)  # idx 0 is the largest face
    for f in faces:
        x, y, w, h = f.box
        assert 0 <= x and 0 <= y and x + w <= pair.width + 1 and y + h <= pair.height + 1
        thumb = config.data_dir / f.thumb_path
        assert thumb.is_file() and Image.open(thumb).size == (112, 112)
        assert np.linalg.norm(f.embedding) == pytest.approx(1.0, abs=1e-3)



def test_a_large_photo_is_analysed_reduced_with_its_faces_in_its_own_pixels(tmp_path, analyzer):
    from dashapp.ingest import DECODE_SIDE, _faces, _Loaded, analyze_photos
    from model.imaging import load_image, load_image_reduced

    photo = Image.open(PHOTOS / "obama_and_biden.jpg")  # 720x514, faces 53-68 px wide
    large = tmp_path / "large.jpg"  # its faces large: analysed from the photo decoded at half its size
    photo.resize((photo.width * 6, photo.height * 6), Image.Resampling.BICUBIC).save(large, quality=92)
    [result] = analyze_photos(analyzer, tmp_path, [(1, str(large), "a" * 64)])
    assert (result["width"], result["height"]) == (4320, 3084)
    every_pixel = sorted(analyzer.analyze(load_image(large)), key=lambda f: f.box[0])
    ours = sorted(result["faces"], key=lambda f: f.box[0])
    assert len(ours) == len(every_pixel) == 3
    for face, reference in zip(ours, every_pixel):  # boxes and landmarks in the photo's own pixels
        assert np.allclose(face.box, reference.box, atol=0.05 * reference.box[2])
        assert np.allclose(face.landmarks, reference.landmarks, atol=0.05 * reference.box[2])
        assert np.linalg.norm(face.embedding - reference.embedding) < 0.25  # same-person distances: 0.3-1.0

    small = tmp_path / "small.jpg"  # the same people small in a large photo: their crops come from every pixel
    canvas = Image.new("RGB", (4320, 3084), "grey")
    canvas.paste(photo.resize((photo.width * 2, photo.height * 2), Image.Resampling.BICUBIC), (1000, 800))
    canvas.save(small, quality=92)
    loaded = [_Loaded((k, str(p), ""), *load_image_reduced(p, DECODE_SIDE)) for k, p in enumerate([large, small])]
    assert [p.image.shape[1] for p in loaded] == [2160, 2160]
    found = _faces(analyzer, loaded)
    assert len(found[0]) == 3 and len(found[1]) >= 2
    assert [p.image.shape[1] for p in loaded] == [2160, 4320]  # only the photo whose faces are small is decoded again
    assert all(f.box[0] > 1500 for f in found[1])  # and its faces are given in its full pixels (775+ reduced)

def test_duplicate_reuses_faces_without_model_work(library):
    store, album = library["store"], library["album"]
    original = store.faces.of_photo(store.photos.by_path(album / "obama_1.jpg").id)
    copy = store.faces.of_photo(store.photos.by_path(album / "sub" / "obama_1_copy.jpg").id)
    assert library["report"].n_copied == 1
    assert [f.box for f in copy] == [f.box for f in original]
    assert {f.id for f in copy}.isdisjoint(f.id for f in original)


def test_unchanged_album_does_no_model_work(library):
    store, config, album = library["store"], library["config"], library["album"]
    before = store.faces.matrix().ids.tolist()
    # No analyzer given: any photo needing the model would start worker processes.
    report = ingest(store, config, [album], IngestOptions())
    assert report.n_analyzed == 0 and report.n_errors == 0
    assert report.n_unchanged == report.n_files
    assert store.faces.matrix().ids.tolist() == before


def test_a_photo_only_given_a_new_time_counts_as_unchanged(tmp_path, analyzer):
    """A file whose time changed but not its content (copied with new dates, synced, touched) is read again and
    found the same: the summary counts it unchanged, so that its counts add up to the files found."""
    album = tmp_path / "album"
    album.mkdir()
    for name in ("kit_1.jpg", "rose_1.jpg"):
        shutil.copy(PHOTOS / name, album / name)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    os.utime(album / "kit_1.jpg", ns=(1_700_000_000_000_000_000,) * 2)
    report = ingest(store, config, [album], IngestOptions())  # no analyzer: model work would start workers
    assert (report.n_files, report.n_unchanged, report.n_analyzed, report.n_moved, report.n_copied) == (2, 2, 0, 0, 0)
    assert store.photos.by_path(album / "kit_1.jpg").mtime_ns == 1_700_000_000_000_000_000


def _bytes_read() -> int:
    """Bytes this process (all its threads) has read so far."""
    return int(next(line for line in Path("/proc/self/io").read_text().splitlines() if line.startswith("rchar:")).split()[1])


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="reads /proc/self/io (Linux)")
def test_cancel_while_checking_files_stops_within_a_few_files(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    size = 8 << 20
    for k in range(100):  # large "photos" that take a while to hash (sparse: no disk used)
        with open(album / f"big{k:03d}.jpg", "wb") as f:
            f.truncate(size)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    hashed, read_at_cancel = [0], []

    def progress(phase, done, total, n_errors, n_faces):
        if phase == "hash":
            hashed[0] = done

    def should_cancel() -> bool:  # Cancel is clicked once some files are checked
        if hashed[0] and not read_at_cancel:
            read_at_cancel.append(_bytes_read())
        return bool(read_at_cancel)

    report = ingest(store, config, [album], IngestOptions(), progress, should_cancel)
    read_after = _bytes_read() - read_at_cancel[0]
    assert read_after < 4 * size, f"{read_after / size:.0f} files read after Cancel"
    assert report.cancelled and hashed[0] < 20
    assert store.photos.counts() == {"pending": 1}  # what was checked before is kept (the rest are copies of it)


def test_changed_and_deleted_files_are_noticed(library):
    store, config, album = library["store"], library["config"], library["album"]
    (album / "album_notes.txt").unlink()
    shutil.copy(PHOTOS / "rose_1.jpg", album / "album_empty.jpg")  # the empty file became a photo
    report = ingest(store, config, [album], IngestOptions(analyzer=library["analyzer"]))
    assert report.n_swept == 1 and report.n_copied == 1 and report.n_analyzed == 0
    assert store.photos.by_path(album / "album_notes.txt") is None
    fixed = store.photos.by_path(album / "album_empty.jpg")
    assert fixed.status == "done" and fixed.n_faces >= 1


def test_moving_the_album_keeps_faces_names_and_manual_assignments(library):
    store, config, album = library["store"], library["config"], library["album"]
    obama = store.photos.by_path(album / "obama_1.jpg")
    face = store.faces.of_photo(obama.id)[0]
    person = store.people.move_faces_to_name([face.id], "Barack Obama")
    pair = store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)
    store.people.move_faces([pair[1].id], None)  # by hand to unsorted
    faces_before = {(Path(r.photo_path).relative_to(album), r.idx): r.id for r in _all_faces(store)}

    moved = library["root"] / "moved" / "album-renamed"
    moved.parent.mkdir()
    store.folders.add([str(album)])
    album.rename(moved)
    report = ingest(store, config, [moved], IngestOptions())  # no model needed
    assert store.folders.paths() == []  # the old place, empty now, is forgotten
    assert report.n_analyzed == 0
    assert report.n_moved + report.n_copied >= len(ALBUM)
    faces_after = {(Path(r.photo_path).relative_to(moved), r.idx): r.id for r in _all_faces(store)}
    assert faces_after == faces_before
    assert store.people.by_name("barack obama").id == person
    assert store.assignments.person_of([face.id, pair[1].id]) == {face.id: person, pair[1].id: None}
    assert not any(p.path.startswith(str(album) + os.sep) for p in store.photos.all())


def test_a_photo_edited_in_place_keeps_its_faces_names_and_manual_moves(tmp_path, analyzer):
    """Tags or a rating written into a photo (re-saved: new content, the same faces) keep what the user decided about
    its faces: a person named from it alone is not emptied, an Ignored face does not come back into a person."""
    from dashapp.clustering import recluster
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ALBUM + ["rose_2.jpg", "kit_2.jpg"], analyzer)
    recluster(store, project=False)
    rose, kit, obama = (store.faces.of_photo(store.photos.by_path(album / name).id)[0].id
                        for name in ("rose_1.jpg", "kit_1.jpg", "obama_2.jpg"))
    named = store.people.move_faces_to_name([rose], "Rose Leslie")
    store.people.ignore_faces([kit])
    store.people.move_faces([obama], None)  # by hand to Unsorted
    decided = {a.face_id: a for a in store.assignments.all() if a.face_id in (rose, kit, obama)}

    for name in ("rose_1.jpg", "kit_1.jpg", "obama_2.jpg"):
        exif = Image.Exif()
        exif[0x010E] = "tagged"  # ImageDescription
        Image.open(album / name).save(album / name, "JPEG", quality=95, exif=exif)
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_analyzed == 3
    recluster(store, project=False)

    for name, face in (("rose_1.jpg", rose), ("kit_1.jpg", kit), ("obama_2.jpg", obama)):
        assert store.faces.of_photo(store.photos.by_path(album / name).id)[0].id == face
    assert {a.face_id: a for a in store.assignments.all() if a.face_id in (rose, kit, obama)} == decided
    assert rose in store.people.face_ids(named)


def test_two_photos_that_swap_names_each_keep_their_own_faces(tmp_path, analyzer):
    """obama_1.jpg and biden_1.jpg swap names (a rename through a third name): each photo shows its own faces after,
    the name given to Obama's face never lands on Biden's, and neither photo loses the name given to its face."""
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ALBUM, analyzer)

    def boxes(name: str) -> list[tuple]:
        return [f.box for f in store.faces.of_photo(store.photos.by_path(album / name).id)]

    def face(name: str) -> int:
        return store.faces.of_photo(store.photos.by_path(album / name).id)[0].id

    before = {name: boxes(name) for name in ("obama_1.jpg", "biden_1.jpg")}
    obama = store.people.move_faces_to_name([face("obama_1.jpg")], "Barack Obama")
    biden = store.people.move_faces_to_name([face("biden_1.jpg")], "Joe Biden")
    (album / "obama_1.jpg").rename(album / "swap.jpg")
    (album / "biden_1.jpg").rename(album / "obama_1.jpg")
    (album / "swap.jpg").rename(album / "biden_1.jpg")
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert boxes("obama_1.jpg") == before["biden_1.jpg"]
    assert boxes("biden_1.jpg") == before["obama_1.jpg"]
    biden_photo = store.photos.by_path(album / "obama_1.jpg").id
    assert all(store.faces.get(f).photo_id != biden_photo for f in store.people.face_ids(obama))
    # Both keep what the user decided, whichever of the two the ingest meets first.
    assert store.assignments.person_of([face("biden_1.jpg"), face("obama_1.jpg")]) == {
        face("biden_1.jpg"): obama, face("obama_1.jpg"): biden}


def test_a_photo_deleted_from_disk_and_put_back_gets_its_names_back(tmp_path, analyzer):
    """A photo deleted (or moved out of the library) is swept with its faces; put back later, in its folder or
    another, its faces get back their names, manual moves and Ignored marks: a person named from it alone is not
    left empty for good."""
    from dashapp.clustering import recluster
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ALBUM, analyzer)
    recluster(store, project=False)
    pair = [f.id for f in store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)][:2]
    kit = store.faces.of_photo(store.photos.by_path(album / "kit_1.jpg").id)[0].id
    named = store.people.move_faces_to_name([pair[0]], "Someone")
    store.people.ignore_faces([pair[1]])
    store.people.move_faces([kit], None)  # by hand to Unsorted
    decided = {a.face_id: (a.person_id, a.source) for a in store.assignments.all() if a.face_id in (*pair, kit)}

    away = tmp_path / "away"
    away.mkdir()
    for name in ("obama_and_biden.jpg", "kit_1.jpg"):
        (album / name).rename(away / name)
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_swept == 2 and store.people.get(named).n_faces == 0
    elsewhere = album / "restored"
    elsewhere.mkdir()
    (away / "obama_and_biden.jpg").rename(album / "obama_and_biden.jpg")
    (away / "kit_1.jpg").rename(elsewhere / "kit_1.jpg")
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_analyzed == 2
    recluster(store, project=False)

    back = [f.id for f in store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)][:2]
    back.append(store.faces.of_photo(store.photos.by_path(elsewhere / "kit_1.jpg").id)[0].id)
    now = {a.face_id: (a.person_id, a.source) for a in store.assignments.all() if a.face_id in back}
    assert [now.get(f) for f in back] == [decided[f] for f in (*pair, kit)]


def test_a_photo_unreadable_for_a_while_gets_its_names_back(tmp_path, analyzer):
    """A photo found truncated (a sync tool rewriting it, a copy half done) loses its faces while it cannot be used;
    whole again, its faces get back the name and the manual move they had."""
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ALBUM, analyzer)
    pair = [f.id for f in store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)][:2]
    named = store.people.move_faces_to_name([pair[0]], "Someone")
    store.people.move_faces([pair[1]], None)  # by hand to Unsorted
    whole = (album / "obama_and_biden.jpg").read_bytes()
    (album / "obama_and_biden.jpg").write_bytes(whole[: len(whole) // 2])
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert store.photos.by_path(album / "obama_and_biden.jpg").error_kind == "truncated"
    (album / "obama_and_biden.jpg").write_bytes(whole)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    back = [f.id for f in store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)][:2]
    assert store.assignments.person_of(back) == {back[0]: named, back[1]: None}
    assert [a.source for a in store.assignments.all() if a.face_id in back] == ["manual", "manual"]


def _dated_copy(src: Path, target: Path, taken: str | None) -> None:
    """A re-encoded copy (new content) of a photo, with an EXIF DateTimeOriginal when `taken` is given."""
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    Image.open(src).save(target, "JPEG", quality=90, exif=exif)


def test_photos_are_listed_by_date_taken_and_older_libraries_get_their_dates(tmp_path, analyzer):
    album = tmp_path / "album"
    album.mkdir()
    _dated_copy(PHOTOS / "obama_1.jpg", album / "a_2009.jpg", "2009:01:20 12:00:00")
    _dated_copy(PHOTOS / "biden_1.jpg", album / "b_2021.jpg", "2021:01:20 11:49:00")
    _dated_copy(PHOTOS / "kit_1.jpg", album / "c_undated.jpg", None)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    taken = {Path(p.path).name: p.taken for p in store.photos.all()}
    assert taken == {"a_2009.jpg": "2009-01-20 12:00:00", "b_2021.jpg": "2021-01-20 11:49:00", "c_undated.jpg": ""}
    from dashapp.store.ui_queries import UIQueries

    total, page = UIQueries(store.engine).photos_page([], "any", 0, 10)
    assert [p["name"] for p in page] == ["b_2021.jpg", "a_2009.jpg", "c_undated.jpg"]  # newest first, undated last
    assert [p["taken"] for p in page] == ["2021-01-20 11:49:00", "2009-01-20 12:00:00", None]

    shutil.copy(album / "a_2009.jpg", album / "d_copy.jpg")  # a duplicate: its date comes with its faces
    # A library analysed before dates were read: its photos' dates are read once, with no model work.
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE photos SET taken = NULL")
    report = ingest(store, config, [album], IngestOptions())
    assert report.n_analyzed == 0 and report.n_copied == 1
    assert {Path(p.path).name: p.taken for p in store.photos.all()} == {**taken, "d_copy.jpg": "2009-01-20 12:00:00"}
    store.close()


def test_a_placeholder_date_before_photography_is_no_date_and_the_pages_show_its_photo(tmp_path, analyzer):
    """Some Windows tools write .NET's "no date", 0001-01-01, as the date taken: stored as it parsed ("1-01-01
    00:00:00"), the Photos page failed on it, its year ("1-01") broke the year filter and "Over the years", and it
    sorted as the newest photo of all."""
    from callbacks import attributes as attr_cb
    from callbacks import photos as photos_cb
    from dashapp.ui_context import use_library
    from test_callbacks import call, find_ids, text_of

    album = tmp_path / "album"
    album.mkdir()
    _dated_copy(PHOTOS / "obama_1.jpg", album / "a_2009.jpg", "2009:01:20 12:00:00")
    _dated_copy(PHOTOS / "biden_1.jpg", album / "b_placeholder.jpg", "0001:01:01 00:00:00")
    lib = use_library(tmp_path / "data")
    ingest(lib.store, lib.config, [album], IngestOptions(analyzer=analyzer))
    assert {Path(p.path).name: p.taken for p in lib.store.photos.all()} == {
        "a_2009.jpg": "2009-01-20 12:00:00", "b_placeholder.jpg": ""}

    grid, *_ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, None)
    photo_ids = [t["pid"] for t in find_ids(grid, "photo-tile")]
    assert "20 Jan 2009" in text_of(grid) and "b_placeholder.jpg" in text_of(grid)  # dated first, the other last
    assert "b_placeholder.jpg" in text_of(call(photos_cb.render_detail, photo_ids[-1], 0))
    options, _style = call(photos_cb.year_options, 0, 0)
    assert [o["value"] for o in options] == ["2009"]
    trend = call(attr_cb.render_trend, None, ["Smiling"])
    assert [list(t.x) for t in trend.data] == [[2009]]
    lib.store.close()


def _all_faces(store: Store):
    return [f for p in store.photos.all("done") for f in store.faces.of_photo(p.id)]


def _variants(folder: Path) -> list[str]:
    """Twice the fixture photos (re-encoded, so each file is new content): a run long enough to kill."""
    folder.mkdir(parents=True)
    names = []
    for quality in (92, 85):
        for src in sorted(PHOTOS.glob("*.jpg")):
            name = f"album_{src.stem}_q{quality}.jpg"
            Image.open(src).save(folder / name, "JPEG", quality=quality)
            names.append(name)
    return names


def _faces_by_file(db: Path, album: Path) -> dict[tuple[str, int], tuple]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT p.path, f.idx, f.x, f.y, f.w, f.h, f.embedding FROM faces f JOIN photos p ON p.id = f.photo_id"
    ).fetchall()
    conn.close()
    out = {}
    for path, idx, x, y, w, h, emb in rows:
        key = (str(Path(path).relative_to(album)), idx)
        assert key not in out, f"duplicate face {key}"
        out[key] = (np.array([x, y, w, h]), np.frombuffer(emb, "<f4"))
    return out


def test_kill_9_mid_ingest_then_rerun_gives_the_same_faces(tmp_path, analyzer):
    album = tmp_path / "album"
    names = _variants(album)
    # Both runs use one private copy of the weights (a training run may replace the file meanwhile).
    weights = copy_model(analyzer.weights, tmp_path / "weights")
    # Reference: an uninterrupted run.
    ref_config = load_config(tmp_path / "ref")
    ref_store = Store.open(ref_config)
    ingest(ref_store, ref_config, [album], IngestOptions(analyzer=type(analyzer)(weights)))
    reference = _faces_by_file(ref_config.db_path, album)

    data = tmp_path / "data"
    cmd = [sys.executable, str(REPO / "app.py"), "ingest", "--data-dir", str(data), "--no-cluster", "--workers", "1",
           "--weights", str(weights), str(album)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = data / "library.sqlite3"
    done = 0
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                conn = sqlite3.connect(db, timeout=1)
                done = conn.execute("SELECT count(*) FROM photos WHERE status = 'done'").fetchone()[0]
                conn.close()
            except sqlite3.OperationalError:
                pass
        if done >= 3:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the ingest and its worker, no chance to clean up
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    store = Store.open(load_config(data))
    counts = store.photos.counts()
    assert 3 <= counts.get("done", 0) < len(names), counts  # really stopped mid-run
    assert refresh_stale(store, load_config(data)) == 1  # the dead job is marked interrupted
    assert store.jobs.latest("ingest")[0].status == "interrupted"

    rerun = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert store.photos.counts() == {"done": len(names)}
    assert store.jobs.latest("ingest")[0].status == "done"
    result = _faces_by_file(data / "library.sqlite3", album)
    assert result.keys() == reference.keys()
    for key, (box, emb) in reference.items():
        np.testing.assert_allclose(result[key][0], box, atol=1.0, err_msg=str(key))
        assert float(np.dot(result[key][1], emb)) > 0.99


def test_a_full_disk_mid_ingest_is_a_one_line_error_and_a_rerun_completes(tmp_path, analyzer, capsys):
    """The library's disk fills up half way (SQLite's page limit stands in for it: the same "database or disk is
    full"): a one-line error, exit 4, the job failed with the advice; the rerun gives an uninterrupted run's faces."""
    import app
    from sqlalchemy import Engine, event

    album = tmp_path / "album"
    album.mkdir()
    for name in ALBUM:
        shutil.copy(PHOTOS / name, album / name)
    ref_config = load_config(tmp_path / "ref")
    ingest(Store.open(ref_config), ref_config, [album], IngestOptions(analyzer=analyzer))
    reference = _faces_by_file(ref_config.db_path, album)

    config = load_config(tmp_path / "data")
    Store.open(config).close()
    pages = sqlite3.connect(config.db_path).execute("PRAGMA page_count").fetchone()[0]

    def one_more_page_only(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 1}")

    command = ["ingest", "--data-dir", str(config.data_dir), "--no-cluster", str(album)]
    event.listen(Engine, "connect", one_more_page_only)
    try:
        assert app.main(command) == 4
    finally:
        event.remove(Engine, "connect", one_more_page_only)
    assert capsys.readouterr().err.strip().splitlines()[-1] == f"error: {DISK_FULL}"
    store = Store.open(config)
    counts = store.photos.counts()
    assert 0 < counts.get("done", 0) < len(ALBUM), counts  # it stopped half way
    job = store.jobs.latest("ingest")[0]
    assert (job.status, job.message) == ("failed", DISK_FULL)

    assert app.main(command) == 0
    assert store.photos.counts() == {"done": len(ALBUM)}
    result = _faces_by_file(config.db_path, album)
    assert result.keys() == reference.keys()
    for key, (box, emb) in reference.items():
        np.testing.assert_allclose(result[key][0], box, atol=1.0, err_msg=str(key))
        assert float(np.dot(result[key][1], emb)) > 0.99
    store.close()


def _damaged_exif_copy(src: Path, target: Path) -> None:
    """A photo whose EXIF block has one damaged byte (a tag's type): its pixels decode, Pillow's EXIF parser fails."""
    img = Image.open(src).convert("RGB")
    exif = img.getexif()
    exif[0x0112] = 6  # orientation: a quarter turn
    exif[0x0132] = "2020:01:01 00:00:00"
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    data = bytearray(out.getvalue())
    data[53] = 61
    target.write_bytes(bytes(data))
    with pytest.raises(Exception):  # the damage this test is about
        from PIL import ImageOps

        ImageOps.exif_transpose(Image.open(target))


def test_a_messy_folder_a_damaged_header_an_undecodable_name_and_the_library_inside(tmp_path, analyzer):
    album = tmp_path / "album"
    album.mkdir()
    shutil.copy(PHOTOS / "obama_1.jpg", album / "obama_1.jpg")
    _damaged_exif_copy(PHOTOS / "biden_1.jpg", album / "biden_damaged_exif.jpg")
    latin1 = os.fsdecode(bytes(album) + b"/caf\xe9.jpg")  # a Latin-1 name on a UTF-8 system
    shutil.copy(PHOTOS / "kit_1.jpg", latin1)
    config = load_config(album / "face-library")  # the library kept inside the album it indexes
    store = Store.open(config)
    uploaded = config.uploads_dir / "batch" / "rose_1.jpg"  # a photo uploaded in the browser: the library's own copy
    uploaded.parent.mkdir(parents=True)
    shutil.copy(PHOTOS / "rose_1.jpg", uploaded)
    ingest(store, config, [uploaded.parent], IngestOptions(analyzer=analyzer))
    for _ in range(2):
        report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
        assert report.n_errors == 0
        # The damaged header costs the photo its orientation, not its faces; the library's thumbnails are not photos.
        # The uploaded photo stays: a scan of the album skips the library's folder, so it does not sweep it either.
        assert {Path(p.path).name: p.n_faces for p in store.photos.all()} == {
            "obama_1.jpg": 1, "biden_damaged_exif.jpg": 1, "rose_1.jpg": 1}
        assert report.bad_names == [str(album / "caf\\xe9.jpg")]
        assert any("not UTF-8" in note and "caf\\xe9.jpg" in note for note in report.notes())
    store.close()


def test_a_folder_that_cannot_be_read_or_is_found_empty_keeps_its_photos(tmp_path, analyzer, monkeypatch):
    album = tmp_path / "album"
    for folder, name in (("x", "obama_1.jpg"), ("y", "biden_1.jpg")):
        (album / folder).mkdir(parents=True)
        shutil.copy(PHOTOS / name, album / folder / name)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    [obama] = store.faces.of_photo(store.photos.by_path(album / "x" / "obama_1.jpg").id)
    ada = store.people.move_faces_to_name([obama.id], "Ada")
    faces_before = store.faces.matrix().ids.tolist()

    # The folder cannot be listed (its permissions; as root, which permissions do not stop, its listing fails as
    # it would): its photo stays, with its name, and the run says so.
    scandir = os.scandir

    def refuse_x(path=".", *args):
        if os.fspath(path) == str(album / "x"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path, *args)

    monkeypatch.setattr(os, "scandir", refuse_x)
    report = ingest(store, config, [album], IngestOptions())  # no model work needed
    monkeypatch.undo()
    assert report.unreadable_folders == [str(album / "x")] and (report.n_swept, report.n_kept_unseen) == (0, 1)
    assert any(str(album / "x") in note for note in report.notes())

    # A folder found empty (an external drive's mount point, the drive not connected) keeps its photos too.
    parked = tmp_path / "parked.jpg"
    (album / "y" / "biden_1.jpg").rename(parked)
    report = ingest(store, config, [album / "y"], IngestOptions())
    assert (report.n_swept, report.n_kept_unseen) == (0, 1)
    parked.rename(album / "y" / "biden_1.jpg")

    report = ingest(store, config, [album], IngestOptions())  # all back: nothing to do, nothing lost
    assert report.n_unchanged == 2 and report.n_analyzed == report.n_swept == 0
    assert store.faces.matrix().ids.tolist() == faces_before and store.people.face_ids(ada) == [obama.id]
    # A photo deleted from a folder that was read is still let go, also when a folder is given twice or inside another.
    (album / "y" / "biden_1.jpg").unlink()
    (album / "y" / "notes.txt").write_text("y is not empty")
    assert ingest(store, config, [album, album / "y", album], IngestOptions()).n_swept == 1
    store.close()


def test_linked_folders_are_followed_once_each_and_a_link_that_leads_nowhere_keeps_its_photos(tmp_path, analyzer):
    """A folder linked into the album is part of it (under the link's path); a folder reached by two paths, a link
    to a folder around it (a loop) and a link to a photo found already add nothing; a link whose folder is gone, or
    found empty (a drive not connected), keeps its photos, names and all, until the drive is back."""
    album, outside, mount = tmp_path / "album", tmp_path / "drive" / "trip", tmp_path / "mnt"
    for folder in (album / "2024", outside, mount):
        folder.mkdir(parents=True)
    shutil.copy(PHOTOS / "obama_1.jpg", album / "2024" / "obama_1.jpg")
    for name in ("biden_1.jpg", "kit_1.jpg"):
        shutil.copy(PHOTOS / name, outside / name)
    shutil.copy(PHOTOS / "rose_1.jpg", mount / "rose_1.jpg")
    links = {"trip": outside, "trip again": outside, "2024 too": album / "2024", "all": tmp_path, "card": mount,
             "best.jpg": album / "2024" / "obama_1.jpg"}
    for name, target in links.items():
        (album / name).symlink_to(target)
    (outside / "home").symlink_to(album)  # back into the album from the linked folder: a loop
    config = load_config(tmp_path / "data")
    store = Store.open(config)

    def paths() -> set[str]:
        return {str(Path(p.path).relative_to(album)) for p in store.photos.all()}

    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert paths() == {"2024/obama_1.jpg", "card/rose_1.jpg", "trip/biden_1.jpg", "trip/kit_1.jpg"}
    assert (report.n_files, report.n_analyzed, report.n_copied, report.n_errors) == (4, 4, 0, 0)
    [biden] = store.faces.of_photo(store.photos.by_path(album / "trip" / "biden_1.jpg").id)
    joe = store.people.move_faces_to_name([biden.id], "Joe")

    # The drives are not connected: the links lead nowhere, or to an empty mount point, and their photos stay,
    # named, until the drives are back.
    outside.parent.rename(tmp_path / "unplugged")
    (mount / "rose_1.jpg").rename(tmp_path / "rose_1.jpg")
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert (report.n_swept, report.n_kept_unseen) == (0, 3) and len(paths()) == 4
    assert [link for link, _ in report.broken_links] == [str(album / "trip"), str(album / "trip again")]
    assert f"the link {album / 'trip'} leads to {outside}, which is not there or cannot be read" in report.notes()
    (tmp_path / "unplugged").rename(outside.parent)
    (tmp_path / "rose_1.jpg").rename(mount / "rose_1.jpg")
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert (report.n_unchanged, report.n_analyzed, report.n_swept, report.broken_links) == (4, 0, 0, [])
    assert store.people.face_ids(joe) == [biden.id]

    # A photo deleted from the linked folder leaves the library, as one deleted from the album's own folders.
    (outside / "kit_1.jpg").unlink()
    assert ingest(store, config, [album], IngestOptions(analyzer=analyzer)).n_swept == 1
    assert paths() == {"2024/obama_1.jpg", "card/rose_1.jpg", "trip/biden_1.jpg"}
    store.close()


def test_a_folder_linked_into_another_folder_of_the_library_is_read_by_its_own_path_whichever_is_checked(
        tmp_path, analyzer):
    """A folder of the library linked into another one: checking the other alone (its Check button) adds no copies
    of its photos (which checking every folder let go again, with what was decided about them); and an album whose
    linked folder is added to the library afterwards hands its photos over to it, names and all."""
    real, album = tmp_path / "real", tmp_path / "album"
    real.mkdir()
    album.mkdir()
    shutil.copy(PHOTOS / "biden_1.jpg", real / "biden_1.jpg")
    shutil.copy(PHOTOS / "obama_1.jpg", album / "obama_1.jpg")
    (album / "trip").symlink_to(real)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    options = IngestOptions(analyzer=analyzer)

    def check(*folders: Path):
        store.folders.add([str(f) for f in folders])
        return ingest(store, config, list(folders), options)

    def paths() -> list[str]:
        return sorted(str(Path(p.path).relative_to(tmp_path)) for p in store.photos.all())

    check(real)
    [biden] = store.faces.of_photo(store.photos.by_path(real / "biden_1.jpg").id)
    joe = store.people.move_faces_to_name([biden.id], "Joe")
    report = check(album)
    assert report.n_copied == 0 and paths() == ["album/obama_1.jpg", "real/biden_1.jpg"]
    assert store.people.face_ids(joe) == [biden.id]
    assert check(real, album).n_swept == 0 and paths() == ["album/obama_1.jpg", "real/biden_1.jpg"]

    # The other way round: the album first (its link followed), the linked folder added to the library later.
    store.folders.remove(str(real))
    check(album)
    [biden] = store.faces.of_photo(store.photos.by_path(album / "trip" / "biden_1.jpg").id)
    assert store.people.face_ids(joe) == [biden.id]
    report = check(real)
    assert (report.n_moved, report.n_copied) == (1, 0) and paths() == ["album/obama_1.jpg", "real/biden_1.jpg"]
    assert check(album, real).n_swept == 0 and paths() == ["album/obama_1.jpg", "real/biden_1.jpg"]
    assert store.people.face_ids(joe) == [biden.id]
    store.close()


def test_a_scan_of_many_linked_folders_tells_the_empty_ones_without_a_pass_over_every_file_for_each(tmp_path):
    """An album of a thousand links to event folders: which of them hold no file is found by looking each one up,
    not by going through every file found for each folder (100,000 files and 1,000 links took 5 s more)."""
    from dashapp.ingest import _Scanner

    album, events = tmp_path / "album", tmp_path / "events"
    album.mkdir()
    for i in range(60):
        (events / f"e{i:02d}").mkdir(parents=True)
        if i % 10:  # every tenth is an empty mount point
            (events / f"e{i:02d}" / "a.jpg").write_bytes(b"x")
        (album / f"e{i:02d}").symlink_to(events / f"e{i:02d}")

    class Counted(dict):
        passes = 0

        def __iter__(self):
            Counted.passes += 1
            return super().__iter__()

    scanner = _Scanner(None)
    scanner.out.files = Counted()
    scanner.add_root(album)
    scanner.follow_links()
    result = scanner.finish()
    assert len(result.files) == 54
    assert result.empty == [str(album / f"e{i:02d}") for i in range(0, 60, 10)]
    assert Counted.passes <= 2


def test_a_file_that_could_not_be_read_is_tried_again_and_one_still_written_is_looked_at_again(tmp_path, analyzer):
    from dashapp.ingest import READ_FAILED

    album = tmp_path / "album"
    album.mkdir()
    shutil.copy(PHOTOS / "obama_1.jpg", album / "a.jpg")
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    # An earlier run could not read it (its permissions were fixed since, which leaves its size and time as they were).
    st = (album / "a.jpg").stat()
    store.photos.save_error(str(album / "a.jpg"), st.st_size, st.st_mtime_ns, *READ_FAILED, "cannot read: denied")
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_analyzed == 1 and store.photos.by_path(album / "a.jpg").status == "done"

    # A photo still being copied in when the run scanned it is truncated then; finished during the run, the next
    # run sees it changed and analyses it.
    good = (PHOTOS / "biden_1.jpg").read_bytes()
    (album / "b.jpg").write_bytes(good[: len(good) // 2])

    class FinishingTheCopy:
        """The real analyzer; the copy of b.jpg finishes while the photos are being analysed."""

        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        @property
        def detector(self):
            (album / "b.jpg").write_bytes(good)
            return self.real.detector

    report = ingest(store, config, [album], IngestOptions(analyzer=FinishingTheCopy(analyzer)))
    assert report.n_errors == 1 and store.photos.by_path(album / "b.jpg").error_kind == "truncated"
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_analyzed == 1 and store.photos.by_path(album / "b.jpg").status == "done"
    store.close()


def _decisions(store: Store, album: Path) -> dict[tuple[str, int], tuple[int | None, str]]:
    """(photo file, face idx) -> (person, source) of every face with an assignment: face ids change when a photo is
    analysed anew, the photo and the face's place in it do not."""
    current = {a.face_id: a for a in store.assignments.all()}
    return {(str(Path(r.photo_path).relative_to(album)), r.idx): (current[r.id].person_id, current[r.id].source)
            for r in _all_faces(store) if r.id in current}


def _face_of(store: Store, album: Path, name: str, idx: int = 0) -> int:
    return store.faces.of_photo(store.photos.by_path(album / name).id)[idx].id


def test_a_removed_folder_added_again_brings_back_names_moves_and_ignored_faces(tmp_path, analyzer):
    """Removing a folder forgets its photos; adding it again finds their faces anew and gives them back what the user
    decided: a named person's faces, a hidden group's, a hand-edited group's (under its id), faces moved by hand (to a
    person, to Unsorted) and Ignored ones, through every clustering after. A person deleted meanwhile (merged away) is no one to give faces back to: their
    face is grouped as any other."""
    from dashapp.clustering import recluster
    from dashapp.folders import remove_folder
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, [
        "obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "biden_1.jpg", "biden_2.jpg", "kit_1.jpg", "kit_2.jpg", "kit_3.jpg",
        "rose_1.jpg", "rose_2.jpg", "obama_and_biden.jpg"], analyzer)
    store.folders.add([str(album)])
    recluster(store, project=False)
    firsts = ("obama_1.jpg", "kit_1.jpg", "biden_2.jpg")
    person = store.assignments.person_of([_face_of(store, album, n) for n in firsts])
    obama, kit, biden = (person[_face_of(store, album, n)] for n in firsts)
    assert None not in (obama, kit, biden) and len({obama, kit, biden}) == 3
    store.people.rename(obama, "Barack Obama")  # its faces become manual
    store.people.set_hidden(kit)  # its faces stay the grouping's, in a kept person
    store.people.move_faces([_face_of(store, album, "biden_2.jpg")], biden)  # a group with no name, edited by hand
    store.people.move_faces([_face_of(store, album, "biden_1.jpg")], None)  # by hand to Unsorted
    pair = store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)
    [stranger] = [f for f, p in store.assignments.person_of([f.id for f in pair]).items() if p is None]
    store.people.ignore_faces([stranger])
    rose = store.people.move_faces_to_name([_face_of(store, album, "rose_2.jpg")], "Rose Leslie")  # by hand
    rose_l = store.people.move_faces_to_name([_face_of(store, album, "rose_1.jpg")], "Rose L")
    kept = {obama, kit, biden, rose}  # the other groups' faces are no one's decision: they are grouped anew
    decided = {k: v for k, v in _decisions(store, album).items() if v[1] != "cluster" or v[0] in kept}
    assert decided[("kit_1.jpg", 0)] == (kit, "cluster") and decided[("biden_1.jpg", 0)] == (None, "manual")
    assert len(decided) == 4 + 3 + 2 + 1 + 1 + 2  # Obama's, Kit's, Biden's group, biden_1, the stranger, the Roses
    n_obama, n_kit = store.people.get(obama).n_faces, store.people.get(kit).n_faces
    assert n_obama == 4 and n_kit == 3

    assert remove_folder(config, store, str(album)) == (11, 13)
    assert store.photos.all() == [] and store.people.get(obama).n_faces == 0
    assert store.people.get(biden) is None  # no name, no faces left: it went with the folder (and comes back)
    store.people.merge([rose_l], rose)  # the user says Rose L is Rose Leslie: Rose L is no more
    report = ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    assert report.n_analyzed == 11 and report.n_copied == 0
    for _ in range(2):  # as the ingest's clustering left them, and the next one
        recluster(store, project=False)
        again = {k: v for k, v in _decisions(store, album).items() if v[1] != "cluster" or v[0] in kept}
        rose_1 = again.pop(("rose_1.jpg", 0), None)
        assert again == {k: v for k, v in decided.items() if k != ("rose_1.jpg", 0)}
        assert rose_1 is None or rose_1[1] == "cluster"  # grouped as any face (Rose L's place is gone)
        assert (store.people.get(obama).name, store.people.get(obama).n_faces) == ("Barack Obama", n_obama)
        assert store.people.get(kit).hidden and store.people.get(kit).n_faces == n_kit
        assert store.people.get(rose_l) is None
    store.close()


def test_uploading_removed_photos_again_brings_back_their_names_and_ignored_faces(tmp_path, analyzer):
    """"Uploaded photos" removed deletes the library's copies; uploading the same photos again is the same content,
    so their faces get back what the user decided."""
    import base64

    from dashapp.clustering import recluster
    from dashapp.folders import remembered_path, remove_folder
    from dashapp.uploads import save_uploads

    config = load_config(tmp_path / "data")
    store = Store.open(config)

    def upload() -> Path:
        files = [(n, "data:image/jpeg;base64," + base64.b64encode((PHOTOS / n).read_bytes()).decode())
                 for n in ("rose_1.jpg", "kit_1.jpg")]
        batch = save_uploads(files, config.uploads_dir).folder
        store.folders.add([remembered_path(config, batch)])
        ingest(store, config, [batch], IngestOptions(analyzer=analyzer))
        recluster(store, project=False)
        return batch

    first = upload()
    rose = store.people.move_faces_to_name([_face_of(store, first, "rose_1.jpg")], "Rose Leslie")
    store.people.ignore_faces([_face_of(store, first, "kit_1.jpg")])
    decided = _decisions(store, first)
    assert decided == {("rose_1.jpg", 0): (rose, "manual"), ("kit_1.jpg", 0): (None, "ignored")}
    remove_folder(config, store, str(config.uploads_dir))
    assert not first.exists() and store.photos.all() == []
    second = upload()
    assert _decisions(store, second) == decided
    store.close()


def test_an_uploaded_zip_of_a_folder_is_ingested_and_a_check_of_the_uploads_finds_it_again(tmp_path, analyzer):
    """A zip made of a folder (as "Compress" makes it) extracts into a subfolder of the library's own folder: its
    photos are the album's, read when the upload is ingested and when "Uploaded photos" is checked again."""
    import base64
    import zipfile

    from dashapp.folders import remembered_path
    from dashapp.uploads import save_uploads

    config = load_config(tmp_path / "data")
    store = Store.open(config)
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as archive:
        for name in ("rose_1.jpg", "kit_1.jpg"):
            archive.write(PHOTOS / name, f"trip/{name}")
    zipped = "data:application/zip;base64," + base64.b64encode(packed.getvalue()).decode()
    batch = save_uploads([("trip.zip", zipped)], config.uploads_dir).folder
    store.folders.add([remembered_path(config, batch)])
    report = ingest(store, config, [batch], IngestOptions(analyzer=analyzer))
    assert report.n_files == 2 and sorted(Path(p.path).name for p in store.photos.all()) == ["kit_1.jpg", "rose_1.jpg"]
    check = ingest(store, config, [config.uploads_dir], IngestOptions(analyzer=analyzer))
    assert (check.n_files, check.n_kept_unseen) == (2, 0) and len(store.photos.all()) == 2
    store.close()


def test_the_librarys_thumbnails_and_searches_given_by_name_are_not_photos(tmp_path, analyzer):
    """Only the uploads folder of the library's own folder is read with its subfolders: the face thumbnails (in
    subfolders of thumbs/) and a search's photos (finds/N/query.jpg), given by name, are the library's files, not
    photos of the album: each face must not come back as a photo of itself."""
    from dashapp.uploads import copy_query_photo
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ALBUM, analyzer)
    copy_query_photo(album / "kit_1.jpg", config.finds_dir)
    n_photos = len(store.photos.all())
    assert any(config.thumbs_dir.rglob("*.jpg")) and any(config.finds_dir.rglob("query.jpg"))
    for folder in (config.thumbs_dir, config.finds_dir):
        report = ingest(store, config, [folder], IngestOptions(analyzer=analyzer))
        assert report.n_files == 0
    assert len(store.photos.all()) == n_photos
    store.close()
