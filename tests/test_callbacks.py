"""Dashboard callbacks called as plain functions on a real store (a synthetic library in tmp_path).

The trigger of a callback is set the way Dash's testing guide shows (a callback context with
`triggered_inputs`), so each test runs the same code a browser click runs.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import copy_context
from pathlib import Path

import dash
import numpy as np
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from sqlalchemy import select, update

from callbacks import attributes as attr_cb
from callbacks import follow as follow_cb
from callbacks import library as lib_cb
from callbacks import map as map_cb
from callbacks import navbar as nav_cb
from callbacks import people as people_cb
from callbacks import people_sort as sort_cb
from callbacks import photos as photos_cb
from dashapp import components as C
from dashapp.face_grid import FaceGrid
from dashapp.figures import compare_figure, map_figure
from dashapp.jobs import JobReporter, ingest_lock
from dashapp.store import NewFace
from dashapp.store.schema import faces, photos
from dashapp.ui_context import use_library
from model.attributes import ATTRIBUTE_NAMES
from ui_fixtures import GROUP_PHOTOS, build_library


def call(fn, *args, trigger=None, prop="n_clicks", value=1, also=()):
    """Run a callback as Dash would after `trigger`'s `prop` changed to `value` (None: initial call).

    `also`: more ids whose `prop` changed at the same time (as when Dash inserts new components).
    """

    def run():
        inputs = []
        for t in ([trigger] if trigger is not None else []) + list(also):
            key = json.dumps(t, separators=(",", ":"), sort_keys=True) if isinstance(t, dict) else t
            inputs.append({"prop_id": f"{key}.{prop}", "value": value})
        context_value.set(AttributeDict(triggered_inputs=inputs))
        return fn(*args)

    return copy_context().run(run)


def option_text(option: dict) -> str:
    """A dropdown option's label as it reads."""
    return "".join(_texts(option["label"]))


def _texts(component) -> list[str]:
    if component is None:
        return []
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    return _texts(getattr(component, "children", None))


def text_of(component) -> str:
    """All text inside a Dash component tree."""
    if component is None:
        return ""
    if isinstance(component, (str, int, float)):
        return str(component)
    if isinstance(component, (list, tuple)):
        return " ".join(t for t in map(text_of, component) if t)
    if isinstance(component, FaceGrid):  # its captions, or the words it shows when it has no face
        return " ".join(f.get("caption", "") for f in component.faces) if component.faces else component.empty_text
    children = getattr(component, "children", None)
    extra = " ".join(str(getattr(component, a)) for a in ("value", "placeholder", "data-caption")
                     if getattr(component, a, None))
    return f"{text_of(children)} {extra}".strip()


def face_ids_in(component) -> list[int]:
    """The faces shown by the face tiles inside a component tree, in order."""
    if isinstance(component, (list, tuple)):
        return [f for c in component for f in face_ids_in(c)]
    if isinstance(component, FaceGrid):
        return [int(f["fid"]) for f in component.faces]
    if isinstance(component, dict):  # a tile of a FaceGrid
        return [int(component["fid"])]
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        return face_ids_in(children)
    return []


def cards_of(slots: list) -> list:
    """The person cards `render_people` draws in the places of its page (not the empty places, nor the places it
    leaves as they are)."""
    return [s for s in slots if isinstance(getattr(s, "id", None), dict) and s.id["type"] == "person-card"]


def find_ids(component, type_: str) -> list[dict]:
    """Pattern-matching ids of a given type inside a component tree."""
    found = []
    if isinstance(component, (list, tuple)):
        for c in component:
            found += find_ids(c, type_)
        return found
    cid = getattr(component, "id", None)
    if isinstance(cid, dict) and cid.get("type") == type_:
        found.append(cid)
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        found += find_ids(children, type_)
    return found


@contextmanager
def running_ingest(library, paths: tuple[str, ...] = ("/x",)) -> Iterator[int]:
    """An ingest job running in this process, which holds the library's ingest lock as a job process does."""
    job = library.store.jobs.create("ingest", {"paths": list(paths)})
    with ingest_lock(library.config):
        library.store.jobs.start(job, os.getpid())
        yield job


def _wait_for_jobs(library) -> None:
    """Let the library's ingest job processes end (before the test's library goes)."""
    for _ in range(600):
        if not library.store.jobs.active("ingest"):
            return
        time.sleep(0.1)
    raise AssertionError("the ingest job did not end")


@pytest.fixture()
def lib(tmp_path):
    library = use_library(tmp_path / "library")
    synthetic = build_library(library.store, n_faces=36, faces_per_photo=3, n_people=5,
                              photo_files=sorted(GROUP_PHOTOS.glob("*.jpg")))
    library.synthetic = synthetic
    yield library
    library.store.close()


@pytest.fixture()
def empty_lib(tmp_path):
    library = use_library(tmp_path / "empty")
    yield library
    library.store.close()


# --- library page ---


def test_library_poll_empty_then_counts(empty_lib, lib):
    # `lib` was opened last, so the UI shows it; the empty library is checked by reopening it.
    out = call(lib_cb.poll_library, 1, None)
    assert text_of(out[3]) == f"{len(lib.synthetic.photo_ids)}" and out[4] == "36"
    assert out[1] is True  # nothing to cancel
    use_library(empty_lib.data_dir)
    progress, cancel_disabled, errors, n_photos, *_ = call(lib_cb.poll_library, 1, None)
    assert "No ingest has run yet" in text_of(progress) and text_of(n_photos) == "0"
    assert "every photo was read" in text_of(errors)


def test_library_poll_sends_nothing_while_a_library_without_jobs_stays_as_it_is(empty_lib):
    """A library no ingest ran in has no job to compare with the last tick's: its page was drawn again in full every
    second (its folders' buttons replaced under the user's pointer and keyboard)."""
    state = call(lib_cb.poll_library, 1, None)[7]
    assert call(lib_cb.poll_library, 2, state) == (dash.no_update,) * 12


def test_library_offers_to_update_photos_of_another_face_model(empty_lib, lib):
    # The synthetic library's faces carry the version "synthetic", not the bundled model's.
    *_, alert_open, alert_text, _folders, _check_disabled = call(lib_cb.poll_library, 1, None)
    assert alert_open is True and f"{len(lib.synthetic.photo_ids):,} photos were analysed with" in alert_text
    with running_ingest(lib) as job:
        msg, color, *_ = call(lib_cb.update_outdated, 1, trigger="lib-update-model")
        assert color == "danger" and "already running" in msg
        assert call(lib_cb.update_outdated, 0, trigger="lib-update-model", value=0)[2] is dash.no_update
        lib.store.jobs.finish(job, "done")
    use_library(empty_lib.data_dir)
    *_, alert_open, _, _, _ = call(lib_cb.poll_library, 1, None)
    assert alert_open is False


def test_library_poll_shows_a_running_job(empty_lib):
    import app

    store = empty_lib.store
    with running_ingest(empty_lib, ("/photos",)) as job:
        store.jobs.progress(job, done=3, total=10, n_faces=7, n_errors=0, phase="analyze")
        progress, cancel_disabled, *_ = call(lib_cb.poll_library, 1, None)
        text = text_of(progress)
        assert "3 / 10 photos" in text and "running · finding faces" in text
        assert cancel_disabled is False

        # `app.py ingest` meanwhile, refused (the running job holds the library's lock): the page still follows the
        # running job, and Cancel still reaches it.
        assert app.main(["ingest", "--data-dir", str(empty_lib.data_dir), str(GROUP_PHOTOS)]) == 3
        assert store.jobs.latest("ingest")[0].status == "failed"
        progress, cancel_disabled, *_ = call(lib_cb.poll_library, 1, None)
        assert "3 / 10 photos" in text_of(progress) and cancel_disabled is False
        call(lib_cb.confirm_cancel, 1, None, trigger="lib-cancel-yes")
        assert store.jobs.cancel_requested(job)


def test_library_poll_shows_each_phase_and_the_eta_at_its_own_pace(empty_lib):
    store = empty_lib.store
    with running_ingest(empty_lib) as job:
        store.jobs.progress(job, phase="scan", done=0, total=None)
        time.sleep(1.5)  # finding and checking files, loading the model: not the pace at which faces are found
        store.jobs.progress(job, phase="analyze", done=0, total=100)
        progress, *_, state, _, _, _, _ = call(lib_cb.poll_library, 1, None)
        assert "0 / 100 photos" in text_of(progress) and "ETA" not in text_of(progress)  # no pace yet
        assert "took" not in text_of(progress)
        store.jobs.progress(job, done=10)  # the first photos: the model is loaded, the pace is measured from here
        assert "ETA" not in text_of(call(lib_cb.poll_library, 2, state)[0])
        time.sleep(0.3)
        store.jobs.progress(job, done=20)
        progress, *_, state, _, _, _, _ = call(lib_cb.poll_library, 3, state)
        eta = empty_lib.queries.latest_job()["eta"]
        assert 0.3 / 10 * 80 <= eta < 1.5 / 20 * 80 and "ETA" in text_of(progress)  # 80 photos at 10 per 0.3 s

        store.jobs.progress(job, phase="cluster")  # no count moves: the page still says so
        progress, *_, state, _, _, _, _ = call(lib_cb.poll_library, 4, state)
        text = text_of(progress)
        assert "running · grouping people" in text and "photos" not in text and "ETA" not in text
        # The bar said the photos' "20%" (or "100%", for ~30 s on a large library) as if stuck: it says the step.
        assert _bar(progress) == ("Grouping people…", "Grouping people…") and "%" not in text
        store.jobs.progress(job, phase="project")
        progress, *_ = call(lib_cb.poll_library, 5, state)
        assert "running · making the map" in text_of(progress) and "ETA" not in text_of(progress)
        assert _bar(progress) == ("Making the map…", "Making the map…")
        store.jobs.finish(job, "done", "20 files: 20 photos analysed (0 faces), …, in 2.1 s; 0 people/groups, "
                                       "0 unsorted faces (grouped and mapped in 25.0 s)")
    progress, *_ = call(lib_cb.poll_library, 6, state)
    # The whole job's time, said as such beside its steps' own: "took 28s" read as a contradiction of "in 2.1 s".
    assert _bar(progress) == ("100%", None) and re.search(r"took \d+s in all", text_of(progress))


def _bar(progress) -> tuple:
    """The words on the job's progress bar, and what it says to screen readers instead of its number (if any)."""
    [bar] = [c for c in _components(progress) if getattr(c, "role", None) == "progressbar"]
    return bar.children, getattr(bar, "aria-valuetext", None)


def test_an_ingest_whose_pid_another_process_took_is_interrupted(empty_lib):
    # After a restart the job's pid is alive again, as another process (here: this one), which holds no ingest lock.
    store = empty_lib.store
    job = store.jobs.create("ingest", {"paths": ["/photos"]})
    store.jobs.start(job, os.getpid())
    store.jobs.progress(job, done=3, total=10, phase="analyze")
    progress, cancel_disabled, *_ = call(lib_cb.poll_library, 1, None)
    assert "interrupted" in text_of(progress) and cancel_disabled is True
    # What to do next: the page said only "interrupted" (or "cancelled"), beside "+7 to analyse".
    assert "“Check for new photos” goes on where it stopped." in text_of(progress)
    assert store.jobs.get(job).status == "interrupted" and not store.jobs.active("ingest")


def test_library_poll_shows_job_progress_and_errors(empty_lib):
    store = empty_lib.store
    job = store.jobs.create("ingest", {"paths": ["/photos"]})
    store.jobs.start(job, 999_999_999)  # a pid that is not alive: the poll marks the job interrupted
    store.jobs.progress(job, done=3, total=10, n_faces=7, n_errors=1, phase="analyze")
    store.photos.save_error("/photos/bad.jpg", 10, 1, "decode", "truncated", "image file is truncated")
    for name in ("clip.mp4", "party.MP4", "bad.jpg.json"):  # an album's videos and sidecars are not unreadable photos
        store.photos.save_error(f"/photos/{name}", 10, 1, "stat", "unsupported", "not a photo file type")
    progress, cancel_disabled, errors, n_photos, _, _, n_errors, *_ = call(lib_cb.poll_library, 1, None)
    assert "7 faces found" in text_of(progress) and "1 unreadable" in text_of(progress)
    assert "interrupted" in text_of(progress) and cancel_disabled is True
    # What to do next: the page said only "interrupted" (or "cancelled"), beside "+7 to analyse".
    assert "“Check for new photos” goes on where it stopped." in text_of(progress)
    assert "/photos/bad.jpg" in text_of(errors) and "truncated" in text_of(errors) and "clip" not in text_of(errors)
    assert "Files that are not photos, left alone: .mp4 2, .json 1." in text_of(errors)
    assert text_of(n_photos) == "0" and n_errors == "1"  # an unreadable file is no photo of the library


def test_an_upload_is_named_uploaded_photos_in_the_job_and_its_unreadable_files_by_their_names(empty_lib):
    """The job line and the unreadable files showed the upload's own folder (…/uploads/20261207-…), which the user
    never chose; the page calls it "Uploaded photos" elsewhere (Folders)."""
    store = empty_lib.store
    upload = empty_lib.config.uploads_dir.resolve() / "20261207-101500-ab12cd"
    job = store.jobs.create("ingest", {"paths": [str(upload)]})
    store.jobs.start(job, 999_999_999)
    store.jobs.finish(job, "done", "2 files")
    store.photos.save_error(str(upload / "bad.jpg"), 10, 1, "decode", "truncated", "image file is truncated")
    store.photos.save_error(str(upload / "party" / "dark.png"), 10, 1, "decode", "truncated", "truncated")
    store.photos.save_error("/photos/other.jpg", 10, 1, "decode", "truncated", "truncated")
    progress, _, errors, *_ = call(lib_cb.poll_library, 1, None)
    assert "20261207" not in text_of(progress) + text_of(errors)
    assert [c.children for c in _components(progress) if getattr(c, "id", None) == "job-paths"] == ["Uploaded photos"]
    files = {c.children for c in _components(errors) if isinstance(c, dash.html.Td)}
    assert {"Uploaded photos › bad.jpg", "Uploaded photos › party/dark.png", "/photos/other.jpg"} <= files


def test_library_counts_analysed_photos_as_its_folders_do_and_those_to_analyse_apart(empty_lib, tmp_path):
    store = empty_lib.store
    album = tmp_path / "album"
    album.mkdir()
    store.folders.add([str(album)])
    for k in range(2):
        pid = store.photos.upsert_pending(f"{album}/{k}.jpg", 100, 1, f"sha-{k}")
        store.photos.save_analysis(pid, [], 640, 480, "v1")
    store.photos.save_error(f"{album}/bad.jpg", 10, 1, "decode", "truncated", "image file is truncated")
    store.photos.save_error(f"{album}/clip.mp4", 10, 1, "stat", "unsupported", "not a photo file type")
    for k in range(3):  # checked by the running ingest, not analysed yet
        store.photos.upsert_pending(f"{album}/new{k}.jpg", 100, 1, f"sha-new{k}")
    _, _, _, n_photos, _, _, n_errors, _, _, _, folders, _ = call(lib_cb.poll_library, 1, None)
    assert text_of(n_photos) == "2 +3 to analyse" and n_errors == "1"
    assert f"{album} 2 0 1" in text_of(folders)  # the Folders table: 2 photos, 0 faces, 1 unreadable


def test_navbar_badge_goes_when_the_job_process_is_killed(empty_lib):
    # A job process of its own that holds the ingest lock, as `app.py ingest` does, then is killed (kill -9).
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom dashapp.config import load_config\nfrom dashapp.jobs import ingest_lock\n"
         "with ingest_lock(load_config(sys.argv[1])):\n    print('locked', flush=True)\n    time.sleep(60)",
         str(empty_lib.data_dir)],
        cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    store = empty_lib.store
    job = store.jobs.create("ingest", {"paths": ["/photos"]})
    store.jobs.start(job, holder.pid)
    store.jobs.progress(job, done=4, total=10, phase="analyze")
    assert text_of(call(nav_cb.nav_job_badge, 1)) == "Finding faces 40%"
    holder.kill()
    holder.wait()
    assert call(nav_cb.nav_job_badge, 2) is None  # on any page, without the Library page's poll
    assert store.jobs.get(job).status == "interrupted"


def test_navbar_badge_says_what_the_ingest_is_doing(empty_lib):
    """Each phase as the Library page names it, with its own progress where it counts photos: after the photos,
    grouping people and making the map keep the photos' 10 / 10 in the row, which must not read as 'Ingesting 100%'."""
    with running_ingest(empty_lib) as job:
        reporter = JobReporter(empty_lib.store, job)
        assert text_of(call(nav_cb.nav_job_badge, 1)) == "Ingesting…"  # started, no phase reported yet
        reporter.update(force=True, phase="scan", done=0, total=None)
        assert text_of(call(nav_cb.nav_job_badge, 2)) == "Finding photos…"
        reporter.update(force=True, phase="analyze", done=4, total=10, n_errors=0, n_faces=5)
        assert text_of(call(nav_cb.nav_job_badge, 3)) == "Finding faces 40%"
        reporter.update(force=True, phase="analyze", done=10, total=10, n_errors=0, n_faces=12)
        reporter.update(force=True, phase="cluster", message="clustering")  # as the ingest command reports it
        assert text_of(call(nav_cb.nav_job_badge, 4)) == "Grouping people…"
        reporter.update(force=True, phase="project", message="making the map")
        assert text_of(call(nav_cb.nav_job_badge, 5)) == "Making the map…"
        assert "making the map" in text_of(C.job_progress(empty_lib.queries.latest_job()))  # the Library page's words


def test_navbar_badge_follows_a_clustering_started_from_the_map(empty_lib):
    """'Compute the map' runs a clustering job of its own: the badge says so on every page and leads to the map."""
    store = empty_lib.store
    job = store.jobs.create("cluster", {})
    store.jobs.start(job, os.getpid())
    badge = call(nav_cb.nav_job_badge, 1)
    assert text_of(badge) == "Grouping people…" and badge.href == "/map"
    JobReporter(store, job).update(force=True, phase="project", message="making the map")
    assert text_of(call(nav_cb.nav_job_badge, 2)) == "Making the map…"
    store.jobs.finish(job, "done")
    assert call(nav_cb.nav_job_badge, 3) is None


def test_add_folder_refuses_bad_paths(empty_lib, tmp_path):
    msg, color, is_open, _, path_box = call(lib_cb.add_folder, 1, None, "", trigger="lib-add-folder")
    assert color == "danger" and "Type the path" in msg
    msg, color, _, _, path_box = call(lib_cb.add_folder, 1, None, str(tmp_path / "nope"), trigger="lib-add-folder")
    assert color == "danger" and "No such folder" in msg
    assert path_box is dash.no_update  # kept, to correct it
    msg, color, *_ = call(lib_cb.add_folder, 1, None, "relative/photos", trigger="lib-add-folder")
    assert color == "danger" and "full path" in msg


