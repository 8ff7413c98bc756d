"""The "Find a person" page: its callbacks called as plain functions, with real search job processes.

Uploading a photo starts `python app.py find --job-id N` (the real model, in its own process) as the
browser would; the test polls the store until it ends, then renders what the page shows.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from dash import html

from callbacks import find as find_cb
from dashapp import job_runner
from dashapp.find_command import RESULT_FILE
from dashapp.server import create_app
from dashapp.ui_context import use_library
from model.faces import FaceAnalyzer
from find_fixtures import NAME, PHOTOS, QUERIES, build_find_library, build_one_person_library, person_video
from test_callbacks import _components, call, find_ids, text_of

JOB_TIMEOUT_S = 240
NO_FACE = "no face found in the query photo; use a photo where the face is clearly visible"


def data_url(path: Path, mime: str = "image/jpeg") -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()


def hrefs(component) -> list[str]:
    """Every link target inside a component tree."""
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += hrefs(c)
        return found
    if getattr(component, "href", None):
        found.append(component.href)
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        found += hrefs(children)
    return found


@pytest.fixture(scope="module")
def library_dir(tmp_path_factory, analyzer) -> Path:
    data_dir, store = build_find_library(tmp_path_factory.mktemp("find-page"), analyzer)
    store.close()
    return data_dir


@pytest.fixture()
def lib(library_dir):
    library = use_library(library_dir)
    yield library


@pytest.fixture()
def empty_lib(tmp_path):
    library = use_library(tmp_path / "empty")
    yield library
    library.store.close()


def wait_done(lib, state: dict) -> dict:
    """Poll as the page does until the search ends; returns the page's job state."""
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while time.monotonic() < deadline:
        job = lib.store.jobs.get(state["id"])
        if job.status not in ("queued", "running"):
            status, new_state, note_open, cancel = call(find_cb.poll_find, 1, state)
            assert note_open is False  # the "Looking for…" note closes
            assert cancel == find_cb.V.CANCEL_HIDDEN  # nothing left to cancel
            log = (lib.data_dir / "jobs" / f"job-{job.id}.log").read_text()
            assert job.status == "done", (job.message, log[-3000:])
            return new_state
        time.sleep(0.3)
    raise AssertionError(f"search {state['id']} did not finish")


def test_the_page_invites_a_photo_when_there_is_no_search(empty_lib):
    status, state, *_ = call(find_cb.poll_find, 0, None)
    assert status is None and state == {"id": None}
    results, query, hint, videos = call(find_cb.render_find, state)
    assert "Who are you looking for?" in text_of(results) and query is None
    assert call(find_cb.poll_find, 1, state) == (find_cb.no_update,) * 4  # nothing changed


def test_a_search_of_an_empty_library_says_to_add_photos_not_to_look_looser(empty_lib):
    """A first-time user's first search: "No photo in the library matches at this setting. Try “looser”." sent them
    to a slider that could never find anything, and no slider position can at the loosest either."""
    message, _, _, state = call(find_cb.upload_query, 1, data_url(PHOTOS / "rose_2.jpg"), "rose.jpg",
                                trigger="find-upload-go", prop="data")
    state = wait_done(empty_lib, state)
    result = find_cb._result(empty_lib.store.jobs.get(state["id"]))
    photos, *_ = call(find_cb.filter_find, None, False, 1, state)
    text = text_of(photos)
    assert "The library has no photos yet: add them on the Library page" in text and "looser" not in text, text
    # A library with faces, none of them alike enough even at "looser": no slider position helps.
    faces = replace(result, n_compared=100)
    assert "Try “looser”" in text_of(find_cb.V.person_summary(faces, [], None, result.thresholds.default))
    assert text_of(find_cb.V.person_summary(faces, [], None, result.thresholds.looser)) == \
        "No photo in the library looks enough like them, even at “looser”."


