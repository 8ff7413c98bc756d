"""Safety rules of the dashboard: media routes serve library files only, uploads are checked.

Each refusal must come with a clear message (the UI shows it as is) and write nothing outside the
upload's own folder.
"""

from __future__ import annotations

import base64
import io
import zipfile
from contextvars import copy_context
from pathlib import Path

import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from PIL import Image
from sqlalchemy import update

from app import build_parser
from dashapp.server import create_app
from dashapp.store.schema import faces
from dashapp.uploads import UploadRefused, check_image_bytes, decode_data_url, extract_zip, save_uploads
from ui_fixtures import GROUP_PHOTOS, build_library


def data_url(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def jpeg_bytes(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "JPEG")
    return buf.getvalue()


def zip_bytes(entries: dict[str, bytes], symlink: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)  # a symbolic link entry
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("library")
    app = create_app(data_dir)
    from dashapp.ui_context import library

    lib = library()
    synthetic = build_library(lib.store, n_faces=6, faces_per_photo=2, n_people=2,
                              photo_files=sorted(GROUP_PHOTOS.glob("*.jpg"))[:3])
    client = app.server.test_client()
    client.lib, client.synthetic = lib, synthetic
    return client


@pytest.fixture(autouse=True)
def _shown_library(request):
    """Tests of the media routes see the module's library even if another test switched it."""
    if "client" in request.fixturenames:
        from dashapp.ui_context import use_library

        use_library(request.getfixturevalue("client").lib.data_dir)


# --- media routes ---


@pytest.mark.parametrize(
    "url",
    [
        "/media/photo/../../etc/passwd",
        "/media/photo/..%2F..%2Fetc%2Fpasswd/large.jpg",
        "/media/photo/%2Fetc%2Fpasswd/large.jpg",
        "/media/face/..%2F..%2Fetc%2Fpasswd.jpg",
        "/media/face/../../../etc/passwd",
        "/media/photo/1/..%2F..%2Fetc%2Fpasswd.jpg",
        "/media/photo/999999/large.jpg",
        "/media/face/999999.jpg",
        # Beyond SQLite's INTEGER, or digits that are not ASCII: no id, a 404 (never a 500).
        "/media/photo/99999999999999999999/thumb.jpg",
        "/media/face/99999999999999999999.jpg",
        "/media/find/99999999999999999999/query.jpg",
        "/media/find/1/frame/0/99999999999999999999.jpg",
        "/media/photo/%D9%A3/thumb.jpg",
    ],
)
def test_media_routes_refuse_paths_and_unknown_ids(client, url):
    resp = client.get(url)
    assert b"root:" not in resp.data
    if "%2F" in url or url[-1].isdigit() or url.endswith(".jpg"):
        assert resp.status_code == 404
    else:
        # `..` segments are resolved before routing; what is left is an unknown page of the app.
        assert resp.status_code == 404 or resp.mimetype == "text/html"


def test_ids_in_urls_are_read_one_way():
    from dashapp.url_ids import MAX_ID, parse_id, parse_ids

    assert [parse_id(t) for t in ("7", " 12 ", "007", str(MAX_ID))] == [7, 12, 7, MAX_ID]
    assert [parse_id(t) for t in ("²", "٣", "-3", "1.5", "", None, str(MAX_ID + 1), "9" * 30, ["3"])] == [None] * 9
    assert parse_ids("3,²,x,7") == [3, 7] and parse_ids(["3", "7,8"]) == [3, 7, 8] and parse_ids(None) == []


def test_an_id_repeated_in_a_url_is_read_once():
    """`/photos?person=1,1,1` showed Person 1 chosen three times over in the menu and said "3 selected"."""
    from dashapp.url_ids import parse_ids

    assert parse_ids("1,1,7,1") == [1, 7] and parse_ids(["3", "3,8"]) == [3, 8] and parse_ids(",".join(["5"] * 3000)) == [5]


def _store_data(component, store_id: str):
    """The data of the dcc.Store `store_id` inside a page layout (KeyError if the page has none)."""
    stack = [component]
    while stack:
        c = stack.pop()
        if getattr(c, "id", None) == store_id:
            return getattr(c, "data", None)
        children = getattr(c, "children", None)
        stack += [x for x in (children if isinstance(children, list) else [children]) if x is not None
                  and not isinstance(x, str)]
    raise KeyError(store_id)


def test_page_urls_with_ids_that_are_not_ids_open_the_page_unfiltered(client):
    import dash

    from callbacks import photos as photos_cb
    from test_callbacks import call

    layouts = {p["path"]: p["layout"] for p in dash.page_registry.values()}
    for query in ({"person": "²"}, {"photo": "9" * 24}, {"folder": "٣"}, {"person": ["1", "²"]}):
        page = layouts["/photos"](**query)  # no exception: the page opens
        selected = _store_data(page, "photos-selected")
        assert selected is None and _store_data(page, "photos-folder-preset") is None
        # ... and its photos show (the opened photo's place was looked up in SQLite: no overflow).
        *_, count, _, _ = call(photos_cb.render_photos, [], "any", [], [], 1, 0, selected)
        assert count == f"{len(client.synthetic.photo_ids)} photos"
    assert _store_data(layouts["/photos"](person=["1", "²"]), "photos-preset") == [1]
    assert _store_data(layouts["/find"](person="9" * 24), "find-from-person") is None


def test_media_routes_serve_library_photos_by_id(client):
    photo_id = client.synthetic.photo_ids[0]
    resp = client.get(f"/media/photo/{photo_id}/large.jpg")
    assert resp.status_code == 200 and resp.mimetype == "image/jpeg"
    img = Image.open(io.BytesIO(resp.data))
    original = Image.open(client.lib.queries.photo_file(photo_id))
    assert img.size[0] / img.size[1] == pytest.approx(original.size[0] / original.size[1], rel=0.02)
    thumb = Image.open(io.BytesIO(client.get(f"/media/photo/{photo_id}/thumb.jpg").data))
    assert max(thumb.size) <= 360
    face = client.get(f"/media/face/{client.synthetic.face_ids[0]}.jpg")
    assert face.status_code == 200 and max(Image.open(io.BytesIO(face.data)).size) <= 112


def test_a_photo_edited_in_place_is_never_shown_from_the_browsers_cache(tmp_path):
    """Media URLs carry only ids and a photo edited in place keeps its id: the browser must check again."""
    import shutil

    from dashapp.ui_context import library

    photo = tmp_path / "album" / "photo.jpg"
    photo.parent.mkdir()
    shutil.copy(sorted(GROUP_PHOTOS.glob("*.jpg"))[0], photo)
    app = create_app(tmp_path / "library")
    lib = library()
    synthetic = build_library(lib.store, n_faces=1, faces_per_photo=1, n_people=1, photo_files=[photo])
    client = app.server.test_client()
    url = f"/media/photo/{synthetic.photo_ids[0]}/large.jpg"
    first = client.get(url)
    assert first.status_code == 200 and first.cache_control.no_cache and not first.cache_control.max_age
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304  # unchanged: not sent again
    Image.new("RGB", (300, 200), (10, 200, 10)).save(photo, "JPEG")  # edited in place (same path, same id)
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert Image.open(io.BytesIO(again.data)).size == (300, 200)
    face = client.get(f"/media/face/{synthetic.face_ids[0]}.jpg")
    assert face.status_code == 200 and face.cache_control.no_cache and face.headers.get("ETag")
    lib.store.close()


def test_tampered_thumbnail_path_is_never_served(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:secret")
    face_id = client.synthetic.face_ids[1]
    with client.lib.store.engine.begin() as conn:
        conn.execute(update(faces).where(faces.c.id == face_id).values(thumb_path=f"../../../../../../..{secret}"))
    resp = client.get(f"/media/face/{face_id}.jpg")
    # The face is cut from its library photo instead; the file outside the library never leaves.
    assert b"secret" not in resp.data and b"root:" not in resp.data
    assert resp.status_code == 200 and Image.open(io.BytesIO(resp.data)).format == "JPEG"


def test_serve_binds_localhost_by_default():
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


# --- uploads ---


def test_zip_slip_archive_is_refused_and_writes_nothing(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    evil = zip_bytes({"ok.jpg": jpeg_bytes(), "../../evil.jpg": jpeg_bytes()})
    with pytest.raises(UploadRefused, match="outside its folder"):
        extract_zip(evil, uploads / "batch", "evil.zip")
    assert not (tmp_path / "evil.jpg").exists() and not (uploads / "batch").exists()
    with pytest.raises(UploadRefused, match="outside its folder"):
        extract_zip(zip_bytes({"/tmp/abs-evil.jpg": jpeg_bytes()}), uploads / "b2", "abs.zip")
    with pytest.raises(UploadRefused, match="symbolic link"):
        extract_zip(zip_bytes({"a.jpg": jpeg_bytes()}, symlink="link.jpg"), uploads / "b3", "link.zip")
    # Through the upload path the user gets the reason, and no folder is left behind.
    with pytest.raises(UploadRefused, match="evil.zip.*outside its folder|outside its folder"):
        save_uploads([("evil.zip", data_url(evil, "application/zip"))], uploads)
    assert list(uploads.iterdir()) == [] and not (tmp_path / "evil.jpg").exists()


def test_zip_with_photos_extracts_only_photos(tmp_path):
    archive = zip_bytes({"trip/a.jpg": jpeg_bytes(), "trip/b.JPG": jpeg_bytes(), "notes.txt": b"hello"})
    saved = save_uploads([("trip.zip", data_url(archive, "application/zip"))], tmp_path)
    assert sorted(p.name for p in saved.saved) == ["a.jpg", "b.JPG"]
    assert all(p.resolve().is_relative_to(saved.folder.resolve()) for p in saved.saved)
    assert any("notes.txt" in s and "not a photo" in s for s in saved.skipped)


def test_photos_of_every_kind_ingest_reads_can_be_uploaded(tmp_path):
    """AVIF (phones save it), and JPEGs named .jpe or .jfif (Windows), which ingest reads from a folder."""
    import io

    from PIL import Image

    avif = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 120, 80)).save(avif, "AVIF")
    files = [("sunset.avif", data_url(avif.getvalue(), "image/avif")), ("old.jpe", data_url(jpeg_bytes())),
             ("scan.jfif", data_url(jpeg_bytes()))]
    saved = save_uploads(files, tmp_path)
    assert sorted(p.name for p in saved.saved) == ["old.jpe", "scan.jfif", "sunset.avif"] and not saved.skipped


def test_a_zip_from_real_life_keeps_every_photo_it_can_and_says_why_not_the_others(tmp_path):
    """Two entries of one name, a name too long for the disk, macOS's bookkeeping, an encrypted entry and a
    damaged one: the photos that can be extracted are, the others are skipped with their reason, leaving nothing."""
    photo, other = jpeg_bytes(), jpeg_bytes((48, 64))
    long_name = "Ünïcödé-" * 30 + ".jpg"  # 300+ bytes: more than a file name may have
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("trip/x.jpg", photo)
        with pytest.warns(UserWarning, match="Duplicate name"):
            zf.writestr("trip/x.jpg", other)
        zf.writestr(long_name, photo)
        zf.writestr("__MACOSX/trip/._x.jpg", b"\x00\x05\x16\x07" + bytes(60))
        zf.writestr("locked.jpg", photo)
        zf.writestr("damaged.jpg", other)
    data = bytearray(buf.getvalue())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        locked, damaged = zf.getinfo("locked.jpg"), zf.getinfo("damaged.jpg")
    central = data.find(b"PK\x01\x02" + bytes(data[locked.header_offset + 4:locked.header_offset + 6]))
    while data[central + 46:central + 46 + len("locked.jpg")] != b"locked.jpg":
        central = data.find(b"PK\x01\x02", central + 4)
    data[locked.header_offset + 6] |= 1  # "encrypted", in the entry's own header and in the central directory
    data[central + 8] |= 1
    data[damaged.header_offset + 30 + len("damaged.jpg") + 100] ^= 0xFF  # a byte of its photo: the CRC fails

    saved = save_uploads([("trip.zip", data_url(bytes(data), "application/zip"))], tmp_path)
    names = sorted(p.relative_to(saved.folder / "trip").as_posix() for p in saved.saved)
    [shortened] = [n for n in names if not n.startswith("trip/")]
    assert [n for n in names if n.startswith("trip/")] == ["trip/x-1.jpg", "trip/x.jpg"]
    assert shortened.startswith("Ünïcödé-Ünïcödé-") and shortened.endswith(".jpg") and len(shortened.encode()) <= 255
    assert {p.read_bytes() for p in saved.saved if p.parent.name == "trip"} == {photo, other}
    assert sorted(saved.skipped) == ["damaged.jpg: damaged in the archive", "locked.jpg: encrypted (password protected)"]
    on_disk = sorted(p for p in saved.folder.rglob("*") if p.is_file())
    assert on_disk == sorted(saved.saved)  # nothing half written, no bookkeeping files


def test_zip_bomb_stops_at_the_extracted_size_limit(tmp_path):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.jpg", b"\0" * (5 * 1024 * 1024))  # compresses to a few KB
    with pytest.raises(UploadRefused, match="too large once extracted"):
        extract_zip(archive.getvalue(), tmp_path / "bomb", "bomb.zip", max_extracted=1024 * 1024)
    assert not (tmp_path / "bomb").exists()


def test_oversized_upload_is_refused(tmp_path):
    big = data_url(jpeg_bytes() + b"\0" * 4096, "image/jpeg")
    with pytest.raises(UploadRefused, match="too large"):
        decode_data_url(big, "huge.jpg", max_bytes=1024)
    with pytest.raises(UploadRefused, match=r"huge\.jpg: too large \(limit 1\.0 KB per upload\)"):
        save_uploads([("huge.jpg", big)], tmp_path, max_bytes=1024)
    assert list(tmp_path.iterdir()) == []


def test_non_images_are_refused(tmp_path):
    with pytest.raises(UploadRefused, match="not a photo or zip"):
        check_image_bytes(b"#!/bin/sh\necho hi\n", "script.sh")
    with pytest.raises(UploadRefused, match="not a readable image"):
        check_image_bytes(b"this is text, not a jpeg", "fake.jpg")
    check_image_bytes(jpeg_bytes(), "real.jpg")  # a real photo passes
    # A mixed batch keeps the photo and lists the refused file with its reason.
    saved = save_uploads([("real.jpg", data_url(jpeg_bytes(), "image/jpeg")),
                          ("fake.jpg", data_url(b"not an image", "image/jpeg"))], tmp_path)
    assert [p.name for p in saved.saved] == ["real.jpg"]
    # In words, as ingest says it: the name of a Python exception meant nothing to the user.
    assert saved.skipped == ["fake.jpg: not a readable image (no image format recognises this file)"]
    # File names cannot climb out of the upload folder either.
    saved = save_uploads([("../../../escape.jpg", data_url(jpeg_bytes(), "image/jpeg"))], tmp_path)
    assert saved.saved[0].parent == saved.folder and saved.saved[0].name == "escape.jpg"


def test_upload_refusal_reaches_the_library_page(tmp_path):
    from callbacks.library import upload_photos
    from dashapp.ui_context import use_library

    lib = use_library(tmp_path / "lib")
    evil = zip_bytes({"../evil.jpg": jpeg_bytes()})

    def run():
        context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "lib-upload-go.data", "value": 1}]))
        return upload_photos(1, [data_url(evil, "application/zip")], ["evil.zip"])

    message, color, is_open, _ = copy_context().run(run)
    assert color == "danger" and is_open and "outside its folder" in message and "Nothing was added" in message
    assert not Path(lib.config.uploads_dir).exists() or list(Path(lib.config.uploads_dir).iterdir()) == []