def test_add_folder_refuses_a_file_that_is_not_a_photo(empty_lib, tmp_path):
    """A document typed as the path started an ingest that kept it as a file "not a photo" in no folder of the
    library, listed on the page for good with no folder to remove it by."""
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    msg, color, _, state, path_box = call(lib_cb.add_folder, 1, None, str(notes), trigger="lib-add-folder")
    assert color == "danger" and msg.startswith(f"{notes} is not a photo (") and "nothing was added" in msg
    assert state is dash.no_update and path_box is dash.no_update  # kept, to correct it
    assert not empty_lib.store.jobs.active("ingest") and empty_lib.store.photos.counts() == {}


def test_add_folder_empties_the_path_box_once_the_folder_is_added(empty_lib, tmp_path):
    """The folder's path stayed in the box after "Ingest started for …", as if it still had to be added."""
    album = tmp_path / "album"
    album.mkdir()
    msg, color, _, state, path_box = call(lib_cb.add_folder, 1, None, f" {album} ", trigger="lib-add-folder")
    assert (msg, color, state, path_box) == (f"Ingest started for {album}.", "success", None, "")
    _wait_for_jobs(empty_lib)


def test_a_folder_added_twice_quickly_says_it_is_being_added_not_refused(empty_lib, tmp_path):
    """A double click on "Add folder" (or Enter, then a click): the second request found the first one's ingest
    running and said in red "An ingest is already running", as if the folder had not been added."""
    with running_ingest(empty_lib, (str(tmp_path),)):
        msg, color, is_open, state, path_box = call(lib_cb.add_folder, 2, None, str(tmp_path), trigger="lib-add-folder")
        assert (msg, color) == (f"{tmp_path} is being added now: see “Current ingest”.", "info")
        assert state is dash.no_update and path_box == ""
        other = tmp_path / "other"
        other.mkdir()
        msg, color, *_ = call(lib_cb.add_folder, 3, None, str(other), trigger="lib-add-folder")
        assert color == "danger" and "already running" in msg  # another folder must wait
        empty_lib.store.folders.add([str(tmp_path)])
        msg, color, *_ = call(lib_cb.check_folders, 2, [0], trigger="lib-check-all")  # "Check for new photos" too
        assert (msg, color) == ("Checking them now: see “Current ingest”.", "info")


def test_add_folder_refuses_the_librarys_own_folder(empty_lib):
    """The library's own folder (or one in it) is no album: its scan skips what is inside, so adding it took the
    place of "Uploaded photos" and swept the uploaded photos out of the library, for good (never scanned again)."""
    store = empty_lib.store
    uploaded = empty_lib.config.uploads_dir / "20250101-000000-abc"
    uploaded.mkdir(parents=True)
    store.photos.upsert_pending(str(uploaded / "a.jpg"), 100, 1, "sha-a")
    store.folders.add([str(empty_lib.config.uploads_dir)])
    for path in (empty_lib.data_dir, empty_lib.data_dir / "thumbs", empty_lib.data_dir / "."):
        (empty_lib.data_dir / "thumbs").mkdir(exist_ok=True)
        msg, color, *_ = call(lib_cb.add_folder, 1, None, str(path), trigger="lib-add-folder")
        assert color == "danger" and msg.startswith(f"{empty_lib.data_dir} is this library's own folder"), msg
    assert not store.jobs.active("ingest") and store.folders.paths() == [str(empty_lib.config.uploads_dir)]


def test_add_folder_refused_while_an_ingest_runs(empty_lib, tmp_path):
    """Refused while another ingest runs; the message goes once that ingest has ended (it said "already running"
    under the finished job's summary)."""
    with running_ingest(empty_lib) as job:
        msg, color, *_ = call(lib_cb.add_folder, 1, None, str(tmp_path), trigger="lib-add-folder")
        running = call(lib_cb.poll_library, 1, None)[7]
        assert call(lib_cb.close_ended_result, running, "danger") is dash.no_update
    assert color == "danger" and "already running" in msg
    empty_lib.store.jobs.finish(job, "done", "0 files")
    ended = call(lib_cb.poll_library, 2, running)[7]
    assert ended["status"] == "done" and call(lib_cb.close_ended_result, ended, "danger") is False


def test_cancel_sets_the_flag_of_the_running_job(empty_lib):
    store = empty_lib.store
    assert call(lib_cb.ask_cancel, 1, None, trigger="lib-cancel") is True
    _, message, _, icon, _ = call(lib_cb.confirm_cancel, 1, None, trigger="lib-cancel-yes")
    assert icon == "danger" and "No ingest is running" in message
    with running_ingest(empty_lib) as job:
        is_open, message, *_ = call(lib_cb.confirm_cancel, 1, None, trigger="lib-cancel-yes")
    assert is_open is False and store.jobs.cancel_requested(job)
    assert message == "The ingest stops after the photo it is on. Photos done so far are kept."


def test_cancel_while_grouping_people_says_what_it_does(empty_lib):
    with running_ingest(empty_lib) as job:
        empty_lib.store.jobs.progress(job, phase="cluster", message="clustering")
        _, message, *_ = call(lib_cb.confirm_cancel, 1, None, trigger="lib-cancel-yes")
        assert message == ("The ingest stops once grouping people ends, leaving the groups as they were. The photos "
                           "are kept; people and the map are redone at the next ingest.")
        empty_lib.store.jobs.progress(job, phase="project", message="making the map")
        _, message, *_ = call(lib_cb.confirm_cancel, 2, None, trigger="lib-cancel-yes")
        assert message == ("The ingest stops once making the map ends, leaving the map as it was. The photos and "
                           "the new groups are kept; the map is redone at the next ingest.")


def test_library_lists_its_folders_checks_them_again_and_removes_one(empty_lib, tmp_path):
    store = empty_lib.store
    here, gone = tmp_path / "here", tmp_path / "unplugged"
    here.mkdir()
    for k in range(2):
        pid = store.photos.upsert_pending(f"{here}/{k}.jpg", 100, 1, f"sha-{k}")
        store.photos.save_analysis(pid, [NewFace((1.0, 1.0, 9.0, 9.0), 0.99, np.zeros((5, 2)), np.ones(128) / 128**0.5,
                                                 np.zeros(40), None)], 640, 480, "v1")
    store.folders.add([str(here), str(gone)])
    store.photos.upsert_pending("/old-library/a.jpg", 100, 1, "sha-old")  # from before folders were remembered
    *_, table, check_disabled = call(lib_cb.poll_library, 1, None)
    assert check_disabled is False
    assert str(here) in text_of(table) and f"{gone} not found" in text_of(table) and "not yet" in text_of(table)
    assert "1 photo came from folders added before the library remembered folders" in text_of(table)
    with running_ingest(empty_lib, (str(here),)) as job:
        running = {"id": job, "status": "running", "done": 0, "phase": None}
        assert call(lib_cb.poll_library, 1, None)[7] == running
        store.jobs.progress(job, done=1, total=10, n_faces=1, n_errors=0, phase="analyze")
        *_, table, check_disabled = call(lib_cb.poll_library, 2, running)  # the same job, one photo on
        assert table is dash.no_update and check_disabled is dash.no_update
        store.jobs.finish(job, "done")
    *_, table, check_disabled = call(lib_cb.poll_library, 3, {**running, "done": 1})
    assert str(here) in text_of(table) and check_disabled is False  # the job ended: redrawn
    [here_id, gone_id] = [i["index"] for i in find_ids(table, "lib-remove-folder")]
    assert f"/photos?folder={here_id}" in str(table)  # each folder links to its photos

    with running_ingest(empty_lib, (str(tmp_path / "another"),)) as ingest:
        msg, color, *_ = call(lib_cb.check_folders, 1, [0, 0], trigger="lib-check-all")
        assert color == "danger" and "already running" in msg
        is_open, text, folder_id = call(lib_cb.ask_remove_folder, [1, 0],
                                        trigger={"type": "lib-remove-folder", "index": here_id})
        assert is_open is True and folder_id == here_id and "2 photos (2 faces)" in text_of(text)
        assert ("Adding the folder again brings the photos back with what you decided about their faces: named and "
                "hidden people get their faces back, and faces you moved or set aside as Ignored are as you left them."
                ) in text_of(text)
        is_open, message, *_ = call(lib_cb.confirm_remove_folder, 1, 0, here_id, trigger="lib-remove-yes")
        assert is_open is False and "right now" in message and store.photos.counts() == {"done": 2, "pending": 1}
        store.jobs.finish(ingest, "done")

    assert call(lib_cb.confirm_remove_folder, 0, 1, here_id, trigger="lib-remove-no")[0] is False
    assert store.photos.counts() == {"done": 2, "pending": 1}  # "Keep it" keeps it
    is_open, message, header, icon, toast_open, job_state = call(
        lib_cb.confirm_remove_folder, 1, 1, here_id, trigger="lib-remove-yes")
    assert icon == "success" and message == f"Removed {here}: 2 photos (2 faces)." and job_state is None
    assert store.photos.counts() == {"pending": 1} and store.folders.paths() == [str(gone)]
    message, *_ = call(lib_cb.confirm_remove_folder, 2, 1, here_id, trigger="lib-remove-yes")[1:]
    assert "no longer in the library" in message
    msg, color, *_ = call(lib_cb.check_folders, 1, [0], trigger="lib-check-all")
    assert color == "warning" and msg == f"None of the library's folders can be found. Not found, so left as they are: {gone}."
    later = tmp_path / "later"
    later.mkdir()
    store.folders.add([str(later)])
    [later_id] = [f.id for f in store.folders.list() if f.path == str(later)]
    msg, color, *_ = call(lib_cb.check_folders, 0, [0, 1], trigger={"type": "lib-check-folder", "index": later_id})
    assert (msg, color) == ("Checking 1 folder for new photos.", "success")  # that folder only: the other is gone
    [job] = store.jobs.active("ingest")
    assert job.args["paths"] == [str(later)]
    for _ in range(600):  # let the job process finish before the library goes
        if not store.jobs.active("ingest"):
            break
        time.sleep(0.1)
    assert store.jobs.get(job.id).status == "done"
    assert call(lib_cb.ask_remove_folder, [0], trigger={"type": "lib-remove-folder", "index": gone_id}, value=0)[0] \
        is dash.no_update  # a table being redrawn is no click
    store.folders.add([str(empty_lib.config.uploads_dir)])
    [uploads_id] = [f.id for f in store.folders.list() if f.path == str(empty_lib.config.uploads_dir)]
    _, text, _ = call(lib_cb.ask_remove_folder, [0, 1], trigger={"type": "lib-remove-folder", "index": uploads_id})
    assert text_of(text).startswith("The 0 photos (0 faces) uploaded to the library") and "copies of them are deleted" \
        in text_of(text) and "Uploading them again brings the photos back with what you decided" in text_of(text)


def test_removing_uploaded_photos_says_them_as_the_folders_table_does(empty_lib):
    """The dialog said "2 photos", the message after it "Removed /…/library/uploads: 4 photos" (its unreadable files
    counted as photos, and the library's own folder named, which the user never chose)."""
    store = empty_lib.store
    upload = empty_lib.config.uploads_dir.resolve() / "20261207-101500-ab12cd"
    upload.mkdir(parents=True)
    for k in range(2):
        pid = store.photos.upsert_pending(f"{upload}/{k}.jpg", 100, 1, f"sha-{k}")
        store.photos.save_analysis(pid, [], 640, 480, "v1")
    store.photos.save_error(f"{upload}/bad.jpg", 10, 1, "decode", "truncated", "image file is truncated")
    store.folders.add([str(empty_lib.config.uploads_dir.resolve())])
    [uploads_id] = [f.id for f in store.folders.list()]
    _, text, _ = call(lib_cb.ask_remove_folder, [1], trigger={"type": "lib-remove-folder", "index": uploads_id})
    assert text_of(text).startswith("The 2 photos (0 faces) and 1 unreadable file uploaded to the library")
    _, message, _, icon, _, _ = call(lib_cb.confirm_remove_folder, 1, 0, uploads_id, trigger="lib-remove-yes")
    assert (message, icon) == ("Removed Uploaded photos: 2 photos (0 faces) and 1 unreadable file.", "success")
    assert store.photos.counts() == {} and not store.folders.list()


def test_upload_of_a_text_file_is_refused(empty_lib):
    import base64

    contents = "data:text/plain;base64," + base64.b64encode(b"hello").decode()
    msg, color, *_ = call(lib_cb.upload_photos, 1, [contents], ["notes.txt"], trigger="lib-upload-go", prop="data")
    assert color == "danger" and "not a photo or zip" in msg


def test_the_files_an_upload_skipped_stay_said_once_its_ingest_ends(empty_lib):
    """A drop with a text file in it: the note naming the skipped file went as soon as the ingest ended (seconds
    for a few photos), and nothing else says it was not added (the unreadable files are the ingest's only)."""
    import base64

    photo = "data:image/jpeg;base64," + base64.b64encode((GROUP_PHOTOS / "kit_1.jpg").read_bytes()).decode()
    text = "data:text/plain;base64," + base64.b64encode(b"hello").decode()
    msg, color, is_open, _ = call(lib_cb.upload_photos, 1, [photo, text], ["kit.jpg", "notes.txt"],
                                  trigger="lib-upload-go", prop="data")
    assert color == "warning" and "Skipped: notes.txt: not a photo or zip" in msg
    [job] = empty_lib.store.jobs.active("ingest")
    for _ in range(600):  # the job process ends
        if not empty_lib.store.jobs.active("ingest"):
            break
        time.sleep(0.1)
    ended = call(lib_cb.poll_library, 2, None)[7]
    assert ended["id"] == job.id and ended["status"] == "done"
    assert call(lib_cb.close_ended_result, ended, color) is dash.no_update
    assert call(lib_cb.close_ended_result, ended, "success") is False  # "Uploaded 1 photo; ingest started." goes


def test_one_photo_one_face_one_unreadable_file_are_counted_in_the_singular(empty_lib):
    """A new library's first upload is often one photo: "1 faces found" and "Uploaded 1 photo(s)" read badly."""
    import base64

    store = empty_lib.store
    job = store.jobs.create("ingest", {"paths": ["/photos"]})
    store.jobs.start(job, os.getpid())
    store.jobs.progress(job, done=1, total=2, n_faces=1, n_errors=1, phase="analyze")
    progress, *_ = call(lib_cb.poll_library, 1, None)
    assert "1 face found" in text_of(progress) and "1 unreadable file" in text_of(progress)
    assert "faces found" not in text_of(progress) and "files" not in text_of(progress)
    store.jobs.finish(job, "done", "")
    assert "goes on where it stopped" not in text_of(call(lib_cb.poll_library, 2, None)[0])
    photo = "data:image/jpeg;base64," + base64.b64encode((GROUP_PHOTOS / "kit_1.jpg").read_bytes()).decode()
    with running_ingest(empty_lib):  # the upload is saved, its ingest waits: no job process in a test
        msg, color, *_ = call(lib_cb.upload_photos, 1, [photo], ["kit_1.jpg"], trigger="lib-upload-go", prop="data")
    assert color == "warning" and msg.startswith("1 photo uploaded ") and "analyse it." in msg


def test_photos_uploaded_while_an_ingest_runs_are_kept_and_analysed_by_a_check(empty_lib):
    """The note named the library's internal folder ("Saved 1 photo to /…/uploads/20261207-…, but the ingest did
    not start … Add that folder again later"): a path the user never chose, to type in by hand. It says what happened
    and which button analyses them, and that button does."""
    import base64

    photo = "data:image/jpeg;base64," + base64.b64encode((GROUP_PHOTOS / "kit_1.jpg").read_bytes()).decode()
    with running_ingest(empty_lib) as job:
        msg, color, *_ = call(lib_cb.upload_photos, 1, [photo], ["kit_1.jpg"], trigger="lib-upload-go", prop="data")
        empty_lib.store.jobs.finish(job, "done", "")
    assert color == "warning" and str(empty_lib.config.data_dir) not in msg, msg
    assert msg == ("1 photo uploaded and kept in “Uploaded photos”, but not analysed yet: photos are already being "
                   "added (see “Current ingest”). When that has finished, press “Check for new photos” to analyse it.")
    msg, color, *_ = call(lib_cb.check_folders, 1, [], trigger="lib-check-all")
    assert (msg, color) == ("Checking 1 folder for new photos.", "success")
    _wait_for_jobs(empty_lib)
    assert empty_lib.store.photos.counts() == {"done": 1}


UPLOADS_JS = Path(__file__).resolve().parents[1] / "assets" / "uploads.js"
SELECTION_JS = UPLOADS_JS.with_name("selection.js")