def test_search_from_the_page_photos_then_videos(lib, tmp_path):
    query = "obama_3.jpg"
    message, color, is_open, state = call(find_cb.upload_query, 1, data_url(PHOTOS / query), query,
                                          trigger="find-upload-go", prop="data")
    assert color == "info" and "Looking for the person" in message
    status, polled, *_ = call(find_cb.poll_find, 1, state)  # the progress shows at once
    assert "Searching" in text_of(status) or polled["status"] == "done"
    state = wait_done(lib, state)

    results, query_photo, hint, videos = call(find_cb.render_find, state)
    assert find_ids(results, "find-face") == []  # one face: nothing else to pick
    assert text_of(query_photo) == "searched for"  # its box, over a search that is done (not "searching")
    assert "faces in the library compared" in text_of(results)
    n_library = len(find_cb._result(lib.store.jobs.get(state["id"])).library_faces)
    assert n_library and f"Searched with this face and the {n_library} library face" in text_of(hint)
    # Between the person's farthest photo and the first stranger: exactly the person's photos (the
    # ranking itself is test_find's; here the page's filter and wording).
    distances = [m.distance for m in find_cb._result(lib.store.jobs.get(state["id"])).matches]
    n_theirs = len(QUERIES[query])
    strict = (distances[n_theirs - 1] + distances[n_theirs]) / 2
    photos, *_, moments = call(find_cb.filter_find, strict, False, 1, state)
    text = text_of(photos)
    assert "This looks like" in text and NAME in text and "3 photos" in text
    named = lib.store.people.by_name(NAME)
    assert f"/find?person={named.id}" in hrefs(photos)  # "Search with all their faces"
    by_name = {Path(path).name: row.id for path, row in lib.store.photos.index().items()}
    expected = {f"/photos?photo={by_name[n]}" for n in QUERIES[query]}
    links = set(hrefs(photos))
    assert expected <= links and not {h for h in links if h.startswith("/photos?photo=")} - expected
    assert moments == []

    # Stricter than every match: nothing left, and the page says how to get more.
    photos, *_ = call(find_cb.filter_find, 0.1, False, 1, state)
    assert "0 photos" in text_of(photos) and "looser" in text_of(photos)

    # Add a video: the same person is searched again, through the video too.
    video = person_video(tmp_path / "party.mp4")
    message, color, _, state = call(find_cb.upload_videos, 1, [data_url(video, "video/mp4")], ["party.mp4"], state,
                                    trigger="find-video-upload-go", prop="data")
    assert color == "info" and message == "Looking through 1 video…", message
    state = wait_done(lib, state)
    results, _, _, videos = call(find_cb.render_find, state)
    assert "party.mp4" in videos
    photos, *_, moments = call(find_cb.filter_find, strict, False, 1, state)
    assert "3 photos" in text_of(photos)
    text = text_of(moments)
    assert "2 moments" in text and "0:00 – 0:02" in text and "0:07 – 0:09" in text

    # The query photo and the frames are served by job id.
    client = create_app(lib.data_dir).server.test_client()
    assert client.get(f"/media/find/{state['id']}/query.jpg").status_code == 200
    out = Path(lib.store.jobs.get(state["id"]).args["out"])
    frame = sorted(out.glob("v0-*.jpg"))[0].stem.split("-")[1]
    assert client.get(f"/media/find/{state['id']}/frame/0/{frame}.jpg").status_code == 200
    assert (out / RESULT_FILE).is_file()

    # Each moment plays the video from its start: a player of the uploaded video, served in the ranges it asks for.
    props = [c.to_plotly_json()["props"] for c in _components(moments)]
    assert [p["data-seek"] for p in props if "data-seek" in p] == ["0", "7"]
    [player] = [c for c in _components(moments) if isinstance(c, html.Video)]
    assert player.src == f"/media/find/{state['id']}/video/0"
    whole = client.get(player.src)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4" and whole.data == video.read_bytes()
    part = client.get(player.src, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == video.read_bytes()[100:200]
    assert client.get(f"/media/find/{state['id']}/video/1").status_code == 404


def test_a_few_photos_of_the_person_are_searched_together(lib, tmp_path):
    """Several photos dropped at once: the first is the query, the others add their face of the same person
    (a file that is not a photo is skipped, with the reason); the page shows each with its face, and a video
    added later keeps them."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    files = [notes, PHOTOS / "rose_1.jpg", PHOTOS / "rose_2.jpg"]
    message, color, _, state = call(
        find_cb.upload_query, 1, [data_url(f, "text/plain" if f == notes else "image/jpeg") for f in files],
        [f.name for f in files], trigger="find-upload-go", prop="data")
    assert color == "info" and "in rose_1.jpg and 1 more photo…" in message and "notes.txt: not a photo" in message
    state = wait_done(lib, state)
    job = lib.store.jobs.get(state["id"])
    assert [Path(p).name for p in job.args["also"]] == ["also-1.jpg"]
    result = find_cb._result(job)
    n_library = len(result.library_faces)  # and the library's faces surest to be her (kit_with_rose's)
    assert result.n_query_faces == 2 and result.thresholds == FaceAnalyzer().search_thresholds(2 + n_library)
    _, _, hint, _ = call(find_cb.render_find, state)
    assert "Searched with 2 faces" in text_of(hint) and "joined" in text_of(hint)
    assert f"With them, the {n_library} library face" in text_of(hint)
    assert n_library and all(f"/media/face/{f}.jpg" in str(hint) for f in result.library_faces)  # shown
    photos, *_ = call(find_cb.filter_find, result.thresholds.default, False, 1, state)
    assert f"{len(QUERIES['rose_1.jpg'])} photos" in text_of(photos)
    client = create_app(lib.data_dir).server.test_client()
    assert client.get(f"/media/find/{state['id']}/also/0.jpg").status_code == 200
    assert client.get(f"/media/find/{state['id']}/also/1.jpg").status_code == 404

    video = person_video(tmp_path / "party.mp4")
    *_, state = call(find_cb.upload_videos, 1, [data_url(video, "video/mp4")], ["party.mp4"], state,
                     trigger="find-video-upload-go", prop="data")
    state = wait_done(lib, state)
    assert find_cb._result(lib.store.jobs.get(state["id"])).n_query_faces == 2


def test_pick_another_face_of_the_query_photo(lib):
    group = "obama_and_biden.jpg"
    *_, state = call(find_cb.upload_query, 1, data_url(PHOTOS / group), group, trigger="find-upload-go", prop="data")
    state = wait_done(lib, state)
    _, query_photo, hint, _ = call(find_cb.render_find, state)
    choices = find_ids(query_photo, "find-face")
    assert len(choices) >= 1 and {"type": "find-face", "idx": 0} not in choices  # the largest is searched already
    assert "click another face" in text_of(hint)
    message, color, _, state = call(find_cb.pick_face, [1], state, trigger={"type": "find-face", "idx": 1})
    assert color == "info" and "face 2" in message
    state = wait_done(lib, state)
    job = lib.store.jobs.get(state["id"])
    assert job.args["face"] == 1 and find_cb._result(job).face == 1


def test_a_person_cards_find_link_searches_for_that_person(lib):
    import dash

    create_app(lib.data_dir)
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/find")
    person = lib.store.people.by_name(NAME)
    assert f"Store(id='find-from-person', data={person.id})" in str(layout(person=str(person.id)))  # ?person=ID
    assert "Store(id='find-from-person')" in str(layout(person="x"))  # no search started
    message, color, _, state = call(find_cb.find_person, person.id, trigger="find-from-person", prop="data",
                                    value=person.id)
    assert color == "info" and message.startswith(f"Looking for {NAME}, with all their faces")
    state = wait_done(lib, state)
    result = find_cb._result(lib.store.jobs.get(state["id"]))
    best = lib.store.faces.get(lib.queries.person_faces(person.id, 0, 1)[0])  # the card's first face
    assert result.faces[result.face].box == pytest.approx(best.box, abs=1.0)  # the same face, found again
    theirs = {lib.store.faces.get(f).photo_id for f in lib.store.people.face_ids(person.id)}
    assert theirs <= {m.photo_id for m in result.photos(result.thresholds.default)}
    assert call(find_cb.find_person, 987654, trigger="find-from-person", prop="data", value=987654)[1] == "danger"
    # Named anew after the search: the kept search says the name they have now.
    lib.store.people.rename(person.id, "Renamed Since")
    _results, _query, hint, _videos = call(find_cb.render_find, state)
    assert "Renamed Since" in text_of(hint) and NAME not in text_of(hint)
    lib.store.people.rename(person.id, NAME)

    # The person is removed between the click and the search: the job fails with the reason, for the page.
    job_id = job_runner.start_find(lib, Path(result.query_path), person=987654)
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while (job := lib.store.jobs.get(job_id)).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.3)
    assert job.status == "failed" and "no person '987654'" in job.message


def test_a_persons_search_starts_from_another_of_their_photos_when_the_typical_ones_is_missing(lib, analyzer):
    """Only the photo shown (and read) comes from disk; the search itself needs their faces' embeddings, so it
    runs even when none of their photos is there."""
    from dashapp.find import typical_face

    person = lib.store.people.by_name(NAME)
    typical = typical_face(lib.store, person.id, analyzer.model_version)
    others = [f for f in lib.store.faces.of_person(person.id) if f.photo_id != typical.photo_id]
    assert others, "the fixture person has two photos"
    gone = Path(typical.photo_path)
    gone.rename(gone.with_suffix(".away"))  # the file is moved away (or its drive unplugged)
    try:
        message, color, _, state = call(find_cb.find_person, person.id, trigger="find-from-person", prop="data",
                                        value=person.id)
        assert color == "info" and message.startswith(f"Looking for {NAME}, with all their faces")
        state = wait_done(lib, state)
        job = lib.store.jobs.get(state["id"])
        result = find_cb._result(job)
        assert result.template is not None and result.template.n_faces == 2  # still all their faces
        assert Path(result.query_path) == Path(others[0].photo_path)  # the search read the other photo
        assert (Path(job.args["query"])).read_bytes() == Path(others[0].photo_path).read_bytes()  # and shows it
        assert {f.photo_id for f in others} <= {m.photo_id for m in result.photos(result.thresholds.default)}
        # None of their photos on disk: their faces in the library are enough to search with, and the page says so,
        # showing their face as the library keeps it.
        for f in others:
            Path(f.photo_path).rename(Path(f.photo_path).with_suffix(".away"))
        try:
            message, color, _, state = call(find_cb.find_person, person.id, trigger="find-from-person", prop="data",
                                            value=person.id)
            assert color == "info" and f"None of the photos of {NAME} is on disk now" in message
            _, query, _, _ = call(find_cb.render_find, state)  # while it runs (the job loads the model first)
            assert query.id == "find-query-face"  # their small face crop, not stretched as a photo
            state = wait_done(lib, state)
            result = find_cb._result(lib.store.jobs.get(state["id"]))
            assert result.query_path is None and result.query_face is None and result.template.n_faces == 2
            theirs = {f.photo_id for f in [typical, *others]}
            assert theirs <= {m.photo_id for m in result.photos(result.thresholds.default)}
            results, query, hint, _ = call(find_cb.render_find, state)
            assert "Their own photos are not on disk now" in text_of(hint) and query.id == "find-query-face"
            photos, *_ = call(find_cb.filter_find, result.thresholds.default, False, 1, state)
            assert f"{len(theirs)} of these photos are already  {NAME} ’s" in text_of(photos)
            client = create_app(lib.data_dir).server.test_client()
            assert client.get(f"/media/find/{state['id']}/query.jpg").status_code == 200  # their face's thumbnail
        finally:
            for f in others:
                Path(f.photo_path).with_suffix(".away").rename(f.photo_path)
    finally:
        gone.with_suffix(".away").rename(gone)


def test_uploads_are_refused_with_the_reason(lib, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    message, color, _, state = call(find_cb.upload_query, 1, data_url(notes, "text/plain"), "notes.txt",
                                    trigger="find-upload-go", prop="data")
    assert color == "danger" and "notes.txt: not a photo" in message and state is find_cb.no_update
    zipped = call(find_cb.upload_query, 1, data_url(notes, "application/zip"), "album.zip", trigger="find-upload-go",
                  prop="data")
    assert zipped[1] == "danger" and "not a zip" in zipped[0]

    video = data_url(PHOTOS / "rose_2.jpg", "video/mp4")
    message, color, *_ = call(find_cb.upload_videos, 1, [video], ["clip.mp4"], None, trigger="find-video-upload-go",
                              prop="data")
    assert color == "danger" and "photo of the person first" in message

    folder = lib.config.finds_dir / "by-hand"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PHOTOS / "rose_2.jpg", folder / "query.jpg")
    job = lib.store.jobs.create("find", {"query": str(folder / "query.jpg"), "out": str(folder / "run-1"),
                                         "face": None, "videos": []})
    lib.store.jobs.finish(job, "failed", NO_FACE)
    message, color, *_ = call(find_cb.upload_videos, 1, [video], ["clip.mp4"], {"id": job}, trigger="find-video-upload-go",
                              prop="data")
    assert color == "danger" and "not a video: clip.mp4 has no video stream" in message and message.count("clip.mp4") == 1
    assert not list((folder / "videos").glob("*"))  # the refused file is not kept


def test_a_damaged_photo_is_refused_before_a_search_starts(empty_lib, tmp_path):
    """A JPEG cut short passed the upload's check (its header is fine): the search started, failed, and the page showed
    a broken picture beside "The search did not work"."""
    cut = tmp_path / "cut.jpg"
    cut.write_bytes((PHOTOS / "rose_2.jpg").read_bytes()[:3000])
    message, color, _, state = call(find_cb.upload_query, 1, data_url(cut), "cut.jpg", trigger="find-upload-go",
                                    prop="data")
    assert color == "danger" and state is find_cb.no_update
    assert message.startswith("cut.jpg: the photo cannot be read (truncated: image file is truncated")
    assert empty_lib.store.jobs.latest("find") == []
    message, color, _, state = call(find_cb.upload_query, 1, [data_url(cut), data_url(PHOTOS / "rose_2.jpg")],
                                    ["cut.jpg", "rose.jpg"], trigger="find-upload-go", prop="data")
    assert message.startswith("Looking for the person in rose.jpg… Skipped: cut.jpg: the photo cannot be read")
    wait_done(empty_lib, state)


def test_a_failed_search_shows_why_and_a_running_one_blocks_another(empty_lib, tmp_path):
    store = empty_lib.store
    failed = store.jobs.create("find", {"query": "/x/query.jpg", "out": "/x/run-1", "videos": []})
    store.jobs.finish(failed, "failed", NO_FACE)
    status, state, *_ = call(find_cb.poll_find, 1, None)
    assert "The search did not work: no face found" in text_of(status)
    results, *_ = call(find_cb.render_find, state)
    assert results is None

    gone = store.jobs.create("find", {"query": "/x/query.jpg", "out": str(tmp_path / "removed"), "videos": []})
    store.jobs.finish(gone, "done", "3 photos")
    results, *_ = call(find_cb.render_find, {"id": gone})
    assert "no longer in the library folder" in text_of(results)

    running = store.jobs.create("find", {"query": "/x/query.jpg", "out": "/x/run-2", "videos": []})
    store.jobs.start(running, os.getpid())  # alive: counts as running
    store.jobs.progress(running, phase="video", done=4, total=10, message="looking through the video")
    status, _, _, cancel = call(find_cb.poll_find, 2, state)
    assert "looking through the video · 4 / 10 frames" in text_of(status)
    assert cancel == find_cb.V.CANCEL_SHOWN
    searches = sorted(empty_lib.config.finds_dir.glob("*")) if empty_lib.config.finds_dir.exists() else []
    message, color, *_ = call(find_cb.upload_query, 1, data_url(PHOTOS / "rose_1.jpg"), "rose_1.jpg",
                              trigger="find-upload-go", prop="data")
    assert color == "danger" and "already running" in message
    # Refused before anything is saved: no new search folder, and no kept search let go for it.
    assert (sorted(empty_lib.config.finds_dir.glob("*")) if empty_lib.config.finds_dir.exists() else []) == searches
    message, color, *_ = call(find_cb.upload_videos, 1, [data_url(PHOTOS / "rose_1.jpg", "video/mp4")], ["a.mp4"],
                              {"id": running}, trigger="find-video-upload-go", prop="data")
    assert color == "danger" and "already running" in message
    message, color, *_ = call(find_cb.cancel_find, 1, {"id": running}, trigger="find-cancel")
    assert color == "warning" and store.jobs.cancel_requested(running)
    store.jobs.finish(running, "cancelled")
    message, color, *_ = call(find_cb.cancel_find, 1, {"id": running}, trigger="find-cancel")
    assert color == "danger" and "No search is running" in message


def test_search_media_routes_serve_only_search_files(empty_lib, tmp_path):
    store = empty_lib.store
    client = create_app(empty_lib.data_dir).server.test_client()
    outside = tmp_path / "mine.jpg"
    shutil.copy(PHOTOS / "rose_1.jpg", outside)
    cli_search = store.jobs.create("find", {"query": str(outside), "out": str(tmp_path), "also": [str(outside)],
                                            "videos": [str(outside)]})
    ingest_job = store.jobs.create("ingest", {"query": str(outside), "out": str(tmp_path)})
    for url in (f"/media/find/{cli_search}/query.jpg", f"/media/find/{ingest_job}/query.jpg",
                "/media/find/999/query.jpg", f"/media/find/{cli_search}/frame/0/0.jpg",
                f"/media/find/{cli_search}/also/0.jpg", f"/media/find/{ingest_job}/also/0.jpg",
                f"/media/find/{cli_search}/video/0", "/media/find/1/../../etc/passwd"):
        assert client.get(url).status_code == 404, url


def test_old_searches_are_pruned_and_the_newest_are_kept(tmp_path):
    from dashapp.uploads import KEPT_SEARCHES, prune_old_searches, save_query_photos

    finds = tmp_path / "finds"
    photo = [("rose_1.jpg", data_url(PHOTOS / "rose_1.jpg"))]
    queries = [save_query_photos(photo, finds).saved[0] for _ in range(KEPT_SEARCHES + 2)]
    kept = sorted(p for p in finds.iterdir())
    assert len(kept) == KEPT_SEARCHES and queries[-1].parent in kept and queries[-1].is_file()

    # Use, not creation, counts: an old search run again (a new run-N folder) outlives newer untouched ones.
    for age, folder in enumerate(reversed(kept)):
        os.utime(folder, ns=(10**18 - age * 10**9,) * 2)
    reused = kept[0]
    os.utime(reused, ns=(2 * 10**18,) * 2)
    assert prune_old_searches(finds, keep=3) == KEPT_SEARCHES - 3
    assert reused in set(finds.iterdir()) and len(list(finds.iterdir())) == 3
    assert prune_old_searches(tmp_path / "none") == 0


def test_a_search_takes_at_most_ten_photos_of_the_person(tmp_path):
    from dashapp.uploads import MAX_QUERY_PHOTOS, save_query_photos

    photos = [(f"rose-{i}.jpg", data_url(PHOTOS / "rose_1.jpg")) for i in range(MAX_QUERY_PHOTOS + 1)]
    saved = save_query_photos(photos, tmp_path / "finds")
    assert [p.name for p in saved.saved] == ["query.jpg"] + [f"also-{i}.jpg" for i in range(1, MAX_QUERY_PHOTOS)]
    assert saved.skipped == [f"rose-{MAX_QUERY_PHOTOS}.jpg: a search takes at most {MAX_QUERY_PHOTOS} photos of the person"]


def test_a_file_dropped_on_the_wrong_area_of_find_says_where_it_goes(tmp_path):
    """A video dropped on the photo's area, or a photo on the videos' one, is told which area takes it; a file of
    another type is told the photo types the search takes, not zips, which it refuses."""
    from dashapp.uploads import UploadRefused, save_query_photos, save_videos

    photo = data_url(PHOTOS / "rose_1.jpg")
    saved = save_query_photos([("rose_1.jpg", photo), ("party.mp4", "data:video/mp4;base64,AAAA"),
                               ("notes.txt", "data:text/plain;base64,aGk=")], tmp_path / "finds")
    video, other = saved.skipped
    assert video == "party.mp4: a video; drop it on “Also look through videos”, once a photo of the person is searched"
    assert other.startswith("notes.txt: not a photo (accepted: avif, ") and "zip" not in other
    with pytest.raises(UploadRefused, match="rose_1.jpg: a photo; drop photos of the person on “A photo of the person”"):
        save_videos([("rose_1.jpg", photo)], tmp_path / "videos")


def test_a_library_persons_search_shows_their_faces_and_can_show_only_new_photos(analyzer, tmp_path):
    """A template search's page: the faces it averages, how many photos are theirs, and only the new ones."""
    from dashapp.find import find, save_result, typical_face

    store, faces_of = build_one_person_library(tmp_path, analyzer)
    theirs = faces_of["4931"]
    store.people.move_faces_to_name([f.id for f in theirs[:6]], "Ada")
    ada = store.people.by_name("Ada")
    shown = typical_face(store, ada.id, analyzer.model_version)
    out = tmp_path / "search"
    save_result(find(analyzer, store, Path(shown.photo_path), shown.idx, person=ada.id), out / RESULT_FILE)
    job_id = store.jobs.create("find", {"query": shown.photo_path, "out": str(out), "person": ada.id}, status="done")
    store.close()
    lib = use_library(tmp_path / "data")
    state = {"id": job_id}

    _results, _query, hint, _videos = call(find_cb.render_find, state)
    assert "Searched with all 6 faces of Ada" in text_of(hint)
    strip = next(h for h in hint if getattr(h, "id", None) == "find-template-faces")
    assert len(strip.children) == 6 and all(img.src.startswith("/media/face/") for img in strip.children)

    stricter = find_cb._result(lib.store.jobs.get(job_id)).thresholds.stricter
    photos, *_ = call(find_cb.filter_find, stricter, False, 1, state)
    assert "6 of these photos are already" in text_of(photos) and "10 photos" in text_of(photos)
    photos, *_ = call(find_cb.filter_find, stricter, True, 1, state)  # "Only photos not yet theirs"
    assert "4 photos" in text_of(photos)
    not_theirs = {lib.store.faces.get(f.id).photo_id for f in theirs[6:]}
    assert {h for h in hrefs(photos) if h.startswith("/photos?photo=")} == {f"/photos?photo={p}" for p in not_theirs}
    lib.store.people.rename(ada.id, "Ada Lovelace")  # after the search: the note and the tiles say the name now
    photos, *_ = call(find_cb.filter_find, stricter, False, 1, state)
    assert text_of(photos).count("Ada Lovelace") == 1 + 6 and "already  Ada Lovelace ’s" in text_of(photos)
    lib.store.close()


def _persons_search(analyzer, store, person_id: int, out: Path) -> dict:
    """A search for a library person as a person card's Find link makes it, run here: the page's job state."""
    from dashapp.find import find, save_result, typical_face

    shown = typical_face(store, person_id, analyzer.model_version)
    save_result(find(analyzer, store, Path(shown.photo_path), shown.idx, person=person_id), out / RESULT_FILE)
    return {"id": store.jobs.create("find", {"query": shown.photo_path, "out": str(out), "person": person_id},
                                    status="done")}


def _switch_shown(results) -> bool:
    """Whether the page shows "Only photos not yet theirs"."""
    switch = next(c for c in results.children if getattr(c, "id", None) == "find-new-only")
    return switch.style is None


def test_a_kept_search_follows_its_person_into_a_merge_and_says_when_they_are_gone(analyzer, tmp_path):
    """A group searched for, then merged into Ada: the kept search counts and links against Ada, whose faces they
    are now. Undone, it is the group's again; emptied into Unsorted (the group deleted), it says they are gone,
    with no link to a person who is not there."""
    store, faces_of = build_one_person_library(tmp_path, analyzer)
    theirs = faces_of["4931"]
    store.people.move_faces_to_name([f.id for f in theirs[:6]], "Ada")
    ada = store.people.by_name("Ada")
    group = store.people.create()  # an unnamed group: "Person N"
    store.people.move_faces([f.id for f in theirs[6:8]], group)
    state = _persons_search(analyzer, store, group, tmp_path / "search")
    store.people.merge([group], ada.id)
    store.close()
    lib = use_library(tmp_path / "data")
    looser = find_cb._result(lib.store.jobs.get(state["id"])).thresholds.looser

    def page() -> tuple[str, str, list[str], bool]:
        results, _query, hint, _videos = call(find_cb.render_find, state)
        photos, *_ = call(find_cb.filter_find, looser, False, 1, state)
        return text_of(hint), text_of(photos), hrefs(photos), _switch_shown(results)

    ada_faces = set(lib.store.people.face_ids(ada.id))
    found = find_cb._result(lib.store.jobs.get(state["id"])).photos(looser)
    n_ada = sum(m.face_id in ada_faces for m in found)
    assert n_ada >= 8  # the group's two photos and Ada's six
    hint, note, links, switch = page()
    assert f"Person {group} is part of Ada now" in hint and f"Person {group}  is part of  Ada  now" in note
    assert f"{n_ada} of these photos are already  Ada ’s" in note
    assert f"/photos?person={ada.id}" in links and f"/photos?person={group}" not in links and switch
    photos, *_ = call(find_cb.filter_find, looser, True, 1, state)  # "Only photos not yet theirs": not Ada's
    assert f"{len(found) - n_ada} photo" in text_of(photos)

    lib.store.people.undo()  # the group is back, with its own two faces
    hint, note, links, switch = page()
    assert "part of" not in hint + note and f"2 of these photos are already  Person {group} ’s" in note
    assert f"/photos?person={group}" in links and switch

    lib.store.people.move_faces([f.id for f in theirs[6:8]], None)  # to Unsorted: the emptied group is deleted
    assert lib.store.people.get(group) is None
    hint, note, links, switch = page()
    assert f"Person {group} is no longer in the library" in hint and "no longer in the library" in note
    assert not [h for h in links if h.startswith("/photos?person=")] and not switch
    lib.store.close()


def test_a_one_face_persons_search_says_which_photos_are_theirs(analyzer, tmp_path):
    """A person of one face is searched for with it, and the page still says which photos are theirs and can
    show only the others."""
    store, faces_of = build_one_person_library(tmp_path, analyzer)
    theirs = faces_of["4931"]
    store.people.move_faces_to_name([theirs[0].id], "Cy")
    cy = store.people.by_name("Cy")
    state = _persons_search(analyzer, store, cy.id, tmp_path / "search")
    store.close()
    lib = use_library(tmp_path / "data")

    results, _query, hint, _videos = call(find_cb.render_find, state)
    assert "Searched with the one face of Cy" in text_of(hint) and _switch_shown(results)
    default = find_cb._result(lib.store.jobs.get(state["id"])).thresholds.default
    photos, *_ = call(find_cb.filter_find, default, False, 1, state)
    n = len(find_cb._result(lib.store.jobs.get(state["id"])).photos(default))
    assert n > 1 and f"1 of these photos is already  Cy ’s; {n - 1} show" in text_of(photos)
    assert f"/photos?person={cy.id}" in hrefs(photos)
    photos, *_ = call(find_cb.filter_find, default, True, 1, state)  # only the photos not yet theirs
    assert f"{n - 1} photos" in text_of(photos) and f"/photos?photo={theirs[0].photo_id}" not in hrefs(photos)
    lib.store.close()


def test_a_face_set_aside_as_ignored_after_the_search_leaves_its_kept_results(analyzer, tmp_path):
    """A face set aside as Ignored is out of searches: a kept search leaves it out as a new one does, instead of
    counting it among the faces "unsorted or someone else's" to move (and listing it as not theirs yet)."""
    from dashapp.find import find

    store, faces_of = build_one_person_library(tmp_path, analyzer)
    store.people.move_faces_to_name([f.id for f in faces_of["4931"][:6]], "Ada")
    ada = store.people.by_name("Ada")
    state = _persons_search(analyzer, store, ada.id, tmp_path / "search")
    store.close()
    lib = use_library(tmp_path / "data")
    result = find_cb._result(lib.store.jobs.get(state["id"]))
    default = result.thresholds.default
    found = result.photos(default)
    not_theirs = [m for m in found if m.person_id != ada.id]
    n_theirs = len(found) - len(not_theirs)
    assert n_theirs == 6 and len(not_theirs) >= 2
    photos, *_ = call(find_cb.filter_find, default, False, 1, state)
    assert f"{len(not_theirs)} show a face that is unsorted or someone else’s" in text_of(photos)

    lib.store.people.ignore_faces([not_theirs[0].face_id])  # not a face of anyone to sort: set aside
    fresh = find(analyzer, lib.store, None, person=ada.id).photos(default)  # with their stored faces
    assert not_theirs[0].photo_id not in {m.photo_id for m in fresh}  # a new search leaves it out
    photos, *_ = call(find_cb.filter_find, default, False, 1, state)
    n_left = len(not_theirs) - 1
    assert f"{n_left} show{'s' if n_left == 1 else ''} a face that is unsorted" in text_of(photos)
    assert f"{len(found) - 1} photos" in text_of(photos)
    assert f"/photos?photo={not_theirs[0].photo_id}" not in hrefs(photos)
    photos, *_ = call(find_cb.filter_find, default, True, 1, state)  # "Only photos not yet theirs"
    assert f"{n_left} photo" in text_of(photos) and f"/photos?photo={not_theirs[0].photo_id}" not in hrefs(photos)
    lib.store.close()


def test_photos_less_alike_than_stricter_are_set_apart():
    """On a large library most strangers the default lets in lie between "stricter" and it: they come after a
    "less sure" divider, best first, and the divider is left out when there are none."""
    from dashapp.find import PhotoMatch

    matches = [PhotoMatch(i, 10 + i, f"/album/p{i}.jpg", (10, 10, 50, 50), d, 100, 100)
               for i, d in enumerate([0.31, 0.95, 1.02, 1.1])]
    grid = find_cb.V.matches_grid(matches, sure_up_to=1.0)
    sure, divider, unsure = grid.children
    assert [t.href for t in sure.children] == ["/photos?photo=0", "/photos?photo=1"]
    assert [t.href for t in unsure.children] == ["/photos?photo=2", "/photos?photo=3"]
    assert text_of(divider) == "Less sure: 2 photos less alike than “stricter”; some may show someone else"
    only_sure = find_cb.V.matches_grid(matches[:2], sure_up_to=1.0)
    assert len(only_sure.children) == 1 and "Less sure" not in text_of(only_sure)
    only_unsure = find_cb.V.matches_grid(matches[2:], sure_up_to=1.0)
    assert text_of(only_unsure.children[0]).startswith("Less sure: 2 photos")
    one = find_cb.V.matches_grid(matches[:3], sure_up_to=1.0)
    assert text_of(one.children[1]) == "Less sure: 1 photo less alike than “stricter”; it may show someone else"


def test_video_moments_less_alike_than_stricter_say_so_as_photos_do():
    """A moment whose closest frame is farther than "stricter" looked as sure as one of the person's own, where a
    photo as far is set apart under "Less sure"."""
    from dashapp.find import VideoResult, VideoSample

    video = VideoResult("/v/party.mp4", 1.0, 9.0, [VideoSample(0.0, 0.3), VideoSample(1.0, None),
                                                   VideoSample(2.0, None), VideoSample(5.0, 1.05)])
    moments = find_cb.V.video_moments(1, 0, video, video.moments(1.1), sure_up_to=1.0)
    sure, unsure = [text_of(m) for m in moments.children[2].children]
    assert sure == "▶ 0:00 · closest 0.30" and "less sure" not in sure
    assert unsure == "▶ 0:05 · closest 1.05 · less sure: it may show someone else"


def test_a_large_result_comes_in_pages(lib, tmp_path):
    """A search of a large library can match thousands of photos: they come 48 to a page, best first, the
    "less sure" divider counting all of them, and a new strictness goes back to the first page."""
    from dashapp.find import FindResult, PhotoMatch, save_result
    from model.matching import MatchThresholds

    distances = [0.3 + 0.009 * i for i in range(100)]  # 0.30 .. 1.19, best first
    ids = [lib.store.photos.upsert_pending(f"/album/p{i}.jpg", 1, 1, f"sha-p{i}") for i in range(100)]
    for i in ids:
        lib.store.photos.save_analysis(i, [], 100, 100, "v")
    matches = [PhotoMatch(p, 1000 + i, f"/album/p{i}.jpg", (10, 10, 50, 50), d, 100, 100)
               for i, (p, d) in enumerate(zip(ids, distances))]
    thresholds = MatchThresholds(stricter=0.6, default=1.1, looser=1.2)
    result = FindResult("/q.jpg", (100, 100), [], 0, "v", thresholds, 1.3, matches, n_compared=5000, n_other_model=0)
    save_result(result, tmp_path / RESULT_FILE)
    state = {"id": lib.store.jobs.create("find", {"query": "/q.jpg", "out": str(tmp_path)}, status="done")}

    n_at_default = sum(d <= 1.1 for d in distances)
    photos, pages, page, style, _ = call(find_cb.filter_find, 1.1, False, 1, state, trigger="find-threshold", prop="value")
    assert f"{n_at_default} photos" in text_of(photos) and (pages, page, style) == (2, 1, {})
    first = [h for h in hrefs(photos) if h.startswith("/photos?photo=")]
    assert first == [f"/photos?photo={i}" for i in ids[:48]]
    photos, pages, page, _, _ = call(find_cb.filter_find, 1.1, False, 2, state, trigger="find-pager", prop="active_page")
    second = [h for h in hrefs(photos) if h.startswith("/photos?photo=")]
    assert second == [f"/photos?photo={i}" for i in ids[48:n_at_default]] and page == 2
    n_unsure = sum(0.6 < d <= 1.1 for d in distances)
    assert f"Less sure: {n_unsure} photos" in text_of(photos)
    photos, pages, page, _, _ = call(find_cb.filter_find, 1.2, False, 2, state, trigger="find-threshold", prop="value")
    assert (pages, page) == (3, 1) and f"/photos?photo={ids[0]}" in hrefs(photos)  # looser: more pages, from the first
    # Stricter: one page, the pager hidden.
    photos, pages, page, style, _ = call(find_cb.filter_find, 0.6, False, 2, state, trigger="find-threshold", prop="value")
    assert (pages, page, style) == (1, 1, {"display": "none"}) and "Less sure" not in text_of(photos)
    # Photos removed from the library since the search are left out.
    lib.store.photos.delete(ids[:10])
    photos, *_ = call(find_cb.filter_find, 1.1, False, 1, state, trigger="find-threshold", prop="value")
    assert f"{n_at_default - 10} photos" in text_of(photos) and f"/photos?photo={ids[10]}" == [
        h for h in hrefs(photos) if h.startswith("/photos?photo=")][0]