def test_a_request_too_large_is_refused_in_words_and_nothing_stored_is_lost(client, tmp_path):
    """Dash sends all the files of a drop in one request to its callback endpoint: past the server's limit it is
    refused (413) before it is read, with an answer saying what was too large and what to do instead."""
    from dashapp.server import TOO_LARGE

    lib = client.lib
    before = (lib.store.photos.counts(), lib.store.faces.count(), sorted(p.name for p in lib.data_dir.iterdir()))
    body = tmp_path / "body.json"
    with body.open("wb") as f:  # a sparse file: a real body of that size, without the memory or disk
        f.truncate(client.application.config["MAX_CONTENT_LENGTH"] + 1)
    with body.open("rb") as stream:
        response = client.post("/_dash-update-component", input_stream=stream, content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == TOO_LARGE
    assert "at most 200 MB can be uploaded at a time, so nothing was uploaded" in TOO_LARGE and "folder" in TOO_LARGE
    assert (lib.store.photos.counts(), lib.store.faces.count(),
            sorted(p.name for p in lib.data_dir.iterdir())) == before


def test_served_on_localhost_it_answers_this_machine_only_and_is_never_framed(tmp_path):
    """A page elsewhere whose name points at 127.0.0.1 (DNS rebinding) sends its own name as Host: refused. No
    other site may show the dashboard in a frame (clickjacking)."""
    from dashapp.server import local_only

    app = create_app(tmp_path / "library")
    local_only(app.server)
    client = app.server.test_client()
    for host in ("localhost:8050", "127.0.0.1:8050", "[::1]:8050", "localhost"):
        assert client.get("/export/faces.csv", headers={"Host": host}).status_code == 200, host
    for host in ("attacker.example:8050", "attacker.example", "127.0.0.1.attacker.example:8050"):
        assert client.get("/export/faces.csv", headers={"Host": host}).status_code == 403, host
    page = client.get("/", headers={"Host": "localhost:8050"})
    assert page.headers["X-Frame-Options"] == "SAMEORIGIN" and "frame-ancestors 'self'" in page.headers[
        "Content-Security-Policy"]