def _check_drops(drops: list, limit: int, function: str = "checkSize") -> list:
    """assets/uploads.js's `checkSize` (or `function`) on each `(files, filenames)` (files: sizes in bytes, as data
    URLs), with Node."""
    script = f"""
        global.window = {{dash_clientside: {{no_update: "no_update"}}}};
        require({json.dumps(str(UPLOADS_JS))});
        const url = bytes => "data:image/jpeg;base64," + Buffer.alloc(bytes).toString("base64");
        const drops = {json.dumps(drops)};
        const check = window.dash_clientside.uploads[{json.dumps(function)}];
        console.log(JSON.stringify(drops.map(([sizes, names]) =>
            check(sizes === null ? null : Array.isArray(sizes) ? sizes.map(url) : url(sizes), names, {limit}))));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the People page's script with Node.js")
def test_groups_are_ticked_in_the_browser_and_a_card_drawn_anew_shows_its_tick():
    """A click on a group's box ticks it (the "people-ticked-groups" store says which); a card drawn anew (only the
    cards that changed are) shows its tick again; "Clear selection" unticks all (assets/selection.js)."""
    script = f"""
        const listeners = {{}}, stores = {{}};
        const box = pid => ({{dataset: {{pid: String(pid)}}, attrs: {{}},
                             setAttribute(k, v) {{ this.attrs[k] = v; }},
                             closest(q) {{ return q.startsWith(".person-tick") ? this : null; }}}});
        let boxes = [box(3), box(8)];
        global.document = {{
            addEventListener: (type, listener) => {{ listeners[type] = listener; }},
            querySelectorAll: q => q.startsWith(".person-tick") ? boxes : [],
            documentElement: {{}},
        }};
        global.MutationObserver = class {{ observe() {{}} }};
        global.window = {{dash_clientside: {{set_props: (id, props) => {{ stores[id] = props.data; }}}},
                         requestAnimationFrame: () => 0}};
        require({json.dumps(str(SELECTION_JS))});
        listeners.click({{target: boxes[1]}});
        const ticked = stores["people-ticked-groups"], shown = boxes.map(b => b.attrs["aria-pressed"]);
        boxes = [box(3), box(8)];  // both cards drawn anew
        window.dash_clientside.people.showTicks(ticked);
        const redrawn = boxes.map(b => b.attrs["aria-pressed"]);
        listeners.click({{target: {{closest: q => q === "#people-clear-btn" ? {{}} : null}}}});
        console.log(JSON.stringify({{ticked, shown, redrawn, cleared: stores["people-ticked-groups"],
                                    after: boxes.map(b => b.attrs["aria-pressed"])}}));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"ticked": [8], "shown": ["false", "true"], "redrawn": ["false", "true"],
                                       "cleared": [], "after": ["false", "false"]}


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the Photos page's script with Node.js")
def test_on_a_phone_a_photo_clicked_in_the_list_is_scrolled_into_sight():
    """Below Bootstrap's "lg" the photo is drawn under the whole list: a click on the list scrolls to it (the tap
    seemed to do nothing); side by side, or a click elsewhere, scrolls nothing (assets/photos.js)."""
    script = f"""
        const listeners = {{}}, scrolled = [], queries = [];
        let narrow = true;
        global.document = {{
            addEventListener: (type, listener) => {{ listeners[type] = listener; }},
            getElementById: id => id === "photos-detail" ? {{scrollIntoView: o => scrolled.push([narrow, o])}} : null,
        }};
        global.window = {{matchMedia: q => {{ queries.push(q); return {{matches: narrow}}; }}}};
        require({json.dumps(str(UPLOADS_JS.with_name("photos.js")))});
        const on = selector => ({{closest: q => q === selector ? {{}} : null}});
        listeners.click({{target: on("#photos-grid .photo-tile")}});
        listeners.click({{target: on("#photos-people-in button")}});
        narrow = false;
        listeners.click({{target: on("#photos-grid .photo-tile")}});
        console.log(JSON.stringify({{scrolled, queries: [...new Set(queries)]}}));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"scrolled": [[True, {"block": "start"}]], "queries": ["(max-width: 991.98px)"]}


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the pages' script with Node.js")
def test_the_message_box_stays_7_seconds_after_its_newest_message():
    """A second message 5 s after a first stays its own 7 s (dbc.Toast's `duration` counted from the first: it went
    2 s after showing); closed by the user, no timer is left to close it again (assets/toast.js)."""
    script = f"""
        let now = 0, timers = [], closed = [];
        global.setTimeout = (f, ms) => {{ timers.push({{at: now + ms, f}}); return timers.length; }};
        global.clearTimeout = id => {{ if (id) timers[id - 1] = null; }};
        const wait = ms => {{
            now += ms;
            timers.forEach((t, i) => {{ if (t && t.at <= now) {{ timers[i] = null; t.f(); }} }});
        }};
        global.window = {{dash_clientside: {{set_props: (id, props) => closed.push([now, id, props.is_open])}}}};
        require({json.dumps(str(UPLOADS_JS.with_name("toast.js")))});
        const box = window.dash_clientside.toast;
        box.closeLater("Named Person 3", true);
        wait(5000);
        box.closeLater("Moved 2 faces to Ada", true);
        wait(5000);
        const after5 = closed.length;
        wait(2000);
        const after7 = closed.slice();
        box.closeLater("Hidden", true);
        box.closeLater("Hidden", false);  // closed with its X
        wait(10000);
        console.log(JSON.stringify({{after5, after7, at_end: closed.length}}));
    """
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"after5": 0, "after7": [[12000, "app-toast", False]], "at_end": 1}


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the Library page's script with Node.js")
def test_a_drop_too_large_to_send_is_refused_in_the_browser_saying_what_to_do(tmp_path):
    """Dash sends all the files of a drop in one request, which the server refuses past its limit (413) while the page
    says nothing. So the page measures a drop first (assets/uploads.js) and sends only one that fits."""
    from dashapp.server import create_app
    from dashapp.uploads import MAX_UPLOAD_BYTES

    # The wiring: the upload goes to the browser's check; only the check's go-ahead runs the server's callback.
    app = create_app(tmp_path / "lib")
    check = next(c for c in app._callback_list if (c.get("clientside_function") or {}).get("function_name") == "checkSize")
    assert check["inputs"] == [{"id": "lib-upload", "property": "contents"}] and "lib-upload-go.data" in check["output"]
    server = app.callback_map[next(k for k, v in app.callback_map.items() if v.get("callback") is not None
                                   and getattr(v["callback"], "__wrapped__", None) is lib_cb.upload_photos)]
    assert server["inputs"] == [{"id": "lib-upload-go", "property": "data"}]
    [page] = [p for p in dash.page_registry.values() if p["path"] == "/library"]
    [limit] = [c.data for c in page["layout"]._traverse() if getattr(c, "id", None) == "lib-upload-limit"]
    assert limit == MAX_UPLOAD_BYTES

    mb = 1024 * 1024
    fits, files, one_zip, one_photo, nothing = _check_drops([
        [[mb, mb], ["a.jpg", "b.jpg"]],  # exactly the limit: sent
        [[mb, mb // 2, mb // 2 + 1], ["a.jpg", "b.jpg", "c.jpg"]],  # one byte over
        [int(2.5 * mb), "album.zip"],  # a single upload (not multiple) is a plain string
        [[3 * mb], ["huge.tif"]],
        [None, None],
    ], limit=2 * mb)
    assert isinstance(fits[0], int) and fits[1:] == ["no_update"] * 3
    assert files == ["no_update", "These 3 files are 2.0 MB together: at most 2 MB can be uploaded at a time, so "
                     "nothing was uploaded. Drop fewer at a time, or add the folder they are in with “Add folder” "
                     "above.", "danger", True]
    assert one_zip[1] == ("album.zip is 2.5 MB: at most 2 MB can be uploaded at a time, so nothing was uploaded. "
                          "Unzip it and add that folder with “Add folder” above.")
    assert one_photo[1].startswith("huge.tif is 3.0 MB:") and one_photo[1].endswith("Add the folder it is in with "
                                                                                       "“Add folder” above.")
    assert nothing == ["no_update"] * 4


@pytest.mark.skipif(shutil.which("node") is None, reason="runs the pages' script with Node.js")
def test_a_drop_too_large_to_send_on_find_is_refused_in_the_browser(tmp_path):
    """The Find page's photos and videos are measured before they are sent too, and told what to do in its words."""
    from callbacks import find as find_cb
    from dashapp.server import create_app

    app = create_app(tmp_path / "lib")
    checks = {c["inputs"][0]["id"]: c for c in app._callback_list
              if (c.get("clientside_function") or {}).get("function_name") in ("checkFindPhotoSize", "checkFindVideoSize")}
    assert {zone: c["clientside_function"]["function_name"] for zone, c in checks.items()} == {
        "find-upload": "checkFindPhotoSize", "find-video-upload": "checkFindVideoSize"}
    assert all(f"{zone}-go.data" in check["output"] for zone, check in checks.items())
    for fn, zone in ((find_cb.upload_query, "find-upload"), (find_cb.upload_videos, "find-video-upload")):
        server = next(v for v in app.callback_map.values() if getattr(v.get("callback"), "__wrapped__", None) is fn)
        assert server["inputs"] == [{"id": f"{zone}-go", "property": "data"}]

    mb = 1024 * 1024
    fits, videos, one = _check_drops([
        [[mb, mb], ["a.mp4", "b.mp4"]],
        [[mb, mb + 1], ["a.mp4", "b.mp4"]],
        [[3 * mb], ["party.mp4"]],
    ], limit=2 * mb, function="checkFindVideoSize")
    assert isinstance(fits[0], int)
    assert videos[1] == ("These 2 files are 2.0 MB together: at most 2 MB can be uploaded at a time, so nothing was "
                         "uploaded. Drop fewer at a time.")
    assert one[1].startswith("party.mp4 is 3.0 MB:") and one[1].endswith("python app.py find PHOTO --video FILE.")
    # A photo of the person too large is not sent to the command line's videos.
    [photo] = _check_drops([[[3 * mb], ["scan.tif"]]], limit=2 * mb, function="checkFindPhotoSize")
    assert photo[1] == ("scan.tif is 3.0 MB: at most 2 MB can be uploaded at a time, so nothing was uploaded. Drop a "
                        "smaller copy of it.")


def test_callbacks_ignore_components_being_inserted(lib):
    """Dash runs callbacks when pages or cards are (re)inserted, with n_clicks 0: nothing may happen."""
    a, b = lib.synthetic.person_ids[:2]
    plan = {"action": "merge", "target": a, "sources": [b], "text": ""}
    out = call(people_cb.confirm_pending, 0, 0, plan, 3, trigger="people-confirm-yes", value=0)
    assert all(v is dash.no_update for v in out) and lib.store.people.get(b) is not None
    assert call(lib_cb.add_folder, 0, None, "", trigger="lib-add-folder", value=0)[2] is dash.no_update
    assert call(lib_cb.ask_cancel, 0, 0, trigger="lib-cancel", value=0) is dash.no_update
    out = call(people_cb.name_person, ["x", "y"], 0, trigger={"type": "person-name", "pid": a}, prop="value",
               value="Someone", also=[{"type": "person-name", "pid": b}])
    assert out[4] is dash.no_update and lib.store.people.get(a).name is None
    out = call(people_cb.hide_person, [0, 0], 0, trigger={"type": "person-hide", "pid": a}, value=0,
               also=[{"type": "person-hide", "pid": b}])
    assert not lib.store.people.get(a).hidden


# --- people page ---


def test_the_move_menu_is_sent_again_only_when_people_change(lib):
    """The "move to" menu lists everyone whatever the page shows: another page, a search or a switch sent all of them
    again (~200 KB in a library of 700 people); a change to people does, with the change in it."""
    render = people_cb.render_people
    first = lib.synthetic.person_ids[0]
    *_, options, _ = call(render, 0, None, 1, "", False, False, False)
    assert first in [o["value"] for o in options]
    for trigger, value in (("people-pager", 2), ("people-search", "Ada"), ("people-show-hidden", True),
                           ("people-least-alike", True)):
        *_, options, _ = call(render, 0, None, 1, "", False, False, False, trigger=trigger, prop="value", value=value)
        assert options is dash.no_update, trigger
    lib.store.people.rename(first, "Ada")
    *_, options, _ = call(render, 1, None, 1, "", False, False, False, trigger="people-version", prop="data", value=1)
    assert [option_text(o) for o in options if o["value"] == first][0].startswith("Ada")


def test_render_people_cards_and_empty_state(lib, empty_lib):
    use_library(lib.data_dir)
    cards, _, pages, _style, _page, count, options, _stamp = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    assert len(cards_of(cards)) == 5 and pages == 1 and "5 people" in count
    assert (option_text(options[0]), options[0]["value"]) == ("Unsorted (no one)", "unsorted")
    faces = face_ids_in(cards)
    assert faces and all(f in lib.synthetic.face_ids for f in faces)
    group = lib.synthetic.person_ids[2]
    for search in (f"Person {group}", f"#{group}", f" {group} "):  # as an unnamed group is called on the page
        cards, *_ = call(people_cb.render_people, 0, None, 1, search, False, False, False)
        assert [c.id["pid"] for c in cards_of(cards)] == [group]
    use_library(empty_lib.data_dir)
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    assert "No photos yet" in text_of(cards)



def test_the_people_search_finds_a_name_typed_without_its_accents(lib):
    """"zoe" finds Zoé's card, "soren" Søren's: nobody should need to type an accent to find someone."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Zoé Ångström")
    lib.store.people.rename(b, "Søren")
    for search, pid in (("zoe", a), ("ZOE angstrom", a), ("soren", b), ("Zoé", a)):
        cards, *_ = call(people_cb.render_people, 0, None, 1, search, False, False, False,
                         trigger="people-search", prop="value", value=search)
        assert [c.id["pid"] for c in cards_of(cards)] == [pid], search


def _dropdown_finds(options: list[dict], typed: str) -> list:
    """The options a dcc.Dropdown lists while `typed` is typed into it, as its search (js-search) finds them:
    every word typed, lower-cased, is part of a word of the option's value, `search` text, or label when no
    label is a component."""
    fields = ("value", "search") if any(not isinstance(o["label"], str) for o in options) else \
        ("value", "label", "search")

    def words(option: dict) -> list[str]:
        return " ".join(str(option.get(k, "")) for k in fields).lower().split()
    return [o["value"] for o in options if all(any(t in w for w in words(o)) for t in typed.lower().split())]


def test_a_person_picker_finds_people_by_name_and_id_not_by_face_count():
    """"Person 20" typed in a person picker listed Person 12 first when they have 20 faces (the count in its
    label was searched too), and Enter moved the faces to them."""
    people = [{"id": 12, "name": None, "n_faces": 20}, {"id": 20, "name": None, "n_faces": 3},
              {"id": 7, "name": "Ada", "n_faces": 20, "hidden": True}]
    options = C.dropdown_options(people, for_moving=True)
    assert _dropdown_finds(options, "Person 20") == [20] and _dropdown_finds(options, "20") == [20]
    assert _dropdown_finds(options, "ada") == [7] and _dropdown_finds(options, "unsorted") == ["unsorted"]
    assert [option_text(o) for o in options[2:]] == ["Person 12 (20)", "Person 20 (3)", "Ada (20) · hidden"]


def test_person_dropdowns_find_a_name_typed_without_its_accents(lib):
    """Typing "zoe" in any person picker (Photos' filter and a face's person, People's and Map's "move to",
    Attributes) finds Zoé: a dropdown searches its labels by case only, so each option carries a plain search text."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Zoé")
    lib.store.people.rename(b, "Søren Straße")
    photo_filter, *_ = call(photos_cb.people_options, 0, 0, None, None)
    *_, move_on_people, _ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    pickers = {"Photos": photo_filter, "People": move_on_people, "Map": call(map_cb.map_options, 0)[0],
               "Attributes": call(attr_cb.attribute_options, 0)[0]}
    for page, options in pickers.items():
        for typed, pid in (("zoe", a), ("ZOE", a), ("Zoé", a), ("soren", b), ("strasse", b)):
            assert _dropdown_finds(options, typed) == [pid], (page, typed)


def test_people_not_named_yet_and_a_page_that_empties(lib, monkeypatch):
    monkeypatch.setattr(people_cb, "PEOPLE_PAGE_SIZE", 2)
    render = people_cb.render_people
    pids = lambda cards: [c.id["pid"] for c in cards_of(cards)]  # noqa: E731
    first = lib.synthetic.person_ids[0]
    lib.store.people.rename(first, "Ada")
    _, _, pages, _, page, count, *_ = call(render, 0, None, 1, "", False, False, False)
    assert (pages, page, count) == (3, 1, "5 people and groups · 1 named · page 1")
    # Switching to the groups not named yet, from page 3: their first page.
    cards, _, pages, _, page, count, *_ = call(render, 0, None, 3, "", False, True, False,
                                              trigger="people-unnamed-only", prop="value", value=True)
    assert (pages, page, count) == (2, 1, "4 groups not named yet · 1 named · page 1") and first not in pids(cards)
    last_page, *_ = call(render, 1, None, 2, "", False, True, False, trigger="people-pager", prop="active_page", value=2)
    for k, pid in enumerate(pids(last_page)):
        lib.store.people.rename(pid, f"Named {k}")  # each leaves the list as it gets its name
    cards, _, pages, _, page, count, *_ = call(render, 2, None, 2, "", False, True, False, trigger="people-version",
                                              prop="data")
    assert (pages, page, count) == (1, 1, "2 groups not named yet · 3 named") and len(pids(cards)) == 2  # page 1
    for pid in pids(cards):
        lib.store.people.rename(pid, f"Named {pid}")
    cards, *_ = call(render, 3, None, 1, "", False, True, False, trigger="people-version", prop="data")
    assert "Everyone has a name" in text_of(cards)


NOT_NAMED_OFF, HIDDEN_ON = "Switch off “Not named yet” to see them.", "Switch on “Show hidden” to see them."


@pytest.mark.parametrize("search, show_hidden, unnamed_only, expected", [
    ("ada", False, True, ("The person found is named", NOT_NAMED_OFF)),
    ("Ada", True, True, ("The person found is named", NOT_NAMED_OFF)),
    ("a", False, True, ("The 2 people found are named", NOT_NAMED_OFF)),  # Ada and Grace; Bob is hidden
    ("Bob", True, True, ("The person found is named", NOT_NAMED_OFF)),
    ("Bob", False, False, ("The person found is hidden", HIDDEN_ON)),
    ("Bob", False, True, ("The person found is named and hidden",
                          "Switch off “Not named yet” and on “Show hidden” to see them.")),
    ("#hidden group", False, True, ("The group found is hidden", HIDDEN_ON)),
    ("#hidden group", False, False, ("The person found is hidden", HIDDEN_ON)),
    ("Zed", False, True, ("No one by that name", "Try another name")),
    ("Zed", True, False, ("No one by that name", "Try another name")),
])
def test_no_card_found_says_which_switch_shows_them(lib, search, show_hidden, unnamed_only, expected):
    """A search that finds only people the switches leave out says who they are and which switch shows them."""
    ada, grace, bob, group = lib.synthetic.person_ids[:4]
    lib.store.people.rename(ada, "Ada")
    lib.store.people.rename(grace, "Grace")
    lib.store.people.rename(bob, "Bob")
    for hidden in (bob, group):
        lib.store.people.set_hidden(hidden, True)
    search = search.replace("hidden group", str(group))
    cards, *_, count, _, _ = call(people_cb.render_people, 0, None, 1, search, show_hidden, unnamed_only, False,
                               trigger="people-search", prop="value", value=search)
    assert not find_ids(cards, "person-card") and count == ""
    title, text = expected
    assert text_of(cards).startswith(f"{title} {text}")


def test_no_group_left_to_name_mentions_the_hidden_ones(lib):
    *named, hidden = lib.synthetic.person_ids
    for pid in named:
        lib.store.people.rename(pid, f"Named {pid}")
    lib.store.people.set_hidden(hidden, True)
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, True, False)
    assert text_of(cards) == ("Everyone has a name Switch off “Not named yet” to see them all. Hidden groups without "
                              "a name show with “Show hidden”.")
    lib.store.people.set_hidden(named[0], True)
    for pid in named[1:]:
        lib.store.people.set_hidden(pid, True)
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, True, False)
    assert text_of(cards) == f"Every group still to name is hidden {HIDDEN_ON}"
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    assert text_of(cards) == f"Everyone is hidden {HIDDEN_ON}"


def test_only_the_cards_that_changed_are_drawn_again(lib, monkeypatch):
    """Each card has its place on the page; after a name, a hidden group or a move, only the places whose card
    changed are drawn again (the browser takes seconds to draw a whole page of cards)."""
    monkeypatch.setattr(people_cb, "PEOPLE_PAGE_SIZE", 3)
    first, second, third, fourth, _ = lib.queries.people_page(0, 5)[2]
    keep = dash.no_update

    def render(trigger: str, value, drawn: list, unnamed_only: bool = False):
        return call(people_cb.render_people, 0, None, 1, "", False, unnamed_only, False, drawn, trigger=trigger,
                    prop="data", value=value)

    slots, drawn, *_ = render("people-version", 0, None)
    assert [c.id["pid"] for c in slots] == [first["id"], second["id"], third["id"]]
    lib.store.people.rename(second["id"], "Ada")
    slots, drawn, _, _, _, count, options, _ = render("people-renamed", {"pid": second["id"], "name": "Ada"}, drawn)
    assert slots[0] is keep and slots[2] is keep and "1 named" in count
    [field] = [c for c in _components(slots[1]) if getattr(c, "id", None) == {"type": "person-name",
                                                                               "pid": second["id"]}]
    assert field.value == "Ada" and any(option_text(o).startswith("Ada") for o in options)
    assert render("people-version", 1, drawn)[0] == [keep] * 3  # nothing changed: nothing drawn
    lib.store.people.set_hidden(third["id"], True)  # its place goes to the next group
    slots, drawn, *_ = render("people-version", 2, drawn)
    assert slots[:2] == [keep, keep] and slots[2].id["pid"] == fourth["id"]
    face = lib.store.people.face_ids(second["id"])[0]
    lib.store.people.move_faces([face], first["id"])  # its faces changed, and those of the group it left
    slots, drawn, *_ = render("people-version", 3, drawn)
    assert [c.id["pid"] for c in slots[:2]] == [first["id"], second["id"]] and slots[2] is keep
    assert face in face_ids_in(slots[0]) and face not in face_ids_in(slots[1])
    # "Not named yet": the named card leaves its place (no group joins: all are on the page); the others stay.
    _, drawn, *_ = render("people-unnamed-only", True, drawn, unnamed_only=True)
    unnamed = [p["id"] for p in lib.queries.people_page(0, 3, unnamed_only=True)[2]]
    lib.store.people.rename(unnamed[1], "Grace")
    slots, drawn, *_ = render("people-renamed", {"pid": unnamed[1], "name": "Grace"}, drawn, unnamed_only=True)
    assert slots == [keep, None, keep]


def test_not_named_yet_a_named_card_gives_its_place_to_the_next_group(lib, monkeypatch):
    """With "Not named yet", the group that joins the page takes the place of the one just named; the other cards
    stay where they are (drawn again only once something else changes the page)."""
    monkeypatch.setattr(people_cb, "PEOPLE_PAGE_SIZE", 3)
    a, b, c, d, e = [p["id"] for p in lib.queries.people_page(0, 5)[2]]
    keep = dash.no_update

    def render(trigger: str, value, drawn: list | None):
        return call(people_cb.render_people, 0, None, 1, "", False, True, False, drawn, trigger=trigger,
                    prop="data", value=value)

    _, drawn, *_ = render("people-unnamed-only", True, None)
    lib.store.people.rename(a, "Ada")
    slots, drawn, *_ = render("people-renamed", {"pid": a, "name": "Ada"}, drawn)
    assert slots[1:] == [keep, keep] and [s.id["pid"] for s in cards_of(slots)] == [d]
    lib.store.people.rename(c, "Cy")
    slots, drawn, *_ = render("people-renamed", {"pid": c, "name": "Cy"}, drawn)
    assert slots[:2] == [keep, keep] and [s.id["pid"] for s in cards_of(slots)] == [e]
    lib.store.people.rename(b, "Bo")  # nobody left to join: its place stays empty
    slots, drawn, *_ = render("people-renamed", {"pid": b, "name": "Bo"}, drawn)
    assert slots == [keep, None, keep]
    slots, drawn, *_ = render("people-unnamed-only", True, drawn)  # a filter: the page as listed, largest first
    assert [s.id["pid"] for s in cards_of(slots)] == [e] and slots[0] is keep and slots[2] is None


def test_after_a_merge_the_other_cards_stay_in_their_places(lib, monkeypatch):
    """The merged group's place goes to the group that joins the page; the others are neither moved nor drawn."""
    monkeypatch.setattr(people_cb, "PEOPLE_PAGE_SIZE", 3)
    a, b, c, d, _ = [p["id"] for p in lib.queries.people_page(0, 5)[2]]
    _, drawn, *_ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    lib.store.people.merge([b], c)  # the second group into the third, which outgrows the first
    slots, *_ = call(people_cb.render_people, 1, None, 1, "", False, False, False, drawn, trigger="people-version",
                     prop="data", value=1)
    assert slots[0] is dash.no_update and [s.id["pid"] for s in slots[1:]] == [d, c]
    assert lib.queries.people_page(0, 3)[2][0]["id"] == c  # listed first, from the next visit on


def test_a_person_card_shows_the_years_of_their_photos(lib):
    a = lib.synthetic.person_ids[0]
    photos = sorted({lib.store.faces.get(f).photo_id for f in lib.store.people.face_ids(a)})
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    assert "–" not in text_of(cards)  # no photo has a date yet
    lib.store.photos.set_taken({photos[0]: "2009-01-20 12:00:00", photos[-1]: "2021-01-20 11:49:00"})
    cards, *_ = call(people_cb.render_people, 0, None, 1, "", False, False, False)
    assert "2009–2021" in text_of(cards)


def test_name_a_person_then_a_clash_offers_merge(lib):
    a, b = lib.synthetic.person_ids[:2]
    out = call(people_cb.name_person, ["Ada"], 0, trigger={"type": "person-name", "pid": a}, prop="value", value="Ada")
    assert out[3] is True and "Ada" in out[0] and lib.store.people.get(a).name == "Ada"
    # Not a new version of the page (every card drawn again): only what the name changed is drawn.
    assert out[4] is dash.no_update and out[8] == {"pid": a, "name": "Ada"}
    # Typing the same name (other case) on another group does not rename: it asks to merge.
    out = call(people_cb.name_person, ["ada"], 1, trigger={"type": "person-name", "pid": b}, prop="value", value=" ada ")
    pending, body, is_open = out[5], out[6], out[7]
    assert is_open is True and pending == {"action": "merge", "target": a, "sources": [b], "text": body, "typed_in": b}
    assert lib.store.people.get(b) is not None and lib.store.people.get(b).name is None
    n_a, n_b = lib.store.people.get(a).n_faces, lib.store.people.get(b).n_faces
    out = call(people_cb.confirm_pending, 1, None, pending, 1, trigger="people-confirm-yes")
    assert "Merged 2 groups into Ada" in out[0]
    assert lib.store.people.get(b) is None and lib.store.people.get(a).n_faces == n_a + n_b
    # A name cleared says whose it was ("Name removed." said neither whose nor what the group is called now).
    out = call(people_cb.name_person, [""], 2, trigger={"type": "person-name", "pid": a}, prop="value", value="")
    assert out[0] == f"Removed the name “Ada”: the group is Person {a} again." and lib.store.people.get(a).name is None
    assert lib.store.people.last_action().label == "removal of the name “Ada”"  # Undo says which name it gives back


def test_a_name_clash_says_what_to_do_when_two_people_share_a_first_name(lib):
    """Two Adas are two people: the dialog offered only to merge them, and did not say that Cancel and a fuller
    name keep them apart (a name is one person's)."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Ada")
    out = call(people_cb.name_person, ["Ada"], 0, trigger={"type": "person-name", "pid": b}, prop="value", value="Ada")
    n_a, n_b = lib.store.people.get(a).n_faces, lib.store.people.get(b).n_faces
    assert out[6] == (f"Ada already exists ({n_a} faces). Merge Person {b} ({n_b} faces) into Ada? If they are two "
                      f"different people, choose Cancel and give Person {b} a fuller name (add a surname or an "
                      "initial): two people cannot have the same name.")


def test_a_name_typed_in_another_unicode_form_is_the_same_name(lib):
    """NFC "Zoé" and NFD "Zoé" (e + U+0301) look the same: on another group it asks to merge, on the group that
    has it it changes nothing."""
    a, b = lib.synthetic.person_ids[:2]
    nfc, nfd = unicodedata.normalize("NFC", "Zoé"), unicodedata.normalize("NFD", "Zoé")
    call(people_cb.name_person, [nfc], 0, trigger={"type": "person-name", "pid": a}, prop="value", value=nfc)
    out = call(people_cb.name_person, [nfd], 0, trigger={"type": "person-name", "pid": b}, prop="value", value=nfd)
    assert out[7] is True and out[5]["target"] == a and lib.store.people.get(b).name is None
    step = lib.store.people.last_action()
    out = call(people_cb.name_person, [nfd], 0, trigger={"type": "person-name", "pid": a}, prop="value", value=nfd)
    assert out[3] is dash.no_update and lib.store.people.last_action() == step  # not renamed to itself
    cards, *_ = call(people_cb.render_people, 0, None, 1, nfd.lower(), False, False, False)
    assert [c["pid"] for c in find_ids(cards, "person-card")] == [a]


def test_a_name_pasted_with_a_control_character_is_the_same_name(lib):
    """"Zoé" pasted with a NUL or an escape looks like "Zoé": on another group it asks to merge (it was stored as a
    second "Zoé"), and never merges without asking."""
    a, b = lib.synthetic.person_ids[:2]
    call(people_cb.name_person, ["Zoé"], 0, trigger={"type": "person-name", "pid": a}, prop="value", value="Zoé")
    for pasted in ("Zoé\x00", "\x1bZoé\x7f"):
        out = call(people_cb.name_person, [pasted], 0, trigger={"type": "person-name", "pid": b}, prop="value",
                   value=pasted)
        assert out[7] is True and out[5]["target"] == a
        assert lib.store.people.get(b).name is None and lib.store.people.get(a).name == "Zoé"


@pytest.mark.parametrize("close", ["cancel", "escape"])
def test_a_name_clash_dialog_closed_without_merging_shows_the_stored_name_again(lib, close):
    """Cancel, Escape, the dialog's X or a click beside it: nothing is merged, the pending merge is dropped and the
    page is drawn again, so the field shows the stored name instead of the typed one (which was never saved)."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Ada")
    _, shown, *_ = call(people_cb.render_people, 4, None, 1, "", False, False, False)  # the page, as drawn
    out = call(people_cb.name_person, ["ada"], 4, trigger={"type": "person-name", "pid": b}, prop="value", value="ada")
    pending, is_open = out[5], out[7]
    assert is_open is True and pending["target"] == a
    if close == "cancel":
        out = call(people_cb.confirm_pending, None, 1, pending, 4, trigger="people-confirm-no")
        version, dropped, drawn = out[4], out[6], out[8]
    else:  # the modal sets its own is_open to False
        version, dropped, drawn = call(people_cb.confirm_dismissed, False, pending, 4, trigger="people-confirm-modal",
                                       prop="is_open", value=False)
    assert (version, dropped) == (5, None)
    assert lib.store.people.get(b).name is None and lib.store.people.get(b).n_faces > 0
    # Nothing stored changed, so each card is the same as the one drawn: the page forgets what it shows.
    unchanged, *_ = call(people_cb.render_people, version, None, 1, "", False, False, False, shown,
                         trigger="people-version", prop="data", value=version)
    assert all(slot is dash.no_update for slot in unchanged) and drawn is None
    cards, *_ = call(people_cb.render_people, version, None, 1, "", False, False, False, drawn,
                     trigger="people-version", prop="data", value=version)
    [field] = [c for c in _components(cards) if getattr(c, "id", None) == {"type": "person-name", "pid": b}]
    assert not field.value
    # Closed after Merge (the pending action already cleared), or opened: nothing more to do.
    assert call(people_cb.confirm_dismissed, False, None, 5, trigger="people-confirm-modal", prop="is_open",
                value=False) == (dash.no_update,) * 3
    assert call(people_cb.confirm_dismissed, True, pending, 5, trigger="people-confirm-modal", prop="is_open",
                value=True) == (dash.no_update,) * 3


def test_a_name_clash_whose_merge_fails_shows_the_stored_name_again(lib):
    """The name's owner merged into someone else meanwhile (another window): Merge is refused and every card is
    drawn again, so the field that asked to merge shows the stored name, not the typed one (never saved)."""
    a, b, c = lib.synthetic.person_ids[:3]
    lib.store.people.rename(c, "Cy")
    _, shown, *_ = call(people_cb.render_people, 4, None, 1, "", False, False, False)  # the page, as drawn
    out = call(people_cb.name_person, ["Cy"], 4, trigger={"type": "person-name", "pid": b}, prop="value", value="Cy")
    pending = out[5]
    lib.store.people.merge([c], a)  # in another window
    out = call(people_cb.confirm_pending, 1, None, pending, 4, trigger="people-confirm-yes")
    assert "no longer exists" in out[0] and lib.store.people.get(b).name is None
    version, drawn = out[4], shown if out[8] is dash.no_update else out[8]  # the store, as the browser keeps it
    cards, *_ = call(people_cb.render_people, version, None, 1, "", False, False, False, drawn,
                     trigger="people-version", prop="data", value=version)
    fields = [x for x in _components(cards) if getattr(x, "id", None) == {"type": "person-name", "pid": b}]
    assert len(fields) == 1 and not fields[0].value  # b's card is drawn again (its key is unchanged)


def _components(component) -> list:
    """Every component inside a Dash component tree."""
    if isinstance(component, (list, tuple)):
        return [c for part in component for c in _components(part)]
    if not hasattr(component, "to_plotly_json"):
        return []
    return [component, *_components(getattr(component, "children", None))]


def test_merge_selected_groups_asks_then_merges(lib):
    """The groups ticked (in the browser: assets/selection.js) are merged, then unticked; a suggestion's merge leaves
    the ticks alone."""
    ids = lib.synthetic.person_ids[:3]
    text, merge_disabled, _ = call(people_cb.selection_info, [], ids[:1])
    assert text == "1 group ticked" and merge_disabled is True
    out = call(people_cb.ask_merge, 1, [], ids[:1], trigger="people-merge-btn")
    assert out[3] == "Tick at least two groups to merge."
    assert call(people_cb.selection_info, [], ids[:2])[:2] == ("2 groups ticked", False)
    plan, body, is_open, *_ = call(people_cb.ask_merge, 1, [], ids[:2], trigger="people-merge-btn")
    assert is_open and set([plan["target"], *plan["sources"]]) == set(ids[:2])
    total = sum(lib.store.people.get(p).n_faces for p in ids[:2])
    out = call(people_cb.confirm_pending, 1, None, plan, 0, trigger="people-confirm-yes")
    assert lib.store.people.get(plan["target"]).n_faces == total and out[-2] == []  # unticked
    suggestion = lib.queries.merge_suggestions()[0]
    trigger = {"type": "suggest-merge", "a": suggestion["person_a"], "b": suggestion["person_b"]}
    plan, *_ = call(people_cb.ask_merge, None, [1], [ids[2]], trigger=trigger)
    assert call(people_cb.confirm_pending, 1, None, plan, 1, trigger="people-confirm-yes")[-2] is dash.no_update


def test_merge_suggestion_button_and_cancel(lib):
    suggestion = lib.queries.merge_suggestions()[0]
    trigger = {"type": "suggest-merge", "a": suggestion["person_a"], "b": suggestion["person_b"]}
    plan, _, is_open, *_ = call(people_cb.ask_merge, None, [1], [], trigger=trigger)
    assert is_open
    out = call(people_cb.confirm_pending, None, 1, plan, 0, trigger="people-confirm-no")
    assert out[5] is False and out[6] is None  # closed, nothing merged
    assert lib.store.people.get(suggestion["person_b"]) is not None
    # Nothing changed: the page is not drawn again (the groups ticked for "Merge selected groups" stay ticked).
    assert out[4] is dash.no_update and out[8] is dash.no_update


def test_a_ticked_group_merged_away_through_a_suggestion_is_unticked(lib):
    """Tick two groups, then merge one of them away through "Maybe the same person": the page's new version unticks
    it (it was still counted, "2 groups ticked", and "Merge selected groups" refused the merge)."""
    suggestion = lib.queries.merge_suggestions()[0]
    trigger = {"type": "suggest-merge", "a": suggestion["person_a"], "b": suggestion["person_b"]}
    plan, *_ = call(people_cb.ask_merge, None, [1], [], trigger=trigger)
    other = next(p for p in lib.synthetic.person_ids if p not in (plan["target"], *plan["sources"]))
    ticked = sorted([other, plan["sources"][0]])
    assert call(people_cb.untick_gone_groups, 1, ticked, trigger="people-version", prop="data") is dash.no_update
    version = call(people_cb.confirm_pending, 1, None, plan, 1, trigger="people-confirm-yes")[4]
    assert call(people_cb.untick_gone_groups, version, ticked, trigger="people-version", prop="data") == [other]
    assert call(people_cb.selection_info, [], [other])[:2] == ("1 group ticked", True)


def test_dismiss_a_merge_suggestion(lib):
    before = lib.queries.merge_suggestions()
    pair = {"type": "suggest-dismiss", "a": before[0]["person_a"], "b": before[0]["person_b"]}
    out = call(people_cb.dismiss_suggestion, [1], 0, trigger=pair)
    assert out[4] == 1
    after = {(s["person_a"], s["person_b"]) for s in lib.queries.merge_suggestions()}
    assert (pair["a"], pair["b"]) not in after and len(after) == len(before) - 1


def test_two_groups_the_user_named_are_not_suggested_as_one_person(lib):
    """Naming both groups of a suggested pair says who each is: "Kit ≈ Barack" would only be noise. One name
    left is still a question worth asking."""
    a, b = (lib.queries.merge_suggestions()[0][k] for k in ("person_a", "person_b"))
    lib.store.people.rename(a, "Kit Harington")
    assert (a, b) in {(s["person_a"], s["person_b"]) for s in lib.queries.merge_suggestions()}
    renamed = dict(trigger="people-renamed", prop="data")  # as the page redraws it once a name is given
    shown, drawn = call(people_cb.render_merge_suggestions, 1, {"pid": a}, **renamed, value={"pid": a})
    assert "Kit Harington" in text_of(shown)
    assert call(people_cb.render_merge_suggestions, 2, None, 0, drawn) == (dash.no_update,) * 2  # the same: not drawn
    lib.store.people.rename(b, "Barack Obama")
    assert (a, b) not in {(s["person_a"], s["person_b"]) for s in lib.queries.merge_suggestions()}
    shown, _ = call(people_cb.render_merge_suggestions, 2, {"pid": b}, 0, drawn, **renamed, value={"pid": b})
    assert "Barack Obama" not in text_of(shown) and "Kit Harington" not in text_of(shown)


def test_select_faces_and_move_them(lib):
    person = lib.synthetic.person_ids[0]
    faces = lib.queries.person_faces(person, 0, 3)
    selected = sorted(faces[:2])  # as the browser's selection writes it (assets/selection.js)
    text, merge_disabled, move_disabled = call(people_cb.selection_info, selected, [])
    assert "2 faces selected" in text and move_disabled is False and merge_disabled is True
    out = call(people_cb.move_selected, 1, None, selected, None, "Grace", 0, trigger="people-move-btn")
    assert "Moved 2 faces to Grace" in out[0] and out[5] == []
    grace = lib.store.people.by_name("Grace")
    assert set(lib.store.people.face_ids(grace.id)) == set(faces[:2])
    out = call(people_cb.move_selected, 1, None, [faces[2]], "unsorted", "", 0, trigger="people-move-btn")
    assert "Unsorted" in out[0] and faces[2] in lib.store.people.face_ids(None)
    out = call(people_cb.move_selected, 1, None, [faces[2]], None, "", 0, trigger="people-move-btn")
    assert out[2] == "danger"  # no target chosen: refused, nothing moved


def test_undo_a_merge_then_nothing_left_to_undo(lib):
    ids = lib.synthetic.person_ids[:2]
    faces = {p: set(lib.store.people.face_ids(p)) for p in ids}
    label, disabled, title = call(people_cb.undo_button, 0)
    assert (label, disabled) == ("Undo", True) and "Nothing to undo" in title
    out = call(people_cb.undo_last, 1, 0, trigger="people-undo-btn")
    assert out[2] == "danger" and "Nothing to undo" in out[0]
    plan = {"action": "merge", "target": ids[0], "sources": [ids[1]], "text": ""}
    call(people_cb.confirm_pending, 1, None, plan, 0, trigger="people-confirm-yes")
    assert lib.store.people.get(ids[1]) is None
    label, disabled, _ = call(people_cb.undo_button, 1)
    assert label == "Undo merge of 2 groups" and disabled is False
    out = call(people_cb.undo_last, 1, 1, trigger="people-undo-btn")
    assert out[0] == "Took back the merge of 2 groups." and out[1] == "Undone" and out[5] == []
    assert {p: set(lib.store.people.face_ids(p)) for p in ids} == faces
    # Dash inserting the button (n_clicks 0) does not undo anything.
    lib.store.people.set_hidden(ids[0], True)
    call(people_cb.undo_last, 0, 2, trigger="people-undo-btn", value=0)
    assert lib.store.people.get(ids[0]).hidden


def test_hide_and_show_a_person(lib):
    pid = lib.synthetic.person_ids[-1]
    out = call(people_cb.hide_person, [1], 0, trigger={"type": "person-hide", "pid": pid})
    assert "hidden" in out[0] and lib.store.people.get(pid).hidden
    cards, *_ = call(people_cb.render_people, 1, None, 1, "", False, False, False)
    assert pid not in [c["pid"] for c in find_ids(cards, "person-card")]
    cards, *_ = call(people_cb.render_people, 1, None, 1, "", True, False, False)
    assert pid in [c["pid"] for c in find_ids(cards, "person-card")]
    call(people_cb.hide_person, [2], 1, trigger={"type": "person-hide", "pid": pid})
    assert not lib.store.people.get(pid).hidden


def test_with_show_hidden_on_a_hidden_card_says_it_is_hidden(lib):
    """Shown with the others, a hidden group looked like them but for "Unhide" at its foot: its header says so."""
    hidden, shown = lib.synthetic.person_ids[:2]
    lib.store.people.set_hidden(hidden, True)
    slots, *_ = call(people_cb.render_people, 1, None, 1, "", True, False, False)
    cards = {c.id["pid"]: c for c in cards_of(slots)}
    assert "Hidden" in text_of(cards[hidden].children[0]) and "Hidden" not in text_of(cards[shown].children[0])


def test_show_hidden_says_how_many_groups_are_hidden(lib):
    """"Show hidden" said nothing of how many groups it would show: "Show hidden (2)", kept as groups are hidden,
    shown again or merged."""
    a, b, c = lib.synthetic.person_ids[:3]
    assert call(people_cb.hidden_count, 0) == "Show hidden (0)"
    call(people_cb.hide_person, [1], 0, trigger={"type": "person-hide", "pid": a})
    call(people_cb.hide_person, [1], 1, trigger={"type": "person-hide", "pid": b})
    assert call(people_cb.hidden_count, 2, trigger="people-version", prop="data", value=2) == "Show hidden (2)"
    call(people_cb.hide_person, [2], 2, trigger={"type": "person-hide", "pid": a})
    assert call(people_cb.hidden_count, 3, trigger="people-version", prop="data", value=3) == "Show hidden (1)"
    lib.store.people.merge([b], c)  # its faces join a group that shows
    assert call(people_cb.hidden_count, 4, trigger="people-version", prop="data", value=4) == "Show hidden (0)"


def test_unsorted_and_ignored_faces_whose_last_page_emptied_show_the_new_last_page(lib, monkeypatch):
    """Faces moved away from the last page of the unsorted (or ignored) faces: the pager goes to the page before,
    not an empty page that says there are none (with the pager gone)."""
    monkeypatch.setattr(people_cb, "UNSORTED_PAGE_SIZE", 3)
    unsorted = [f["face_id"] for f in lib.queries.unsorted_page(0, 100)[1]]
    assert len(unsorted) == 7  # pages of 3, 3 and 1
    grid, pages, page, *_ = call(people_cb.render_unsorted, 0, None, 3, trigger="people-unsorted-pager",
                                 prop="active_page", value=3)
    assert (pages, page) == (3, 3) and face_ids_in(grid) == unsorted[6:]
    lib.store.people.move_faces(unsorted[6:], lib.synthetic.person_ids[0])
    grid, pages, page, style, count, *_ = call(people_cb.render_unsorted, 1, None, 3, trigger="people-version",
                                               prop="data")
    assert (pages, page, count, style) == (2, 2, "(6)", {}) and face_ids_in(grid) == unsorted[3:6]
    lib.store.people.ignore_faces(unsorted[:4])
    grid, pages, page, *_ = call(people_cb.render_ignored, 2, 2, trigger="people-ignored-pager", prop="active_page",
                                 value=2)
    assert (pages, page) == (2, 2) and len(face_ids_in(grid)) == 1
    lib.store.people.move_faces(face_ids_in(grid), None)
    grid, pages, page, style, count, card_style = call(people_cb.render_ignored, 3, 2, trigger="people-version",
                                                       prop="data")
    assert (pages, page, count, card_style) == (1, 1, "(3)", {}) and len(face_ids_in(grid)) == 3


def test_unsorted_faces_and_accepting_suggestions(lib):
    grid, pages, _page, _style, count, sort_disabled, accept_disabled = call(people_cb.render_unsorted, 0, None, 1)
    n = len(lib.synthetic.unsorted)
    assert count == f"({n})" and len(face_ids_in(grid)) == n and sort_disabled is accept_disabled is False
    _total, faces = lib.queries.unsorted_page(0, n)
    assert f"→ #{faces[0]['suggested_id']}" in text_of(grid)  # unnamed groups: their number fits the tile
    out = call(people_cb.accept_suggestions, 1, [], 1, 0, trigger="people-accept-btn")
    assert f"Gave {n} face" in out[0]
    assert lib.store.people.face_ids(None) == []
    # Nothing left to sort one by one, nor to accept.
    grid, *_, sort_disabled, accept_disabled = call(people_cb.render_unsorted, 1, None, 1)
    assert (sort_disabled, accept_disabled) == (True, True) and "every face is in a group" in text_of(grid)


def test_an_empty_library_has_no_unsorted_faces_to_speak_of(empty_lib):
    grid, *_ = call(people_cb.render_unsorted, 0, None, 1)
    assert text_of(grid) == "No faces yet."  # not "every face is in a group": there is none


def test_accepting_suggestions_with_faces_selected_gives_only_those(lib, monkeypatch):
    """Faces selected, wherever they are (another page of the unsorted faces, a person's card): only the selected
    unsorted faces go, never the whole page; a selection without unsorted faces is refused."""
    monkeypatch.setattr(people_cb, "UNSORTED_PAGE_SIZE", 3)
    unsorted = [f["face_id"] for f in lib.queries.unsorted_page(0, 100)[1]]
    assert len(unsorted) > 4
    on_a_card = lib.store.people.face_ids(lib.synthetic.person_ids[0])[:2]
    out = call(people_cb.accept_suggestions, 1, on_a_card, 1, 0, trigger="people-accept-btn")
    assert out[2] == "danger" and "None of the selected faces is unsorted" in out[0]
    assert lib.store.people.face_ids(None) == sorted(unsorted) and lib.store.people.last_action() is None
    picked = unsorted[:2]  # on page 1, accepted while page 2 shows
    out = call(people_cb.accept_suggestions, 1, [*picked, *on_a_card], 2, 0, trigger="people-accept-btn")
    assert out[0] == "Gave 2 faces to their suggested people." and out[5] == on_a_card
    assert lib.store.people.face_ids(None) == sorted(unsorted[2:])
    out = call(people_cb.accept_suggestions, 1, unsorted[2:3], 1, 0, trigger="people-accept-btn")
    assert out[0] == "Gave 1 face to its suggested person."  # not "to their suggested people"


def test_the_sorter_suggests_the_nearest_people_now_never_someone_in_the_same_photo(lib):
    face = lib.synthetic.unsorted[0]
    owner = lib.store.people.face_suggestions(face)[0][0]  # the clustering's suggestion: its own group
    nearest = lib.queries.nearest_people(face, 3)
    assert nearest[0]["id"] == owner and len(nearest) == 3
    assert [p["distance"] for p in nearest] == sorted(p["distance"] for p in nearest)
    # The distance to the normalised mean of the person's faces, as the clustering's suggestions measure it.
    matrix = lib.store.faces.matrix()
    vectors = dict(zip(matrix.ids.tolist(), matrix.embeddings))
    mean = np.mean([vectors[f] for f in lib.store.people.face_ids(owner)], axis=0)
    assert nearest[0]["distance"] == pytest.approx(np.linalg.norm(mean / np.linalg.norm(mean) - vectors[face]), abs=1e-5)
    photo = lib.queries.face_detail(face)["photo_id"]
    in_photo = {f["person_id"] for f in lib.queries.photo_detail(photo)[1]} - {None}
    assert in_photo and not in_photo & {p["id"] for p in nearest}
    lib.store.people.move_faces_to_name(lib.store.people.face_ids(owner), "Grace")  # live: counts at once
    assert lib.queries.nearest_people(face, 3)[0]["name"] == "Grace"
    # Grace's faces re-analysed by another face model (their photos' rows change with them): their distances
    # mean nothing to this face's.
    grace = lib.store.people.by_name("Grace").id
    graces = lib.store.people.face_ids(grace)
    with lib.store.engine.begin() as conn:
        conn.execute(update(faces).where(faces.c.id.in_(graces)).values(model_version="next"))
        conn.execute(update(photos).where(photos.c.id.in_(select(faces.c.photo_id).where(faces.c.id.in_(graces))))
                     .values(updated_at=time.time() + 1))
    assert graces and grace not in {p["id"] for p in lib.queries.nearest_people(face, 3)}


def test_sort_unsorted_faces_one_by_one(lib):
    def step(trigger, face, history, name=""):
        out = call(sort_cb.sort_step, 1, [], 1, 1, 1, 1, face, history, name, trigger=trigger)
        is_open, view, shown, history, _name, progress, note, ignore_off, skip_off, back_off = out
        return dict(open=is_open, view=view, face=shown, history=history, progress=progress, note=note,
                    done=ignore_off and skip_off, back=not back_off)

    unsorted = [f["face_id"] for f in lib.queries.unsorted_page(0, 100)[1]]
    n = len(unsorted)
    s = step("people-sort-btn", None, None)
    assert s["open"] and s["face"] == unsorted[0] and s["progress"] == f"{n} faces to go" and not s["back"]
    suggested = lib.store.people.face_suggestions(unsorted[0])[0][0]
    buttons = find_ids(s["view"], "sort-accept")
    assert buttons[0]["pid"] == suggested and "Who is this?" in text_of(s["view"])

    s = step(buttons[0], s["face"], s["history"])  # key 1: the suggested person
    assert lib.store.assignments.person_of([unsorted[0]])[unsorted[0]] == suggested
    assert s["note"].startswith("Moved 1 face to") and s["face"] == unsorted[1] and s["back"]
    s = step("people-sort-skip", s["face"], s["history"])
    assert s["face"] == unsorted[2] and s["progress"] == f"{n - 2} faces to go, 1 skipped"
    s = step("people-sort-ignore", s["face"], s["history"])
    assert lib.queries.face_detail(unsorted[2])["ignored"] and s["face"] == unsorted[3]
    refused = call(sort_cb.sort_step, 1, [], 1, 1, 1, 1, s["face"], s["history"], " ", trigger="people-sort-new",
                   prop="n_submit")
    assert refused[6].startswith("Choose a person") and refused[2] is dash.no_update  # no name: nothing done
    s = step("people-sort-new", s["face"], s["history"], "Grace")
    assert lib.store.people.by_name("Grace").n_faces == 1

    # Another window names someone meanwhile: Back does not take back that change instead of the face.
    other = lib.synthetic.person_ids[-1]
    lib.store.people.rename(other, "Other Window")
    refused = call(sort_cb.sort_step, 1, [], 1, 1, 1, 1, s["face"], s["history"], "", trigger="people-sort-back")
    assert "changed elsewhere" in refused[6] and refused[2] is dash.no_update
    assert lib.store.people.get(other).name == "Other Window" and lib.store.people.by_name("Grace").n_faces == 1
    lib.store.people.undo()  # the page's Undo takes it back, newest first; then Back works again
    # Another window sorts the face shown: choosing for it moves nothing again (no Undo step), and the next shows.
    shown, steps = s["face"], lib.store.people.last_action()
    lib.store.people.move_faces([shown], other)
    taken = step(buttons[0], shown, s["history"])
    assert taken["note"] == f"That face was sorted meanwhile elsewhere: {C.person_label(other, None)}."
    assert lib.store.assignments.person_of([shown])[shown] == other and taken["history"] == s["history"]
    lib.store.people.undo()  # back to before that window's move
    assert lib.store.people.last_action() == steps

    s = step("people-sort-back", s["face"], s["history"])  # Back (Ctrl+Z): Grace's face again, Grace gone
    assert s["face"] == unsorted[3] and lib.store.people.by_name("Grace") is None
    assert s["note"] == "Took back the move of 1 face to “Grace”."
    s = step("people-sort-back", s["face"], s["history"])
    assert s["face"] == unsorted[2] and not lib.queries.face_detail(unsorted[2])["ignored"]
    s = step("people-sort-back", s["face"], s["history"])  # a skip taken back: shown again, nothing undone
    assert s["face"] == unsorted[1] and lib.store.people.last_action().label == f"move of 1 face to Person {suggested}"
    while not s["done"]:
        s = step("people-sort-skip", s["face"], s["history"])
    assert "Nothing left to sort" in text_of(s["view"]) and s["face"] is None

    assert call(sort_cb.sort_done, 1, trigger="people-sort-done") is False
    assert call(sort_cb.sort_closed, False, 3, trigger="people-sort-modal", prop="is_open", value=False)[0] == 4


def test_person_faces_pager(lib):
    pid = lib.synthetic.person_ids[0]
    block = call(people_cb.person_faces_page, 1, trigger={"type": "person-pager", "pid": pid}, prop="active_page")
    assert set(face_ids_in(block)) <= set(lib.store.people.face_ids(pid))


def test_least_alike_first_shows_a_wrong_face_first(lib):
    a, b = lib.synthetic.person_ids[:2]
    wrong = lib.store.people.face_ids(b)[0]
    lib.store.people.move_faces([wrong], a)

    def first_face_of_a(cards) -> int:
        card = next(c for c in cards_of(cards) if c.id == {"type": "person-card", "pid": a})
        return face_ids_in(card)[0]

    cards, *_ = call(people_cb.render_people, 1, None, 1, "", False, False, True)
    assert first_face_of_a(cards) == wrong
    cards, *_ = call(people_cb.render_people, 1, None, 1, "", False, False, False)
    assert first_face_of_a(cards) == lib.queries.person_faces(a, 0, 1)[0]  # best detections first
    block = call(people_cb.person_faces_page, 1, True, trigger={"type": "person-pager", "pid": a},
                 prop="active_page")
    assert face_ids_in(block)[0] == wrong


def _drawn_stamp(page: str = "people", trigger: str | None = None):
    """The stamp noted as `page` is drawn anew (on arrival, or after a change: `trigger`)."""
    kw = dict(trigger=trigger, prop="data") if trigger else {}
    if page == "people":
        return call(people_cb.render_people, 1, None, 1, "", False, False, False, **kw)[-1]
    return call(photos_cb.render_photos, [], "any", None, None, 1, 1, None, **kw)[-1]


def test_people_and_photos_follow_changes_made_elsewhere(lib):
    """What a page shows is stamped when it is drawn; a name, an undo, a clustering, an ingest's end or a folder
    added elsewhere (another window, the command line) moves the stamp, and the navbar's next poll draws the page
    again, once no dialog of the page is open (an ingest that ends after a newer one was refused too). An ingest's
    progress does not (the page would move under the user's hands at every photo), nor a Find search."""
    from dashapp.clustering import recluster

    drawn = _drawn_stamp()
    assert call(follow_cb.follow_changes, 1, None, drawn, 3) is dash.no_update
    assert call(follow_cb.follow_changes, 1, None, None, 3) is dash.no_update  # the page has not been drawn yet
    store = lib.store
    job = store.jobs.create("ingest")
    store.jobs.start(job, os.getpid())
    store.jobs.progress(job, done=5, total=10, n_faces=7)
    assert call(follow_cb.follow_changes, 1, None, drawn, 3) is dash.no_update
    search = store.jobs.create("find")  # a Find search changes nothing these pages show
    store.jobs.finish(search, "done")
    assert call(follow_cb.follow_changes, 1, None, drawn, 3) is dash.no_update
    refused = store.jobs.create("ingest")  # another ingest refused while this one runs (`app.py ingest`)
    store.jobs.finish(refused, "failed", "an ingest is already running")
    drawn = _drawn_stamp("photos", "photos-version")
    pid = lib.synthetic.person_ids[0]
    changes = {
        "an ingest's end": lambda: store.jobs.finish(job, "done"),
        "a name": lambda: store.people.rename(pid, "Elsewhere"),
        "an undo": store.people.undo,
        "a clustering": lambda: recluster(store, project=False),
        "a folder": lambda: store.folders.add([str(GROUP_PHOTOS)]),
    }
    for change, make in changes.items():
        make()
        assert call(follow_cb.follow_changes, 1, None, drawn, 3, False, True) is dash.no_update  # not under a dialog
        assert call(follow_cb.follow_changes, 1, None, drawn, 3, False, False) == 4, change
        drawn = _drawn_stamp("people", "people-version")
        assert call(follow_cb.follow_changes, 1, None, drawn, 4) is dash.no_update, change
    # Another page of cards or photos, a filter: the rest of the page is not drawn again, so no new stamp is noted.
    assert call(people_cb.render_people, 1, None, 1, "x", False, False, False, None, drawn, trigger="people-search",
                prop="value")[-1] is dash.no_update
    assert call(photos_cb.render_photos, [pid], "any", None, None, 1, 1, None, drawn, trigger="photos-people",
                prop="value")[-1] is dash.no_update
    # Unless none is noted yet: Photos opened on a person's link is first drawn for the filter the link sets.
    assert call(photos_cb.render_photos, [pid], "any", None, None, 1, 1, None, None, trigger="photos-people",
                prop="value")[-1] == drawn


@pytest.mark.parametrize("page", ["people", "photos"])
def test_a_change_made_elsewhere_while_the_page_is_drawn_shows_at_the_next_poll(lib, monkeypatch, page):
    """Another window names a group while this one draws its page (after a change of its own): the drawing may have
    read the library before that name, so the stamp noted is the one from before it, and the next poll draws the
    page again. (Read beside the drawing, by a callback of its own, the stamp could be read after that name: the
    page then showed the old name until the next change.)"""
    pid = lib.synthetic.person_ids[0]
    stamp_before = lib.queries.change_stamp()
    drawn_at = lib.queries.people_page if page == "people" else lib.queries.photos_page

    def drawing_as_a_name_lands(*args, **kwargs):
        result = drawn_at(*args, **kwargs)
        if lib.store.people.get(pid).name is None:
            lib.store.people.rename(pid, "Named elsewhere")
        return result

    monkeypatch.setattr(lib.queries, "people_page" if page == "people" else "photos_page", drawing_as_a_name_lands)
    drawn = _drawn_stamp(page, f"{page}-version")
    assert drawn == stamp_before
    assert call(follow_cb.follow_changes, 1, None, drawn, 4) == 5


class _Page:
    """A page's stores as the browser holds them ("id.prop": value), changed as Dash changes them: a callback's
    `running` values while it runs, then its outputs; and the navbar's poll run on them as Dash runs it."""

    def __init__(self, app, stores: dict) -> None:
        self.app, self.stores, self._off = app, dict(stores), {}

    def _entry(self, fn) -> tuple[str, dict]:
        return next((k, v) for k, v in self.app.callback_map.items()
                    if getattr(v.get("callback"), "__wrapped__", None) is fn)

    def start(self, fn) -> None:
        """`fn` was sent to the server: its `running` values are set."""
        key, _ = self._entry(fn)
        spec = next(c for c in self.app._callback_list if c["output"] == key)
        self.stores.update((spec.get("running") or {}).get("running", {}))
        self._off = (spec.get("running") or {}).get("runningOff", {})

    def finish(self, fn, result) -> None:
        """`fn`'s answer came back: its `running` values are unset, then its outputs are set."""
        _, entry = self._entry(fn)
        self.stores.update(self._off)
        outputs = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]
        values = result if isinstance(entry["output"], list) else [result]
        for output, value in zip(outputs, values):
            if value is not dash.no_update:
                self.stores[f"{output.component_id}.{output.component_property}"] = value

    def poll(self, page: str = "people"):
        """The navbar's tick: what the poll gives the page's `{page}-version`."""
        entry = next(v for k, v in self.app.callback_map.items() if k.startswith(f"{page}-version.data@")
                     and v["inputs"] == [{"id": "nav-poll", "property": "n_intervals"}])
        states = [self.stores.get(f"{s['id']}.{s['property']}") for s in entry["state"]]
        return call(entry["callback"].__wrapped__, 1, *states, trigger="nav-poll", prop="n_intervals")


def test_the_pages_own_change_is_drawn_once_not_again_by_the_poll(lib):
    """A tick of the navbar's poll while the page's own change was being made, or before the drawing it triggers
    had noted the new stamp, took that change for one made elsewhere and drew the page a second time: a flicker,
    and 0.2-1.5 s of work in a large library. A change made elsewhere is still drawn at the next tick, also when
    it takes the library back to the page's own change."""
    from dashapp.server import create_app

    page = _Page(create_app(lib.data_dir), {"people-version.data": 3, "people-sort-modal.is_open": False,
                                            "people-confirm-modal.is_open": False})
    page.stores["people-stamp.data"] = _drawn_stamp()
    pid, other = lib.synthetic.person_ids[:2]

    page.start(people_cb.hide_person)  # the click is sent; the server hides the group...
    result = call(people_cb.hide_person, [1], 3, trigger={"type": "person-hide", "pid": pid})
    assert page.poll() is dash.no_update  # ...and a tick comes before its answer
    page.finish(people_cb.hide_person, result)
    assert page.stores["people-version.data"] == 4
    assert page.poll() is dash.no_update  # the answer came, the page is being drawn
    page.stores["people-stamp.data"] = _drawn_stamp("people", "people-version")  # drawn
    assert page.poll() is dash.no_update

    lib.store.people.rename(other, "Elsewhere")  # another window, the command line
    assert page.poll() == 5
    page.stores["people-version.data"] = 5
    page.stores["people-stamp.data"] = _drawn_stamp("people", "people-version")
    lib.store.people.undo()  # elsewhere too: the library is as the page's own change left it, not as it shows it
    assert page.poll() == 6


# --- photos page ---


def test_photo_filters_any_all_only(lib):
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Ada")
    grid, _, _, _, count, selected, _ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, None)
    assert count == f"{len(lib.synthetic.photo_ids)} photos" and selected is not None
    with_a = set(lib.store.people.face_ids(a))
    photos_a = {f.photo_id for f in map(lib.store.faces.get, with_a)}
    grid, *_ = call(photos_cb.render_photos, [a], "any", None, None, 1, 0, None, trigger="photos-people", prop="value")
    assert {t["pid"] for t in find_ids(grid, "photo-tile")} == photos_a
    with_b = {lib.store.faces.get(f).photo_id for f in lib.store.people.face_ids(b)}
    grid, *_ = call(photos_cb.render_photos, [a, b], "all", None, None, 1, 0, None, trigger="photos-mode", prop="value")
    assert {t["pid"] for t in find_ids(grid, "photo-tile")} == photos_a & with_b
    grid, *_ = call(photos_cb.render_photos, [a, b], "only", None, None, 1, 0, None, trigger="photos-mode", prop="value")
    for t in find_ids(grid, "photo-tile"):
        people_in = {f["person_id"] for f in lib.queries.photo_detail(t["pid"])[1]}
        assert people_in == {a, b}
    # No photo matches: the list says so, and the photo's place asks for nothing (it said "Choose a photo").
    grid, _, _, _, count, selected, _ = call(photos_cb.render_photos, [a], "any", ["1900"], None, 1, 0, None,
                                             trigger="photos-year", prop="value")
    assert "No photo matches" in text_of(grid) and selected is None
    assert call(photos_cb.render_detail, selected, 0, count) is None
    assert "Choose a photo" in text_of(call(photos_cb.render_detail, None, 0, "3 photos"))


def test_a_person_in_the_photo_shown_is_a_button_to_only_their_photos(lib):
    """"In this photo" names each person with a button that shows only their photos (one per face: a person seen
    twice has two); an unsorted face's and a hidden person's chip is no button (neither is in the people filter)."""
    photo = lib.synthetic.photo_ids[0]
    faces = lib.queries.photo_detail(photo)[1]
    assert len({f["person_id"] for f in faces} - {None}) >= 2
    chips = find_ids(call(photos_cb.render_detail, photo, 0), "photos-in-person")
    assert [(c["pid"], c["fid"]) for c in chips] == [(f["person_id"], f["face_id"]) for f in faces
                                                     if f["person_id"] is not None]
    hidden, shown = chips[0]["pid"], chips[1]["pid"]
    assert call(photos_cb.show_person_of_these, [], [1], trigger=chips[1]) == ([shown], "any")
    lib.store.people.set_hidden(hidden, True)
    assert hidden not in {c["pid"] for c in find_ids(call(photos_cb.render_detail, photo, 0), "photos-in-person")}
    # The people of "In these photos" and of "In this photo" are buttons: reached with Tab, pressed with Enter.
    chips = C.people_in_photos_summary(1, [{"id": shown, "name": None, "n": 3}]).children[1:-1]
    chips += C.people_in_photo([{"face_id": 1, "person_id": shown, "name": "Ada"}]).children
    assert [type(c) for c in chips] == [dash.html.Button, dash.html.Button]
    lib.store.people.set_hidden(hidden, False)


def test_a_photo_opened_by_a_link_shows_on_its_page_and_an_emptied_last_page_gives_way(lib, monkeypatch):
    monkeypatch.setattr(photos_cb, "PHOTOS_PAGE_SIZE", 4)
    ordered = [p["id"] for p in lib.queries.photos_page([], "any", 0, 1000)[1]]
    assert len(ordered) > 8
    # /photos?photo=ID (a Find result, "Open photo" on Attributes): the photo's own page, with it chosen.
    grid, pages, page, _, _, selected, _ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, ordered[-1])
    assert selected == ordered[-1] and page == pages == -(-len(ordered) // 4)
    assert [t["pid"] for t in find_ids(grid, "photo-tile")] == ordered[(page - 1) * 4:]
    grid, pages, page, _, _, selected, _ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, ordered[5])
    assert (page, selected) == (2, ordered[5])
    # A link to a photo no longer in the library: the first page, and the photo's place says it is gone (it showed
    # the first photo as if it were the one linked).
    _, _, page, _, _, selected, _ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, 10**6)
    assert (page, selected) == (1, 10**6)
    assert "Photo not found" in text_of(call(photos_cb.render_detail, selected, 0))

    # Showing a person's last page, its photos' faces are given to someone else: the new last page shows.
    a, b = lib.synthetic.person_ids[:2]
    theirs = [p["id"] for p in lib.queries.photos_page([a], "any", 0, 1000)[1]]
    last_page = -(-len(theirs) // 4)
    assert last_page > 1
    on_last = set(theirs[(last_page - 1) * 4:])
    lib.store.people.move_faces([f for f in lib.store.people.face_ids(a) if lib.store.faces.get(f).photo_id in on_last], b)
    grid, pages, page, _, count, _, _ = call(photos_cb.render_photos, [a], "any", None, None, last_page, 1, None,
                                          trigger="photos-version", prop="data")
    assert page == pages == last_page - 1 and count == f"{len(theirs) - len(on_last)} photos"
    assert [t["pid"] for t in find_ids(grid, "photo-tile")] == theirs[(page - 1) * 4:page * 4]


def test_photos_show_their_date_taken_newest_first_and_filter_by_year(lib):
    first, second, *rest = lib.synthetic.photo_ids
    lib.store.photos.set_taken({first: "2019-08-12 14:03:55", second: "2021-12-24 18:30:00"})
    grid, *_ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, None)
    tiles = [t["pid"] for t in find_ids(grid, "photo-tile")]
    assert tiles[:2] == [second, first] and set(tiles[2:]) <= set(rest)
    assert "24 Dec 2021" in text_of(grid) and "12 Aug 2019" in text_of(grid)
    assert "12 Aug 2019, 14:03" in text_of(call(photos_cb.render_detail, first, 0))
    options, style = call(photos_cb.year_options, 0, 0)
    assert [o["value"] for o in options] == ["2021", "2019"] and style == {}
    grid, *_ = call(photos_cb.render_photos, [], "any", ["2019"], None, 1, 0, None, trigger="photos-year", prop="value")
    assert [t["pid"] for t in find_ids(grid, "photo-tile")] == [first]
    grid, *_ = call(photos_cb.render_photos, [], "any", ["2019", "2021"], None, 1, 0, None, trigger="photos-year", prop="value")
    assert [t["pid"] for t in find_ids(grid, "photo-tile")] == [second, first]


def test_photos_filter_by_folder(lib):
    first, second, *rest = lib.synthetic.photo_ids
    assert call(photos_cb.folder_options, 0, 0, None)[:2] == ([], {"display": "none"})  # one folder or none: no filter
    lib.store.photos.relocate(first, "/trips/2019/beach.jpg", 1, 1)
    lib.store.photos.relocate(second, "/trips-old/scan.jpg", 1, 1)  # not inside /trips
    album = str(GROUP_PHOTOS.resolve())
    lib.store.folders.add(["/trips", "/trips-old", album])
    options, style, value, preset, *_toast = call(photos_cb.folder_options, 0, 0, None)
    assert value is dash.no_update and preset is dash.no_update  # no ?folder= in the URL: the user's choice stays
    assert style == {} and [(o["label"], o["value"]) for o in options] == [
        ("photos", album), ("trips", "/trips"), ("trips-old", "/trips-old")]
    [trips_id] = [f.id for f in lib.store.folders.list() if f.path == "/trips"]
    assert call(photos_cb.folder_options, 0, 0, trips_id)[2:] == (["/trips"], None, *photos_cb.NO_TOAST)  # ?folder=ID
    # A folder removed since: all photos, and a note that says why.
    _options, _style, value, preset, note, _header, icon, is_open = call(photos_cb.folder_options, 0, 0, 999)
    assert (value, preset, icon, is_open) == ([], None, "info", True) and "no longer in the library" in note
    grid, *_, count, _, _ = call(photos_cb.render_photos, [], "any", None, ["/trips"], 1, 0, None,
                                 trigger="photos-folder", prop="value")
    assert [t["pid"] for t in find_ids(grid, "photo-tile")] == [first] and count == "1 photo"
    grid, *_ = call(photos_cb.render_photos, [], "any", None, [album, "/trips-old"], 1, 0, None,
                    trigger="photos-folder", prop="value")
    assert {t["pid"] for t in find_ids(grid, "photo-tile")} == {second, *rest}

    # Who is in the chosen folder's photos; a click shows only that person's photos there.
    assert call(photos_cb.people_in_these_photos, None, None, 0) is None  # no year or folder chosen
    people_there = {f["person_id"] for f in lib.queries.photo_detail(first)[1]} - {None}
    who = call(photos_cb.people_in_these_photos, None, ["/trips"], 0)
    assert {i["pid"] for i in find_ids(who, "photos-who-person")} == people_there and "· 1" in text_of(who)
    pid = sorted(people_there)[0]
    assert call(photos_cb.show_person_of_these, [1], trigger={"type": "photos-who-person", "pid": pid}) == ([pid], "any")
    everyone = call(photos_cb.people_in_these_photos, None, [album, "/trips", "/trips-old"], 0)
    counts = [int(chip.children[1].rsplit("· ", 1)[1]) for chip in everyone.children[1:-1]]
    assert len(counts) == 5 and counts == sorted(counts, reverse=True) and "more" not in text_of(everyone)
    n_people, top = lib.queries.people_in_photos(folders=[album, "/trips", "/trips-old"], limit=2)
    assert n_people == 5 and [p["n"] for p in top] == counts[:2]
    assert "and 3 more" in text_of(C.people_in_photos_summary(n_people, top))
    lib.store.people.set_hidden(pid, True)  # strangers hidden on the People page are not listed here either
    assert pid not in {i["pid"] for i in find_ids(call(photos_cb.people_in_these_photos, None, ["/trips"], 0) or [],
                                                  "photos-who-person")}


def test_the_year_filter_hides_while_no_photo_has_a_date(lib):
    assert call(photos_cb.year_options, 0, 0) == ([], {"display": "none"})


def test_photos_page_preselects_people_from_the_url(lib):
    a = lib.synthetic.person_ids[0]
    options, value, preset, *toast = call(photos_cb.people_options, 0, 0, [a], None)
    assert value == [a] and any(o["value"] == a for o in options) and preset is None
    assert tuple(toast) == photos_cb.NO_TOAST
    _options, value, *_ = call(photos_cb.people_options, 1, 0, None, [a], trigger="photos-version", prop="data")
    assert value is dash.no_update


def test_a_hidden_persons_photos_link_shows_their_photos_and_a_gone_person_says_so(lib):
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.set_hidden(a, True)
    # /photos?person=A from the hidden card: A is chosen (marked hidden), so only A's photos show.
    options, value, _preset, *toast = call(photos_cb.people_options, 0, 0, [a], None)
    assert value == [a] and tuple(toast) == photos_cb.NO_TOAST
    assert next(option_text(o) for o in options if o["value"] == a).endswith("· hidden")
    *_, count, _selected, _ = call(photos_cb.render_photos, value, "any", [], [], 1, 0, None)
    total, _ = lib.queries.photos_page([a], "any", 0, 1)
    assert count == f"{total} photos" and total < len(lib.synthetic.photo_ids)
    # A refresh keeps the hidden person while chosen; once not chosen, hidden people stay out of the list.
    options, *_ = call(photos_cb.people_options, 1, 0, None, [a], trigger="photos-version", prop="data")
    assert a in {o["value"] for o in options}
    options, *_ = call(photos_cb.people_options, 2, 0, None, [b], trigger="photos-version", prop="data")
    assert a not in {o["value"] for o in options}
    # A person merged away (or removed) since the link was made: all photos, and a note that says so.
    lib.store.people.merge([b], lib.synthetic.person_ids[2])
    _options, value, preset, note, _header, icon, is_open = call(photos_cb.people_options, 0, 0, [b], None)
    assert (value, preset, icon, is_open) == ([], None, "info", True)
    assert note.startswith(f"Person {b} is no longer in the library")


def test_a_chosen_person_merged_away_elsewhere_is_said_not_dropped_silently(lib):
    """Photos filtered by a person merged into someone else in another window (or with the command line): the page
    follows the change, and says the person is gone instead of showing every photo with nothing said."""
    a, b, c = lib.synthetic.person_ids[:3]
    lib.store.people.merge([b], c)
    _options, value, preset, note, _header, icon, is_open = call(
        photos_cb.people_options, 1, 0, None, [b], trigger="photos-version", prop="data")
    assert (value, preset, icon, is_open) == ([], dash.no_update, "info", True)
    assert note.startswith(f"Person {b} is no longer in the library") and note.endswith("showing all photos.")
    _options, value, _preset, note, *_ = call(
        photos_cb.people_options, 2, 0, None, [a, b], trigger="photos-version", prop="data")
    assert value == [a] and note.endswith("showing the photos of the others chosen.")


def test_a_photo_whose_file_is_gone_or_changed_says_so_under_its_boxes(tmp_path, analyzer):
    """A photo of the library whose file is gone (a drive not connected, a file deleted since the last check), or
    turned in a viewer since it was analysed: its faces are still drawn, with a note saying why the picture under them
    is missing or may not match them (a broken image before, or the turned picture under the old boxes)."""
    from PIL import Image

    from dashapp.ingest import IngestOptions, ingest
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ["obama_and_biden.jpg", "kit_1.jpg"], analyzer)
    lib = use_library(config.data_dir)
    try:
        photo_id = next(p["id"] for p in lib.queries.photos_page([], "any", 0, 10)[1] if p["name"] == "obama_and_biden.jpg")
        detail = call(photos_cb.render_detail, photo_id, 0)
        assert len(find_ids(detail, "photo-face")) >= 2 and "This photo's file" not in text_of(detail)
        path = album / "obama_and_biden.jpg"
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**10))  # a new time, the same picture
        assert "This photo's file" not in text_of(call(photos_cb.render_detail, photo_id, 0))
        with Image.open(path) as img:  # "Rotate right" in a viewer
            img.transpose(Image.Transpose.ROTATE_270).save(path, quality=95)
        detail = call(photos_cb.render_detail, photo_id, 0)
        assert "This photo's file has changed since its faces were found" in text_of(detail)
        ingest(store, config, [album], IngestOptions(analyzer=analyzer))  # the folder checked again
        detail = call(photos_cb.render_detail, photo_id, 0)
        assert "This photo's file" not in text_of(detail)
        assert lib.queries.photo_detail(photo_id)[0]["height"] > lib.queries.photo_detail(photo_id)[0]["width"]
        path.rename(tmp_path / "elsewhere.jpg")  # the drive unplugged
        detail = call(photos_cb.render_detail, photo_id, 0)
        assert find_ids(detail, "photo-face") and "This photo's file is not on disk now" in text_of(detail)
    finally:
        lib.store.close()
        store.close()


def test_photo_detail_and_reassign_a_face(lib):
    photo_id = lib.synthetic.photo_ids[0]
    detail = call(photos_cb.render_detail, photo_id, 0)
    boxes = find_ids(detail, "photo-face")
    assert len(boxes) == 3
    face = boxes[0]["fid"]
    is_open, fid, info, options, value, _ = call(photos_cb.open_face, [1, 0, 0], None, trigger=boxes[0])
    assert is_open and fid == face and any(o["value"] == "unsorted" for o in options)
    out = call(photos_cb.save_face, 1, None, face, None, "Linus", 0, trigger="photos-face-save")
    assert "Linus" in out[0] and "Undo (Ctrl+Z) on the People page" in out[0] and out[4] is False
    assert lib.store.people.by_name("Linus").id in {p for p in [lib.queries.face_detail(face)["person_id"]]}
    detail = call(photos_cb.render_detail, photo_id, 1)
    assert "Linus" in text_of(detail)
    # The People page's Undo takes back a change made here.
    label, disabled, _ = call(people_cb.undo_button, 2)
    assert label == "Undo move of 1 face to “Linus”" and disabled is False
    out = call(people_cb.undo_last, 1, 2, trigger="people-undo-btn")
    assert out[0] == "Took back the move of 1 face to “Linus”." and out[4] == 3
    assert lib.store.people.by_name("Linus") is None and lib.queries.face_detail(face)["person_id"] is not None


def test_a_hidden_persons_face_opens_with_them_chosen(lib):
    """Clicking the box of a hidden person's face: the dialog shows them chosen (marked hidden), so Save keeps the
    face theirs; before, they were not offered, nobody was chosen and Save refused."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.set_hidden(a, True)
    face = lib.store.people.face_ids(a)[0]
    _open, _fid, _info, options, value, _ = call(photos_cb.open_face, [1], None, trigger={"type": "photo-face", "fid": face})
    assert value == a and any(o["value"] == a and option_text(o).endswith("· hidden") for o in options)
    assert not any(o["value"] == b and "hidden" in option_text(o) for o in options)
    out = call(photos_cb.save_face, 1, None, face, value, "", 0, trigger="photos-face-save")
    assert out[0].startswith("Nothing changed") and lib.queries.face_detail(face)["person_id"] == a
    lib.store.people.set_hidden(b, True)  # another hidden person is not offered
    _open, _fid, _info, options, _value, _ = call(photos_cb.open_face, [1], None, trigger={"type": "photo-face", "fid": face})
    assert b not in [o["value"] for o in options]


def test_the_face_dialog_says_when_the_faces_person_is_hidden(lib):
    """"Now:" names the face's person and, when they are hidden, says so (as the dropdown does)."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.set_hidden(a, True)
    for face, now in ((lib.store.people.face_ids(a)[0], f"Now: Person {a} · hidden"),
                      (lib.store.people.face_ids(b)[0], f"Now: Person {b}")):
        _open, _fid, info, *_ = call(photos_cb.open_face, [1], None, trigger={"type": "photo-face", "fid": face})
        assert text_of(info).split(" A name typed")[0].strip() == now  # then a note: they are not named yet


def test_a_name_given_in_a_photo_to_a_face_of_an_unnamed_group_names_the_whole_group(lib):
    """A user naming who is in a photo typed a name for a face of an unnamed group: the face alone went to that
    name, the group's other faces stayed unnamed (the person split in two). The dialog offers the whole group, on by
    default: a typed name names it, a person chosen gets it merged in; off, the face alone moves. Not offered for a
    named person's face, an unsorted one, or the one face of a group."""
    a, b, c = lib.synthetic.person_ids[:3]
    faces_a, faces_c = lib.store.people.face_ids(a), lib.store.people.face_ids(c)
    label, style, value = call(photos_cb.offer_whole_group, faces_a[0])
    assert (label, style, value) == (f"The same for all {len(faces_a)} faces of Person {a}", None, True)
    lib.store.people.rename(b, "Bea")
    for face in (lib.store.people.face_ids(b)[0], lib.synthetic.unsorted[0]):
        assert call(photos_cb.offer_whole_group, face) == ("", {"display": "none"}, False)

    message, *_ = call(photos_cb.save_face, 1, None, faces_a[0], None, "Linus", 0, True, trigger="photos-face-save")
    assert message.startswith(f"Named Person {a} ({len(faces_a)} faces) “Linus”.")
    assert lib.queries.person(a)["name"] == "Linus" and lib.store.people.face_ids(a) == faces_a
    message, *_ = call(photos_cb.save_face, 1, None, faces_c[0], b, "", 0, True, trigger="photos-face-save")
    assert message.startswith(f"Merged Person {c} ({len(faces_c)} faces) into Bea.")
    assert lib.queries.person(c) is None and set(faces_c) <= set(lib.store.people.face_ids(b))
    lib.store.people.undo()
    assert lib.store.people.face_ids(c) == faces_c
    # Off: the face alone moves (a face put in the wrong group).
    call(photos_cb.save_face, 1, None, faces_c[0], b, "", 0, False, trigger="photos-face-save")
    assert lib.store.people.face_ids(c) == faces_c[1:] and lib.queries.person(c)["name"] is None


def _source_of(lib, face_id: int) -> str | None:
    """How a face's person was decided ('manual', 'cluster', ...; None: no assignment row)."""
    from dashapp.store.schema import assignments

    with lib.store.engine.connect() as conn:
        return conn.execute(select(assignments.c.source).where(assignments.c.face_id == face_id)).scalar()


def test_saving_the_face_dialog_unchanged_records_nothing(lib):
    """Save with the person the dialog opened on (or Unsorted, Ignored, or the person's own name typed): the dialog
    closes saying nothing changed, and no move is recorded (no Undo step, the face not pinned to them by hand)."""
    a = lib.synthetic.person_ids[0]
    lib.store.people.rename(a, "Ada")
    named = lib.store.people.face_ids(a)[0]
    grouped = lib.store.people.face_ids(lib.synthetic.person_ids[1])[0]
    unsorted = lib.synthetic.unsorted[0]
    ignored = lib.store.people.face_ids(lib.synthetic.person_ids[2])[0]
    lib.store.people.ignore_faces([ignored])
    already = {named: "with Ada", grouped: f"with Person {lib.synthetic.person_ids[1]}", unsorted: "unsorted",
               ignored: "set aside as Ignored"}
    for face, typed in ((named, ""), (named, " ada "), (grouped, ""), (unsorted, ""), (ignored, "")):
        before, source = lib.store.people.last_action(), _source_of(lib, face)
        *_, value, _new = call(photos_cb.open_face, [1], None, trigger={"type": "photo-face", "fid": face})
        message, _header, icon, _shown, is_open, version, _acted = call(photos_cb.save_face, 1, None, face, value, typed, 4,
                                                                trigger="photos-face-save")
        assert message == f"Nothing changed: this face is already {already[face]}.", (face, typed)
        assert icon == "info" and is_open is False and version == dash.no_update, (face, typed)
        assert lib.store.people.last_action() == before and _source_of(lib, face) == source, (face, typed)
    # A real change is still made.
    out = call(photos_cb.save_face, 1, None, grouped, a, "", 4, trigger="photos-face-save")
    assert out[2] == "success" and lib.queries.face_detail(grouped)["person_id"] == a


def test_ignore_a_face_on_photos_then_bring_it_back_on_people(lib):
    photo_id = lib.synthetic.photo_ids[0]
    face = find_ids(call(photos_cb.render_detail, photo_id, 0), "photo-face")[0]["fid"]
    _open, _fid, _info, options, _value, _ = call(photos_cb.open_face, [1, 0, 0], None,
                                                  trigger={"type": "photo-face", "fid": face})
    assert {"unsorted", "ignored"} <= {o["value"] for o in options}
    out = call(photos_cb.save_face, 1, None, face, "ignored", "", 0, trigger="photos-face-save")
    assert out[0].startswith("Set 1 face aside as Ignored") and out[4] is False
    detail = call(photos_cb.render_detail, photo_id, 1)
    assert "Ignored" in text_of(detail) and "face-box-ignored" in str(detail)
    _, page = lib.queries.photos_page([], "any", 0, 1000)
    tile = next(p for p in page if p["id"] == photo_id)
    assert tile["n_faces"] == len(lib.queries.photo_detail(photo_id)[1]) - 1  # its tile counts the faces still in it
    *_, value, _ = call(photos_cb.open_face, [1, 0, 0], None, trigger={"type": "photo-face", "fid": face})
    assert value == "ignored"
    assert face not in {f["face_id"] for f in lib.queries.unsorted_page(0, 1000)[1]}
    grid, _pages, _page, _style, count, card_style = call(people_cb.render_ignored, 1, 1)
    assert count == "(1)" and card_style == {} and face_ids_in(grid) == [face]
    out = call(people_cb.move_selected, 1, None, [face], "unsorted", "", 0, trigger="people-move-btn")
    assert "Unsorted" in out[0] and face in lib.store.people.face_ids(None)
    assert call(people_cb.render_ignored, 2, 1)[5] == {"display": "none"}


# --- map page ---


def test_no_two_people_look_the_same_on_a_map_of_many_people():
    """The map gave each person PALETTE[id % 20]: people 19 and 39 (Alice and Dmitri) were one colour in the legend
    and on the map, and the groups past the legend's 20 were drawn in the same colours as the people in it."""
    rng = np.random.default_rng(0)
    # 300 groups (ids with gaps, so that many share a colour), the first 70 larger, 8 of them named; some unsorted.
    ids = np.arange(1, 600, 2)
    person_ids = np.concatenate([np.repeat(ids[:70], 12), np.repeat(ids[70:], 3), np.full(40, -1)])
    face_ids = np.arange(len(person_ids)) + 1
    x, y = rng.normal(size=(2, len(person_ids)))
    people = {int(pid): (f"Name {pid}" if i < 8 else None, False) for i, pid in enumerate(ids)}
    fig = map_figure(face_ids, x, y, person_ids, people)
    traces = {t["name"]: t for t in fig["data"]}
    legend = [t for name, t in traces.items() if name not in ("Unsorted", "Other groups")]
    looks = [(t["marker"]["color"], t["marker"].get("symbol", "circle")) for t in legend]
    assert len(legend) >= 60 and len(set(looks)) == len(looks)
    assert {f"Name {pid}" for pid in ids[:8]} <= set(traces)
    # Each legend person keeps their own colour, the one of their dot on every page.
    assert all(C.person_color(pid) in {c for c, _ in looks} for pid in ids[:20])
    # The groups past the legend are drawn unlike anyone in it.
    assert traces["Other groups"]["marker"]["symbol"] not in {s for _, s in looks}
    assert sorted(int(f) for t in fig["data"] for f in t["customdata"]) == face_ids.tolist()


def test_a_hidden_person_is_marked_so_in_the_maps_legend(lib):
    """Their faces stay on the map; the legend says they are hidden, as the person dropdowns do."""
    a = lib.synthetic.person_ids[0]
    lib.store.people.set_hidden(a, True)
    fig, *_ = call(map_cb.render_map, "person", 0)
    names = {t["name"] for t in fig["data"]}
    assert f"Person {a} · hidden" in names and not any(n.endswith("hidden") for n in names - {f"Person {a} · hidden"})


def test_map_render_hover_select_assign(lib, empty_lib):
    use_library(lib.data_dir)
    fig, style, empty, _poll_disabled = call(map_cb.render_map, "person", 0)
    assert empty is None and style == map_cb.GRAPH_STYLE
    assert sum(len(t["x"]) for t in fig["data"]) == 36
    shown = sorted(int(f) for t in fig["data"] for f in t["customdata"])
    assert shown == sorted(lib.synthetic.face_ids)
    fig, *_ = call(map_cb.render_map, "Smiling", 0)
    assert len(fig["data"]) == 1 and fig["data"][0]["marker"]["colorscale"] == "Viridis"
    a = lib.synthetic.person_ids[0]
    lib.store.people.rename(a, "Ada")
    face = lib.store.people.face_ids(a)[0]
    show, bbox, card = call(map_cb.map_hover, {"points": [{"customdata": face, "bbox": {"x0": 1}}]}, "person")
    assert show is True and "Ada" in text_of(card) and f"/media/face/{face}.jpg" in str(card)
    assert "%" not in text_of(card)
    # Coloured by an attribute, the face's probability of it: the colour alone was hard to read off the scale.
    shadow = lib.queries.face_detail(face)["attributes"][ATTRIBUTE_NAMES.index("5_o_Clock_Shadow")]
    _show, _bbox, card = call(map_cb.map_hover, {"points": [{"customdata": face}]}, "5_o_Clock_Shadow")
    assert f"5 o'Clock Shadow: {shadow:.0%}" in text_of(card) and "Ada" in text_of(card)
    chosen = lib.store.people.face_ids(lib.synthetic.person_ids[1])[:2]
    lassoed = {"points": [{"customdata": f} for f in chosen]}
    ids, info, disabled, _pick = call(map_cb.map_select, lassoed, None, trigger="map-graph", prop="selectedData",
                                      value=lassoed)
    assert ids == sorted(chosen) and disabled is False
    # A person's faces chosen in the menu (the keyboard's way): selected as a lasso would, and shown so on the map.
    b = lib.synthetic.person_ids[1]
    theirs = sorted(lib.store.people.face_ids(b))
    assert call(map_cb.map_select, None, b, trigger="map-pick", prop="value", value=b)[:3] == (
        theirs, f"{len(theirs)} faces selected", False)
    fig, *_ = call(map_cb.render_map, "person", 0, b)
    shown = sorted(int(t["customdata"][i]) for t in fig["data"] for i in t["selectedpoints"])
    assert shown == theirs and fig["layout"]["selections"] == []
    out = call(map_cb.map_assign, 1, ids, a, "", 0, trigger="map-assign")
    assert "Moved 2 faces to Ada" in out[0]
    assert set(chosen) <= set(lib.store.people.face_ids(a))
    use_library(empty_lib.data_dir)
    _fig, style, empty, _poll_disabled = call(map_cb.render_map, "person", 0)
    assert "No faces yet" in text_of(empty) and style == {"display": "none"}


def test_a_portrait_photos_tile_shows_its_face_not_its_middle(tmp_path, analyzer):
    """biden_1.jpg is tall (317 x 720), its face near the top: the 4:3 tile showed the middle, a suit without a
    head. The tile's crop now keeps the face the model found."""
    from tests.conftest import ingest_album

    _album, config, store = ingest_album(tmp_path, ["biden_1.jpg"], analyzer)
    [face] = [f for p in store.photos.all() for f in store.faces.of_photo(p.id)]
    store.close()
    library = use_library(config.data_dir)
    try:
        grid, *_ = call(photos_cb.render_photos, [], "any", None, None, 1, 0, None)
        [img] = [c for c in _components(grid) if type(c).__name__ == "Img"]
        position = (getattr(img, "style", None) or {}).get("objectPosition", "50% 50%")  # CSS's default: centred
        share = int(position.split()[1].rstrip("%")) / 100
        # The band of the photo the tile shows, in its pixels: as wide as the photo, 3/4 of that tall.
        width, height = 317, 720
        top = share * (height - width * 3 / 4)
        x, y, w, h = face.box
        assert top <= y and y + h <= top + width * 3 / 4, (top, face.box)
    finally:
        library.store.close()


def test_a_long_name_is_cut_short_in_the_legends_and_shown_whole_on_hover(lib):
    """A 100-character name in the legend took more than half of the map's width from the faces, and two rows over
    the first bars of the attributes chart."""
    use_library(lib.data_dir)
    a = lib.synthetic.person_ids[0]
    long_name = "Maria Antonieta de las Nieves Fernández-Villaverde y Castellanos de la Rosa Pérez-Galdós Montenegro"
    lib.store.people.rename(a, long_name)
    fig, *_ = call(map_cb.render_map, "person", 0)
    names = [t["name"] for t in fig["data"]]
    assert "Maria Antonieta de las Nieves F…" in names and max(len(n) for n in names) <= 32
    face = lib.store.people.face_ids(a)[0]
    _show, _bbox, card = call(map_cb.map_hover, {"points": [{"customdata": face, "bbox": {"x0": 1}}]}, "person")
    assert long_name in text_of(card)
    prevalence, *_ = call(attr_cb.render_overview, a)
    person_bar = prevalence.data[1]
    assert person_bar.name == "Maria Antonieta de las Nieves F…" and long_name in person_bar.hovertemplate


def test_faces_given_to_a_hidden_persons_name_say_where_they_went_on_every_page(lib):
    """Map, People and Photos move faces the same way: a typed name of a hidden person (any capitalisation) moves
    the faces to them, and the message says they are hidden (their faces leave People and the filters)."""
    a = lib.synthetic.person_ids[0]
    lib.store.people.rename(a, "Ada")
    lib.store.people.set_hidden(a, True)
    free = [f for f in lib.synthetic.face_ids if lib.queries.face_detail(f)["person_id"] != a]
    hidden_note = "to Ada, who is hidden: turn on “Show hidden” on the People page to see them."
    out = call(map_cb.map_assign, 1, free[:3], None, "ada", 0, trigger="map-assign")
    assert out[0].startswith(f"Moved 3 faces {hidden_note}")
    out = call(people_cb.move_selected, 1, None, free[3:5], None, "  ADA ", 0, trigger="people-move-btn")
    assert out[0] == f"Moved 2 faces {hidden_note}"
    out = call(photos_cb.save_face, 1, None, free[5], None, "Ada", 0, trigger="photos-face-save")
    assert out[0].startswith(f"Moved 1 face {hidden_note}")
    assert all(lib.queries.face_detail(f)["person_id"] == a for f in free[:6])
    assert lib.queries.person(a)["hidden"] is True  # moving faces does not show them again
    # A visible person: the message names them as they are named, not as typed.
    b = lib.synthetic.person_ids[1]
    lib.store.people.rename(b, "Grace Hopper")
    out = call(map_cb.map_assign, 1, free[6:7], None, "grace  hopper", 0, trigger="map-assign")
    assert out[0].startswith("Moved 1 face to Grace Hopper. ")


def test_naming_a_group_with_a_hidden_persons_name_says_they_are_hidden(lib):
    """The name of a hidden person, typed on a group: the question and the message after the merge say where the
    faces go, in the words moving faces uses."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Bob")
    lib.store.people.set_hidden(a, True)
    hidden_note = "to Bob, who is hidden: turn on “Show hidden” on the People page to see them."
    out = call(people_cb.name_person, ["bob"], 0, trigger={"type": "person-name", "pid": b}, prop="value", value="bob")
    assert out[7] is True and out[6].startswith("Bob already exists") and f"Its faces go {hidden_note} If they" in out[6]
    out = call(people_cb.confirm_pending, 1, None, out[5], 0, trigger="people-confirm-yes")
    assert out[0] == "Merged 2 groups into Bob, who is hidden: turn on “Show hidden” on the People page to see them."
    assert lib.store.people.get(b) is None and lib.store.people.get(a).hidden
    # A visible person: no such note.
    c, d = lib.synthetic.person_ids[2:4]
    lib.store.people.rename(c, "Grace")
    out = call(people_cb.name_person, ["Grace"], 0, trigger={"type": "person-name", "pid": d}, prop="value",
               value="Grace")
    assert "hidden" not in out[6]
    assert call(people_cb.confirm_pending, 1, None, out[5], 0, trigger="people-confirm-yes")[0] == (
        "Merged 2 groups into Grace.")


def test_a_name_typed_without_its_accents_asks_whether_it_is_that_person(lib):
    """"zoe" typed on a group where "Zoé" exists: most likely her (the dialog offers the merge), but it may be
    someone else of that name, so the name can also be kept as typed; Cancel keeps neither."""
    a, b, c = lib.synthetic.person_ids[:3]
    lib.store.people.rename(a, "Zoé")
    n_faces = lib.queries.person(a)["n_faces"]
    out = call(people_cb.name_person, ["zoe"], 0, trigger={"type": "person-name", "pid": b}, prop="value", value="zoe")
    plan = out[5]
    assert out[7] is True and out[6].startswith(f"Zoé already exists ({n_faces} faces): did you mean them?")
    assert plan["target"] == a and plan["keep_name"] == "zoe"
    assert call(people_cb.show_keep_name, plan) == ("Name it “zoe”", None)
    out = call(people_cb.keep_typed_name, 1, plan, 0, trigger="people-confirm-keep")
    assert out[0] == f"Named Person {b} “zoe”." and out[-3:-1] == (False, None)
    assert lib.store.people.get(b).name == "zoe" and lib.store.people.get(a).name == "Zoé"
    # Merging instead: the group's faces become Zoé's.
    out = call(people_cb.name_person, ["ZOE"], 0, trigger={"type": "person-name", "pid": c}, prop="value", value="ZOE")
    assert out[5]["target"] in (a, b)  # both are named alike now; the one with more faces is asked about
    call(people_cb.confirm_pending, 1, None, out[5], 0, trigger="people-confirm-yes")
    assert lib.store.people.get(c) is None
    # A plain merge question shows no third choice.
    assert call(people_cb.show_keep_name, {"action": "merge", "target": a, "sources": [b]}) == ("", {"display": "none"})
    # Faces moved to a new name that looks like someone's: the message asks whether they were meant.
    d = lib.synthetic.person_ids[3]
    lib.store.people.rename(d, "Émile")
    free = [f for f in lib.synthetic.face_ids if lib.queries.face_detail(f)["person_id"] not in (a, b, d)]
    out = call(map_cb.map_assign, 1, free[:2], None, "emile", 0, trigger="map-assign")
    assert out[0].startswith("Moved 2 faces to emile. “emile” is a new person: did you mean Émile?")
    out = call(map_cb.map_assign, 1, free[2:3], None, "émile", 0, trigger="map-assign")  # his own name: no question
    assert out[0].startswith("Moved 1 face to Émile.") and "did you mean" not in out[0]


def test_a_kept_search_counts_and_filters_by_the_owners_now(lib, tmp_path):
    """A library person's search, read again after faces were given to them and photos removed: the note and
    "Only photos not yet theirs" go by who each face belongs to now, and leave the removed photos out."""
    from callbacks import find as find_cb
    from dashapp.find import FindResult, PersonTemplate, PhotoMatch, save_result
    from dashapp.find_command import RESULT_FILE
    from model.matching import MatchThresholds

    a = lib.synthetic.person_ids[0]
    matches = []  # one per photo (its first face), with the owner it had when the search ran
    for i, photo_id in enumerate(lib.synthetic.photo_ids):
        face = lib.store.faces.of_photo(photo_id)[0]
        owner = lib.queries.face_detail(face.id)["person_id"]
        matches.append(PhotoMatch(photo_id, face.id, face.photo_path, face.box, 0.3 + 0.01 * i, 800, 600, owner))
    result = FindResult("/q.jpg", (100, 100), [], 0, "synthetic", MatchThresholds(0.6, 1.0, 1.2), 1.3, matches,
                        n_compared=36, n_other_model=0, template=PersonTemplate(a, None, 5))
    save_result(result, tmp_path / RESULT_FILE)
    state = {"id": lib.store.jobs.create("find", {"query": "/q.jpg", "out": str(tmp_path), "person": a}, status="done")}
    theirs = [m for m in matches if m.person_id == a]
    not_yet = [m for m in matches if m.person_id != a]
    assert len(theirs) >= 1 and len(not_yet) >= 5

    def shown(new_only: bool) -> tuple[str, set[int]]:
        photos, *_ = call(find_cb.filter_find, 1.0, new_only, 1, state, trigger="find-new-only", prop="value")
        links = {h.href for h in _links(photos) if h.href.startswith("/photos?photo=")}
        return text_of(photos), {int(h.split("=")[1]) for h in links}

    text, _ = shown(False)
    assert f"{len(theirs)} of these photos are already" in text and f"’s; {len(not_yet)} show a face" in text
    lib.store.people.move_faces([m.face_id for m in not_yet[:3]], a)  # as the note suggests
    text, _ = shown(False)
    assert f"{len(theirs) + 3} of these photos are already" in text and f"’s; {len(not_yet) - 3} show a face" in text
    text, photo_ids = shown(True)  # "Only photos not yet theirs"
    assert photo_ids == {m.photo_id for m in not_yet[3:]} and f"{len(not_yet) - 3} photos" in text
    lib.store.photos.delete([theirs[0].photo_id, not_yet[3].photo_id])  # removed from the library since
    text, _ = shown(False)
    assert f"{len(theirs) + 2} of these photos are already" in text and f"’s; {len(not_yet) - 4} show a face" in text


def _links(component) -> list:
    """Every component with an href inside a component tree."""
    if isinstance(component, (list, tuple)):
        return [link for c in component for link in _links(c)]
    found = [component] if getattr(component, "href", None) else []
    children = getattr(component, "children", None)
    if children is not None and not isinstance(children, str):
        found += _links(children)
    return found


def test_faces_added_without_clustering_are_said_to_be_off_the_map_with_a_button_to_place_them(tmp_path, analyzer):
    """A library with a map, then a photo added with `ingest --no-cluster` (or an ingest whose clustering was
    cancelled): its faces are not on the map. The map said nothing and offered "Compute the map" only when no face
    at all was on it; now a note counts them, with the button, or says they come when a running ingest is done."""
    from dashapp.clustering import recluster
    from dashapp.ingest import IngestOptions, ingest
    from tests.conftest import ingest_album

    album, config, store = ingest_album(tmp_path, ["obama_1.jpg", "biden_1.jpg"], analyzer)
    recluster(store)  # the map of the first two faces
    shutil.copy(GROUP_PHOTOS / "kit_1.jpg", album / "kit_1.jpg")
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))  # no clustering after it
    lib = use_library(config.data_dir)
    try:
        fig, style, note, poll_disabled = call(map_cb.render_map, "person", 0)
        assert sum(len(t["x"]) for t in fig["data"]) == 2 and style == map_cb.GRAPH_STYLE
        assert "1 face is not on the map yet" in text_of(note) and "map-compute" in str(note) and poll_disabled
        with running_ingest(lib):  # an ingest ends by clustering: no button, and the page polls for the new map
            _fig, _style, note, poll_disabled = call(map_cb.render_map, "Smiling", 0)
        assert "appear when the photos being added" in text_of(note) and "map-compute" not in str(note)
        assert poll_disabled is False
        recluster(store)  # what the button's job does
        fig, _style, note, poll_disabled = call(map_cb.render_map, "person", 1)
        assert sum(len(t["x"]) for t in fig["data"]) == 3 and note is None and poll_disabled
    finally:
        lib.store.close()
        store.close()


def test_a_library_without_a_map_offers_to_compute_it(lib):
    """Photos added without clustering (`ingest --no-cluster`) have no map: a button makes it, in a job process."""
    with lib.store.engine.begin() as conn:
        conn.execute(update(faces).values(map_x=None, map_y=None))
    _fig, _style, empty, poll_disabled = call(map_cb.render_map, "person", 0)
    assert "No map yet" in text_of(empty) and "map-compute" in str(empty) and poll_disabled is True

    *toast, empty, poll_disabled = call(map_cb.map_compute, 1, trigger="map-compute")
    assert toast[2] == "info" and "being computed" in text_of(empty) and poll_disabled is False
    assert "right now" in call(map_cb.map_compute, 1, trigger="map-compute")[0]  # one at a time
    deadline = time.monotonic() + 240
    while (polled := call(map_cb.map_poll, 1, 0, trigger="map-poll", prop="n_intervals"))[1] is not True:
        assert time.monotonic() < deadline, "the clustering job did not finish"
        time.sleep(0.5)
    assert polled[0] == 1  # the page draws the map again
    assert lib.store.jobs.latest("cluster", limit=1)[0].status == "done"
    fig, _style, empty, poll_disabled = call(map_cb.render_map, "person", polled[0])
    assert empty is None and sum(len(t["x"]) for t in fig["data"]) == 36 and poll_disabled is True

    # Every face set aside: nothing a map could show, so no offer to make one (it would never appear).
    lib.store.people.ignore_faces(lib.synthetic.face_ids)
    _fig, _style, empty, _ = call(map_cb.render_map, "person", 0)
    assert "Every face is set aside" in text_of(empty) and "map-compute" not in str(empty)


# --- attributes page ---


def test_a_name_shows_as_typed_in_the_charts_never_as_plotly_markup_or_template(lib):
    """Plotly reads some HTML in labels and fills in %{...} in hover templates: a name must not do either."""
    pid = lib.synthetic.person_ids[0]
    name = "Ann</extra>%{y} <b>x</b>"
    lib.store.people.rename(pid, name)
    _prevalence, _distribution, _title = call(attr_cb.render_overview, pid)
    person_bar = _prevalence.data[1]
    assert person_bar.hovertemplate.count("</extra>") == 1 and person_bar.hovertemplate.count("%{") == 2
    assert person_bar.name == "Ann&lt;/extra&gt;&#37;{y} &lt;b&gt;x&lt;/b&gt;"  # shown by Plotly as typed
    compare = call(attr_cb.render_compare, [pid], 0)
    assert "<b>" not in str(list(compare.layout.xaxis.ticktext)) + str(compare.data[0].customdata)
    assert "%{" not in str(compare.data[0].customdata)


def test_people_side_by_side_keep_a_narrow_column_each_whatever_their_names():
    """A 64-character name took half the chart's width and height over its column; two names the same to their
    cut share one column, and people called "2019" and "2020" were read as numbers, each column a year apart."""
    long = "Maria Antonieta de las Nieves Fernández-Villaverde y Castellanos"
    people = [long, long + " II", "2019", "2020"]
    means = np.random.default_rng(0).uniform(size=(len(people), len(ATTRIBUTE_NAMES)))
    fig = compare_figure(ATTRIBUTE_NAMES, people, means)
    heat = fig.data[0]
    assert len(set(heat.x)) == 4 and list(fig.layout.xaxis.tickvals) == list(heat.x)
    assert max(len(t) for t in fig.layout.xaxis.ticktext) <= 32 and "2019" in fig.layout.xaxis.ticktext
    assert np.asarray(heat.customdata)[0, 1] == long + " II" and "%{customdata}" in heat.hovertemplate  # whole on hover


def test_attribute_views(lib):
    pid = lib.synthetic.person_ids[0]
    prevalence, distribution, title = call(attr_cb.render_overview, pid)
    assert len(prevalence.data) == 2 and len(prevalence.data[0].x) == 40
    assert "5 o'Clock Shadow" in prevalence.data[0].y and "Bags Under Eyes" in prevalence.data[0].y  # words
    assert len(distribution.data[0].z) == 40 and len(distribution.data[0].z[0]) == 10
    assert f"Person {pid}" in title
    compare = call(attr_cb.render_compare, [], 0)
    assert len(compare.data[0].x) == 5
    grid, pages, page, _style, count = call(attr_cb.render_filter, "Smiling", ">=", 0.0, None, ">=", 0.8, 1)
    assert count == "36 faces"
    ids, matrix = lib.queries.attribute_matrix()
    shown = face_ids_in(grid)
    assert len(shown) == min(36, attr_cb.FILTER_PAGE_SIZE) and set(shown) <= {int(i) for i in ids}
    from model.attributes import ATTRIBUTE_NAMES

    j = ATTRIBUTE_NAMES.index("Male")
    expected = int((matrix[:, j] >= 0.6).sum())
    *_, count = call(attr_cb.render_filter, "Male", ">=", 0.6, None, ">=", 0.8, 1)
    assert count == f"{expected:,} faces"
    grid, *_, count = call(attr_cb.render_filter, "Smiling", ">=", 1.5, None, ">=", 0.8, 1)
    assert count == "0 faces" and text_of(grid) == "No face matches these thresholds."
    face = int(ids[0])
    is_open, body = call(attr_cb.open_face_detail, 1, face, trigger="attr-filter-faces")
    assert is_open and "Top 10 attributes" in text_of(body) and str(body).count("progressbar") == 10


def test_the_attribute_filter_of_an_empty_library_says_it_has_no_faces(empty_lib):
    """It said "No face matches these thresholds." as if moving the sliders could find some."""
    grid, *_, count = call(attr_cb.render_filter, "Smiling", ">=", 0.8, None, ">=", 0.8, 1)
    assert count == "0 faces" and text_of(grid) == "No faces yet — add photos on the Library page."


def test_a_faces_details_lead_to_their_persons_photos(lib):
    """The details of a face found by its attributes named its person ("Person 41") but led only to its photo."""
    pid = lib.synthetic.person_ids[0]
    face = lib.store.people.face_ids(pid)[0]
    _open, body = call(attr_cb.open_face_detail, 1, face, trigger="attr-filter-faces")
    links = {c.children: c.href for c in _components(body) if getattr(c, "href", None)}
    assert links == {"Open photo": f"/photos?photo={lib.queries.face_detail(face)['photo_id']}",
                     "All their photos": f"/photos?person={pid}"}
    _open, body = call(attr_cb.open_face_detail, 1, lib.synthetic.unsorted[0], trigger="attr-filter-faces")
    assert "All their photos" not in text_of(body) and "Unsorted" in text_of(body)


def test_attributes_over_the_years(lib):
    from model.attributes import ATTRIBUTE_NAMES

    assert "No photo with a date" in str(call(attr_cb.render_trend, None, ["Smiling"]).layout)
    photos = lib.synthetic.photo_ids
    lib.store.photos.set_taken({p: ("2019-06-01 10:00:00" if i % 2 else "2021-06-01 10:00:00")
                                for i, p in enumerate(photos[:10])})
    fig = call(attr_cb.render_trend, None, ["Smiling", "Eyeglasses"])
    assert [t.name for t in fig.data] == ["Smiling", "Eyeglasses"] and list(fig.data[0].x) == [2019, 2021]
    ids, matrix = lib.queries.attribute_matrix()
    in_2019 = [f.id for p in photos[1:10:2] for f in lib.store.faces.of_photo(p)]
    expected = matrix[np.isin(ids, in_2019), ATTRIBUTE_NAMES.index("Smiling")].mean()
    assert fig.data[0].y[0] == pytest.approx(expected) and fig.data[0].customdata[0] == len(in_2019)
    pid = lib.synthetic.person_ids[0]
    mine = call(attr_cb.render_trend, pid, ["Smiling"])  # one person's faces only
    assert sum(mine.data[0].customdata) < sum(fig.data[0].customdata)
    assert "Choose attributes" in str(call(attr_cb.render_trend, None, []).layout)


def test_a_person_with_no_faces_is_left_out_of_the_attribute_charts(lib):
    """A named person keeps their name with no faces left: no invented 0.00s, no album numbers under their name."""
    a, b = lib.synthetic.person_ids[:2]
    lib.store.people.rename(a, "Ada")
    lib.store.people.move_faces(lib.store.people.face_ids(a), None)
    assert lib.queries.person(a)["n_faces"] == 0
    lib.store.photos.set_taken({p: "2020-06-01 10:00:00" for p in lib.synthetic.photo_ids})
    fig = call(attr_cb.render_compare, [a, b], 0)
    assert list(fig.layout.xaxis.ticktext) == [f"Person {b}"] and np.asarray(fig.data[0].z).shape == (40, 1)
    assert "Ada has no faces" in " ".join(n.text for n in fig.layout.annotations)
    only = call(attr_cb.render_compare, [a], 0)  # nobody left to draw: the note alone
    assert not only.data and "Ada has no faces" in only.layout.annotations[0].text
    default = call(attr_cb.render_compare, [], 0)  # the largest groups by default: none without faces
    assert "Ada" not in list(default.layout.xaxis.ticktext) and not default.layout.annotations
    trend = call(attr_cb.render_trend, a, ["Smiling"])
    assert not trend.data and "Ada has no faces" in trend.layout.annotations[0].text
    _prevalence, _distribution, title = call(attr_cb.render_overview, a)
    assert title.startswith("Distribution of each attribute · album") and "Ada has no faces" in title


def test_every_app_created_in_a_process_gets_every_callback(tmp_path):
    from dashapp.server import create_app

    first, second = create_app(tmp_path / "a"), create_app(tmp_path / "b")
    deps = [app.server.test_client().get("/_dash-dependencies").get_json() for app in (first, second)]
    outputs = [sorted(d["output"] for d in dep) for dep in deps]
    assert outputs[0] == outputs[1] and any("people-slot" in o for o in outputs[0])


def test_people_page_answers_at_slash_people_too(tmp_path):
    from dashapp.server import create_app

    response = create_app(tmp_path / "lib").server.test_client().get("/people")
    assert response.status_code in (301, 302, 308) and response.headers["Location"].endswith("/")


def _press(client, button: str, state: list[dict]):
    """POST what the browser sends when `button` is clicked, to the callback it triggers (Dash's HTTP endpoint)."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if d["inputs"] == [{"id": button, "property": "n_clicks"}])
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
               for o in dep["output"].strip(".").split("...")]
    return client.post("/_dash-update-component", json={
        "output": dep["output"], "outputs": outputs, "changedPropIds": [f"{button}.n_clicks"],
        "inputs": [{"id": button, "property": "n_clicks", "value": 1}], "state": state,
    })


def test_a_full_disk_while_the_dashboard_is_open_is_told_on_the_page(lib, monkeypatch):
    # The library's disk filled up (or went read-only) while the page was open: the browser must say the change
    # was not saved; without a message it got an HTTP 500 and showed nothing, so the change looked done.
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from dashapp.server import create_app

    client = create_app(lib.data_dir).server.test_client()

    def fail_with(cause: str):
        def fail(*_args, **_kwargs):
            raise OperationalError("COMMIT", {}, sqlite3.OperationalError(cause))
        return fail

    state = [{"id": "people-version", "property": "data", "value": 1}]
    for cause, said in [("database or disk is full", "disk holding the library is full"),
                        ("attempt to write a readonly database", "library cannot be written")]:
        monkeypatch.setattr(lib.store.people, "undo", fail_with(cause))
        response = _press(client, "people-undo-btn", state)
        assert response.status_code == 200
        toast = response.get_json()["sideUpdate"]["app-toast"]
        assert toast["is_open"] and toast["icon"] == "danger" and said in toast["children"]
        assert "Not saved" in toast["children"] and "SELECT" not in toast["children"]


def test_a_library_deleted_while_the_dashboard_runs_is_told_not_saved(lib, caplog):
    """The library's folder deleted (or its database moved or replaced) under a running dashboard: SQLite would go
    on writing the deleted file, so a change would look saved and be lost with it. The page says so instead (and
    the log once, not at every poll of every page)."""
    from dashapp.server import create_app

    client = create_app(lib.data_dir).server.test_client()
    db = lib.config.db_path
    away = db.with_name(db.name + ".away")
    db.rename(away)
    try:
        response = _press(client, "people-undo-btn", [{"id": "people-version", "property": "data", "value": 1}])
        toast = response.get_json()["sideUpdate"]["app-toast"]
        assert toast["is_open"] and toast["icon"] == "danger"
        assert toast["children"].startswith(f"Not saved: the library at {lib.data_dir} was deleted, moved or replaced")
        _press(client, "people-undo-btn", [{"id": "people-version", "property": "data", "value": 1}])
        said = [r for r in caplog.records if "was deleted, moved or replaced" in r.getMessage()]
        assert len(said) == 1 and said[0].exc_info is None
    finally:
        away.rename(db)
    response = _press(client, "people-undo-btn", [{"id": "people-version", "property": "data", "value": 1}])
    assert "was deleted" not in json.dumps(response.get_json())  # back where it was: the page works again
