"""The command line and job processes: `app.py ingest`, `cluster`, `people`, `eval cluster`, the UI's spawn/cancel."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from app import main
from dashapp.config import load_config
from dashapp.jobs import ingest_lock, spawn_ingest
from dashapp.store import Store
from ui_fixtures import build_library

REPO = Path(__file__).resolve().parents[1]
PHOTOS = REPO / "tests" / "fixtures" / "group" / "photos"
SINGLES = {  # single-person photos and who is in them
    "obama_1.jpg": "obama", "obama_2.jpg": "obama", "obama_3.jpg": "obama", "biden_1.jpg": "biden",
    "biden_2.jpg": "biden", "kit_1.jpg": "kit", "kit_2.jpg": "kit", "kit_3.jpg": "kit", "rose_1.jpg": "rose",
    "rose_2.jpg": "rose",
}
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


def app(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=REPO, env=ENV, capture_output=True, text=True,
                          timeout=timeout)


def _album(folder: Path, names) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(PHOTOS / name, folder / name)
    return folder


def _wait_job(store: Store, job_id: int, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = store.jobs.get(job_id)
        if job.status not in ("queued", "running"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {store.jobs.get(job_id)}")


def test_spawned_ingest_job_reports_progress_then_clusters_and_maps(tmp_path):
    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "obama_and_biden.jpg"])
    (album / "album_readme.txt").write_text("notes")
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    job_id = spawn_ingest(config, store, [album])  # what the dashboard calls: a separate process
    job = _wait_job(store, job_id)
    assert job.status == "done", job.message
    assert job.total == 4 and job.done == 4 and job.n_errors == 0  # the text file is not a photo: not unreadable
    assert "1 not a photo" in job.message
    assert store.faces.count() >= 5
    assert store.runs.latest() is not None  # clustered automatically
    assert all(store.faces.get(f).map_xy is not None for f in store.faces.matrix().ids.tolist())  # and mapped

    again = app("ingest", "--data-dir", str(config.data_dir), str(album))
    assert again.returncode == 0, again.stderr[-2000:]
    assert "0 photos analysed" in again.stdout and "5 unchanged" in again.stdout

    clustered = app("cluster", "--data-dir", str(config.data_dir), "--no-project")
    assert clustered.returncode == 0 and re.match(r"6 faces: (1 person/group|(?!1 )\d+ people/groups), ", clustered.stdout)
    assert "grouping people…" in clustered.stderr.splitlines()  # said as it starts: it can take a while
    shutil.copy(PHOTOS / "kit_1.jpg", album / "kit_1.jpg")
    shutil.copy(PHOTOS / "obama_1.jpg", album / "obama_1_copy.jpg")
    again = app("ingest", "--data-dir", str(config.data_dir), str(album))
    assert {"grouping people…", "making the map…"} <= set(again.stderr.splitlines())
    assert "1 photo analysed (1 face), 5 unchanged, 0 moved, 1 duplicate, " in again.stdout  # one in the singular


def test_cancel_stops_the_job_and_a_rerun_finishes(tmp_path):
    album = tmp_path / "album"
    album.mkdir()
    for quality in (90, 85, 80, 75, 70):  # 50 distinct files: far more than the tasks in flight when cancelled
        for name in SINGLES:
            Image.open(PHOTOS / name).save(album / f"album_q{quality}_{name}", "JPEG", quality=quality)
    n_photos = 5 * len(SINGLES)
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    job_id = spawn_ingest(config, store, [album], cluster=False)
    deadline = time.monotonic() + 240
    while store.photos.counts().get("done", 0) < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    store.jobs.request_cancel(job_id)
    job = _wait_job(store, job_id)
    assert job.status == "cancelled"
    assert store.photos.counts().get("done", 0) < n_photos
    # The Library page's counts agree with the summary under them (they were the last throttled progress).
    assert f"({job.n_faces} face" in job.message and job.n_faces == store.faces.count(), (job.n_faces, job.message)
    rerun = app("ingest", "--data-dir", str(config.data_dir), "--no-cluster", str(album))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert store.photos.counts() == {"done": n_photos}


def test_cancel_while_grouping_people_stops_the_job_and_the_next_ingest_groups_them(tmp_path):
    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "obama_and_biden.jpg"])
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    job_id = spawn_ingest(config, store, [album])
    deadline = time.monotonic() + 240
    while store.jobs.get(job_id).phase not in ("cluster", "project") and time.monotonic() < deadline:
        time.sleep(0.05)
    store.jobs.request_cancel(job_id)  # the Library page's Cancel while it groups people or makes the map
    job = _wait_job(store, job_id)
    assert job.status == "cancelled", job.message
    assert job.message.startswith("cancelled while grouping people: 4 files: 4 photos analysed")
    assert store.photos.counts() == {"done": 4} and store.runs.behind()

    again = app("ingest", "--data-dir", str(config.data_dir))  # Check for new photos: nothing new, yet it groups
    assert again.returncode == 0, again.stderr[-2000:]
    assert "4 unchanged" in again.stdout and "clustered" in again.stdout
    assert not store.runs.behind() and store.jobs.latest("ingest")[0].status == "done"


def test_a_second_ingest_is_refused_clearly(tmp_path):
    config = load_config(tmp_path / "data")
    album = _album(tmp_path / "album", ["rose_1.jpg"])
    with ingest_lock(config):
        busy = app("ingest", "--data-dir", str(config.data_dir), str(album))
    assert busy.returncode == 3
    assert "already running" in busy.stderr
    assert Store.open(config).jobs.latest("ingest")[0].status == "failed"


def test_missing_folder_is_a_one_line_error(tmp_path):
    result = app("ingest", "--data-dir", str(tmp_path / "data"), str(tmp_path / "nope"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: no such file or folder: {tmp_path / 'nope'}"
    assert not (tmp_path / "data").exists()  # nothing was created


def test_eval_cluster_prints_a_table_and_json_last(tmp_path):
    album = _album(tmp_path / "album", sorted(SINGLES))
    truth = tmp_path / "identity.txt"
    truth.write_text("image identity\n" + "".join(f"{n} {who}\n" for n, who in SINGLES.items()))
    library = tmp_path / "library"
    result = app("eval", "cluster", "--images", str(album), "--truth", str(truth), "--library", str(library))
    assert result.returncode == 0, result.stderr[-2000:]
    store = Store.open(load_config(library))
    [folder] = store.folders.list()  # the kept library lists its folder, checked
    assert folder.path == str(album) and folder.n_photos == len(SINGLES) and folder.scanned_at is not None
    store.close()
    lines = result.stdout.strip().splitlines()
    assert any(line.startswith("bcubed_f") for line in lines[:-1])
    scores = json.loads(lines[-1])
    for key in ("pairwise_precision", "pairwise_recall", "pairwise_f", "bcubed_precision", "bcubed_recall",
                "bcubed_f", "n_faces", "n_clusters", "n_photos_no_face", "seconds", "photos_per_second"):
        assert key in scores
    assert all(0.0 <= scores[k] <= 1.0 for k in ("pairwise_f", "bcubed_precision", "bcubed_recall", "bcubed_f"))
    assert scores["n_faces"] + scores["n_photos_no_face"] == len(SINGLES)
    # Singletons only would give BCubed precision 1: the real clustering must have grouped something.
    assert scores["n_clusters"] >= 1


def test_model_upgrade_reanalyses_outdated_photos_and_keeps_names_and_manual_moves(tmp_path):
    from model.faces import DEFAULT_WEIGHTS, copy_model

    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "obama_and_biden.jpg"])
    data = tmp_path / "data"
    assert app("ingest", "--data-dir", str(data), str(album)).returncode == 0
    store = Store.open(load_config(data))
    pair = store.faces.of_photo(store.photos.by_path(album / "obama_and_biden.jpg").id)
    obama = store.faces.of_photo(store.photos.by_path(album / "obama_1.jpg").id)[0]
    person = store.people.move_faces_to_name([obama.id], "Barack Obama")
    store.people.move_faces([pair[1].id], None)  # by hand to unsorted
    faces_before = {f.id: (f.photo_id, f.model_version) for p in store.photos.all("done") for f in store.faces.of_photo(p.id)}

    # A new model: the same network under a new version, as a model upgrade ships it.
    new = copy_model(DEFAULT_WEIGHTS, tmp_path / "new-model")
    card = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    new.with_suffix(".json").write_text(json.dumps({**card, "version": "upgrade-test"}))
    assert len(store.photos.outdated("upgrade-test")) == 3 and store.photos.outdated(card["version"]) == []

    done = app("ingest", "--data-dir", str(data), "--outdated", "--weights", str(new))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3 photos analysed" in done.stdout
    faces_after = {f.id: (f.photo_id, f.model_version) for p in store.photos.all("done") for f in store.faces.of_photo(p.id)}
    assert set(faces_after) == set(faces_before)  # re-analysed in place: the same face ids
    assert {v for _, v in faces_after.values()} == {"upgrade-test"}
    assert store.photos.outdated("upgrade-test") == []
    assert store.assignments.person_of([obama.id, pair[1].id]) == {obama.id: person, pair[1].id: None}
    assert store.people.by_name("barack obama").id == person

    again = app("ingest", "--data-dir", str(data), "--outdated", "--weights", str(new))
    assert again.returncode == 0 and "every photo in the library is analysed with the current face model" in again.stdout
    checked = app("ingest", "--data-dir", str(data), "--weights", str(new))  # no paths: the library's folders
    assert checked.returncode == 0 and "3 unchanged" in checked.stdout, checked.stderr[-2000:]


def test_update_of_outdated_photos_whose_files_are_away_says_so(tmp_path):
    from model.faces import DEFAULT_WEIGHTS, copy_model

    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg"])
    data = tmp_path / "data"
    assert app("ingest", "--data-dir", str(data), "--no-cluster", str(album)).returncode == 0
    new = copy_model(DEFAULT_WEIGHTS, tmp_path / "new-model")
    card = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    new.with_suffix(".json").write_text(json.dumps({**card, "version": "upgrade-test"}))
    store = Store.open(load_config(data))

    away = album.rename(tmp_path / "unplugged")  # the drive with every outdated photo is not connected
    result = app("ingest", "--data-dir", str(data), "--no-cluster", "--outdated", "--weights", str(new))
    said = "3 photos analysed with another face model were not found (is their drive connected?) and stay as they are"
    assert result.returncode == 0 and said in result.stdout and "every photo" not in result.stdout
    assert store.jobs.latest("ingest")[0].message == said  # the Library page's job says the same
    assert len(store.photos.outdated("upgrade-test")) == 3

    away.rename(album)
    (album / "biden_1.jpg").rename(tmp_path / "biden_1.jpg")  # one of them is still away
    result = app("ingest", "--data-dir", str(data), "--no-cluster", "--outdated", "--weights", str(new))
    assert result.returncode == 0 and "2 photos analysed" in result.stdout, result.stderr[-2000:]
    said = "1 photo analysed with another face model was not found (is their drive connected?) and stays as it is"
    assert said in result.stdout and said in store.jobs.latest("ingest")[0].message
    assert [p.path for p in store.photos.outdated("upgrade-test")] == [str(album / "biden_1.jpg")]


@pytest.mark.parametrize("flag", ["--small-face-share", "--identity-group-share"])
def test_train_refuses_a_share_outside_zero_to_one(tmp_path, flag):
    result = app("train", flag, "1.5", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {flag} must be between 0 and 1, not 1.5"
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("flag", ["--identity-weight", "--attribute-weight"])
def test_train_refuses_a_negative_loss_weight(tmp_path, flag):
    result = app("train", flag, "-1", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {flag} must be at least 0, not -1.0"
    assert not (tmp_path / "run").exists()


def test_people_list_name_merge_hide_and_undo(tmp_path):
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    ids = build_library(store, n_faces=30, n_people=4).person_ids
    before = {p.id: (p.name, p.hidden, p.n_faces) for p in store.people.list(include_hidden=True)}

    def people(*args: str) -> subprocess.CompletedProcess:
        return app("people", "--data-dir", str(data), *args, timeout=60)

    listed = people().stdout.splitlines()
    assert listed[0].split() == ["id", "faces", "name"] and len(listed) == 1 + len(before)
    assert f"Person {ids[0]}" in people("list").stdout
    assert people("name", str(ids[0]), "Ada").stdout.strip() == f"Named Person {ids[0]} “Ada”."
    clash = people("name", str(ids[1]), " ada ")  # someone has it: refused unless --merge
    assert clash.returncode == 2 and f"is already person {ids[0]}" in clash.stderr and "--merge" in clash.stderr
    assert store.people.get(ids[1]) is not None
    assert "Merged 2 groups into Ada." == people("merge", str(ids[0]), str(ids[1])).stdout.strip()
    assert people("hide", str(ids[2])).stdout.strip() == f"Person {ids[2]} is hidden."
    assert people("hide", str(ids[2])).stdout.strip() == f"Person {ids[2]} is already hidden."  # no step to undo
    assert people("show", str(ids[3])).stdout.strip() == f"Person {ids[3]} is already shown."
    assert f"Person {ids[2]}" not in people().stdout and "(hidden)" in people("list", "--hidden").stdout
    missing = people("show", "999")
    assert missing.returncode == 2 and "no person with id 999" in missing.stderr
    alone = people("merge", str(ids[0]), str(ids[0]))
    assert alone.returncode == 2 and "at least one other person" in alone.stderr

    undone = [people("undo").stdout.strip() for _ in range(3)]
    assert undone == [f"Took back the hiding of Person {ids[2]}.", "Took back the merge of 2 groups.",
                      "Took back the naming “Ada”."]
    nothing = people("undo")  # refused, as on the People page
    assert (nothing.returncode, nothing.stdout, nothing.stderr) == (2, "", "error: nothing to undo since the last "
                                                                           "clustering\n")
    assert {p.id: (p.name, p.hidden, p.n_faces) for p in store.people.list(include_hidden=True)} == before



def test_people_name_of_a_hidden_person_says_they_are_hidden(tmp_path):
    """Naming (or merging into) a hidden person: their faces leave the People page, so the command says so, in the
    words of the People page."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    ids = build_library(store, n_faces=30, n_people=4).person_ids
    store.people.rename(ids[0], "Bob")
    store.people.set_hidden(ids[0], True)

    def people(*args: str) -> subprocess.CompletedProcess:
        return app("people", "--data-dir", str(data), *args, timeout=60)

    note = "who is hidden: turn on “Show hidden” on the People page to see them."
    clash = people("name", str(ids[1]), "bob")
    assert clash.returncode == 2 and f"is already person {ids[0]} (" in clash.stderr and ", hidden):" in clash.stderr
    merged = people("name", str(ids[1]), "bob", "--merge").stdout.strip()
    assert merged == f"Merged Person {ids[1]} into Bob (person {ids[0]}), {note}"
    assert people("merge", str(ids[0]), str(ids[2])).stdout.strip() == f"Merged 2 groups into Bob, {note}"
    # Into a visible group, which takes the name: no note.
    assert people("merge", str(ids[3]), str(ids[0])).stdout.strip() == "Merged 2 groups into Bob."
    assert not store.people.by_name("Bob").hidden


def test_people_name_like_someones_but_for_its_accents_names_and_says_how_to_merge(tmp_path):
    """"zoe" where Zoé exists: the command names the group as told (it may be someone else), and says, as the People
    page asks, how to merge them if they are one person."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    ids = build_library(store, n_faces=20, n_people=2).person_ids
    store.people.rename(ids[0], "Zoé")
    named = app("people", "--data-dir", str(data), "name", str(ids[1]), "zoe", timeout=60)
    assert named.returncode == 0 and named.stdout.strip().splitlines() == [
        f"Named Person {ids[1]} “zoe”.",
        f"Note: “Zoé” (person {ids[0]}) has this name but for its accents or case; if they are one person: "
        f"app.py people merge {ids[0]} {ids[1]}"]
    assert store.people.get(ids[1]).name == "zoe" and store.people.get(ids[0]).name == "Zoé"


def test_removing_the_uploaded_photos_deletes_the_librarys_copies_so_they_never_come_back(tmp_path):
    import base64

    from dashapp.uploads import save_uploads

    data = tmp_path / "data"
    config = load_config(data)

    def upload(name: str) -> Path:
        url = "data:image/jpeg;base64," + base64.b64encode((PHOTOS / name).read_bytes()).decode()
        batch = save_uploads([(name, url)], config.uploads_dir).folder
        assert app("ingest", "--data-dir", str(data), "--no-cluster", str(batch)).returncode == 0
        return batch

    first = upload("obama_1.jpg")
    store = Store.open(config)
    assert store.folders.paths() == [str(config.uploads_dir)]  # every upload batch is the one uploads folder
    removed = app("folders", "--data-dir", str(data), "remove", str(config.uploads_dir), timeout=60)
    assert removed.stdout.startswith(f"Removed {config.uploads_dir} from the library: 1 photos, 1 faces. "
                                     "The library's copies of the uploaded photos are deleted.")
    assert not first.exists() and store.photos.all() == []
    second = upload("rose_1.jpg")
    assert app("ingest", "--data-dir", str(data), "--no-cluster").returncode == 0  # check every folder again
    assert [p.path for p in store.photos.all()] == [str(second / "rose_1.jpg")]  # the removed upload stays gone
    store.close()

def test_a_named_person_gets_their_faces_back_when_the_removed_folder_is_added_again(tmp_path):
    """The folder's photos leave the library and their faces with them; adding the folder again finds the faces anew
    and gives the named person theirs back (not to new groups beside an empty name)."""
    data = tmp_path / "data"
    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "obama_3.jpg", "rose_1.jpg"])
    assert app("ingest", "--data-dir", str(data), "--workers", "1", str(album)).returncode == 0
    store = Store.open(load_config(data))
    [obama] = [p.id for p in store.people.list() if p.n_faces == 3]
    assert app("people", "--data-dir", str(data), "name", str(obama), "Ann", timeout=60).returncode == 0
    removed = app("folders", "--data-dir", str(data), "remove", str(album), timeout=60)
    assert removed.stdout.strip() == (
        f"Removed {album} from the library: 4 photos, 4 faces. The files are untouched. Named people keep their names; "
        "adding the folder again gives them back their faces from it, and your moves and Ignored faces are as you "
        "left them.")
    assert store.people.get(obama).n_faces == 0
    assert app("ingest", "--data-dir", str(data), "--workers", "1", str(album)).returncode == 0
    listed = app("people", "--data-dir", str(data), timeout=60).stdout.splitlines()
    assert listed[1].split() == [str(obama), "3", "Ann"] and len(listed) == 2
    store.close()


def test_people_needs_an_existing_library(tmp_path):
    result = app("people", "--data-dir", str(tmp_path / "nothing"), timeout=60)
    assert result.returncode == 2 and "no library at" in result.stderr
    assert not (tmp_path / "nothing").exists()



def test_an_unusable_library_is_a_one_line_error(tmp_path):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "library.sqlite3").write_bytes(b"\x00garbage" * 1000)
    for command in (["people"], ["ingest", str(PHOTOS)]):
        result = app(*command, "--data-dir", str(damaged), timeout=60)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr[-2000:]
        assert result.stderr.startswith(f"error: {damaged / 'library.sqlite3'} cannot be opened as a library")
    assert (damaged / "library.sqlite3").read_bytes() == b"\x00garbage" * 1000
    assert sorted(p.name for p in damaged.iterdir()) == ["library.sqlite3"]  # no thumbs/ or numba-cache/ made
    result = app("ingest", "--data-dir", str(damaged / "library.sqlite3"), str(PHOTOS), timeout=60)
    assert (result.returncode, result.stderr) == (2, f"error: {damaged / 'library.sqlite3'} is a file: the library "
                                                     "needs a folder (--data-dir)\n")

def test_ingest_without_paths_checks_the_libraries_folders_and_a_folder_can_be_removed(tmp_path):
    data = tmp_path / "data"
    first = _album(tmp_path / "first", ["obama_1.jpg", "obama_2.jpg"])
    second = _album(tmp_path / "second", ["rose_1.jpg"])
    assert app("ingest", "--data-dir", str(data)).stderr.strip().startswith("error: no library at")
    Store.open(load_config(data)).close()
    assert "this library has no folders yet" in app("ingest", "--data-dir", str(data)).stderr
    assert app("ingest", "--data-dir", str(data), "--no-cluster", str(first), str(second)).returncode == 0
    listed = app("folders", "--data-dir", str(data), timeout=60).stdout.splitlines()
    assert listed[0].split() == ["photos", "faces", "errors", "last", "checked", "folder"]
    assert [line.split()[0] for line in listed[1:]] == ["2", "1"] and listed[2].endswith(str(second))

    shutil.copy(PHOTOS / "biden_1.jpg", first / "biden_1.jpg")  # new
    (first / "obama_2.jpg").unlink()  # deleted
    second.rename(tmp_path / "unplugged")  # not found: left alone
    checked = app("ingest", "--data-dir", str(data), "--no-cluster")
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert f"not found, skipped (its photos are kept): {second}" in checked.stdout
    assert "1 photo analysed (1 face)" in checked.stdout and "1 removed" in checked.stdout
    store = Store.open(load_config(data))
    paths = sorted(p.path for p in store.photos.all())
    assert paths == [str(first / "biden_1.jpg"), str(first / "obama_1.jpg"), str(second / "rose_1.jpg")]
    assert app("folders", "--data-dir", str(data), timeout=60).stdout.splitlines()[2].endswith(f"{second}  (not found)")

    thumbs = {f.thumb_path for f in store.faces.of_photo(store.photos.by_path(second / "rose_1.jpg").id)}
    removed = app("folders", "--data-dir", str(data), "remove", str(second), timeout=60)
    assert removed.stdout.startswith(f"Removed {second} from the library: 1 photos, 1 faces.")
    assert sorted(p.path for p in store.photos.all()) == paths[:2] and store.folders.paths() == [str(first)]
    assert thumbs and not any((data / t).exists() for t in thumbs)  # its face crops are gone too
    again = app("folders", "--data-dir", str(data), "remove", str(second), timeout=60)
    assert again.returncode == 2 and "is not one of the library's folders" in again.stderr
    store.close()


@pytest.mark.parametrize("command", [["cluster"], ["ingest", "--outdated"], ["find", str(PHOTOS / "rose_1.jpg")],
                                     ["find", "--person", "Ada"]])
def test_a_mistyped_data_dir_is_not_made_a_new_library(tmp_path, capsys, command):
    typo = tmp_path / "libary"
    assert main([command[0], "--data-dir", str(typo), *command[1:]]) == 2
    assert capsys.readouterr().err == f"error: no library at {typo}: add photos first (app.py ingest FOLDER)\n"
    assert not typo.exists()


def _interrupt_while_clustering(data: Path, album: Path) -> subprocess.CompletedProcess:
    """Ingest `album`, pressing Ctrl+C (SIGINT) once the ingest job says it is clustering."""
    store = Store.open(load_config(data))
    process = subprocess.Popen([sys.executable, "app.py", "ingest", "--data-dir", str(data), str(album)], cwd=REPO,
                               env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and process.poll() is None:
        jobs = store.jobs.latest("ingest")
        # Still running: the phase stays "project" after the job is done, and a signal to a process on its way out
        # interrupts nothing.
        if jobs and jobs[0].phase in ("cluster", "project") and jobs[0].status == "running":
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.02)
    out, err = process.communicate(timeout=120)
    store.close()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_during_a_search_says_the_library_is_unchanged(tmp_path, monkeypatch, capsys):
    """A search stopped keeps nothing (its folder is removed): "what was finished is kept" was not true of it."""
    import dashapp.find_command

    def stopped(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(dashapp.find_command, "find", stopped)  # Ctrl+C in the middle of the search
    Store.open(load_config(tmp_path / "data")).close()  # an empty library
    out = tmp_path / "search"
    assert main(["find", str(PHOTOS / "rose_1.jpg"), "--out", str(out), "--data-dir", str(tmp_path / "data")]) == 130
    assert capsys.readouterr().err.splitlines()[-1] == ("interrupted: the search was stopped and the library is "
                                                        "unchanged; run it again for its answer")
    assert not out.exists()


def test_ctrl_c_while_clustering_is_one_line_and_the_rerun_clusters(tmp_path):
    data = tmp_path / "data"
    album = _album(tmp_path / "album", ["obama_1.jpg", "obama_2.jpg", "rose_1.jpg", "rose_2.jpg"])
    stopped = _interrupt_while_clustering(data, album)
    assert stopped.returncode == 130, stopped.stderr[-2000:]
    assert stopped.stderr.splitlines()[-1] == ("interrupted: what was finished is kept; run the same command again "
                                               "to continue")
    assert "Traceback" not in stopped.stderr and "4 photos analysed" in stopped.stdout
    store = Store.open(load_config(data))
    assert store.runs.latest() is None and store.faces.count() == 4  # the faces are stored, never grouped

    rerun = app("ingest", "--data-dir", str(data), str(album))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert "4 unchanged" in rerun.stdout and "clustered 4 faces" in rerun.stdout
    assert store.runs.latest().n_faces == 4
    store.close()


def test_faces_added_without_clustering_are_clustered_by_the_next_ingest(tmp_path):
    data = tmp_path / "data"
    first = _album(tmp_path / "first", ["obama_1.jpg", "obama_2.jpg"])
    second = _album(tmp_path / "second", ["rose_1.jpg", "rose_2.jpg"])
    assert "clustered 2 faces" in app("ingest", "--data-dir", str(data), str(first)).stdout
    assert app("ingest", "--data-dir", str(data), "--no-cluster", str(second)).returncode == 0
    checked = app("ingest", "--data-dir", str(data))  # every folder again: nothing changed since
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert "4 unchanged" in checked.stdout and "clustered 4 faces" in checked.stdout
    again = app("ingest", "--data-dir", str(data))  # clustered now: nothing to do
    assert "4 unchanged" in again.stdout and "clustered" not in again.stdout


@contextlib.contextmanager
def _unwritable(folder: Path):
    """Make `folder` really unwritable, for root too (chattr +i), else skip the test where that cannot be done."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode:
        pytest.skip("cannot make a folder unwritable for root here (chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_library_in_a_folder_that_cannot_be_written_is_not_called_damaged(tmp_path, capsys):
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    build_library(store, n_faces=6, n_people=2)
    store.close()
    before = (data / "library.sqlite3").read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    with _unwritable(data), _unwritable(out):
        assert main(["people", "--data-dir", str(data)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: cannot write in the library's folder {data} (") and err.count("\n") == 1
        assert "the library is not damaged" in err and "Move it away" not in err
        assert main(["export", "--data-dir", str(tmp_path / "elsewhere"), str(out / "faces.csv")]) == 2  # no library
        shutil.copytree(data, tmp_path / "copy")
        assert main(["export", "--data-dir", str(tmp_path / "copy"), str(out / "faces.csv")]) == 2
        assert capsys.readouterr().err.endswith(f"error: cannot write in {out} (permissions)\n")
    assert (data / "library.sqlite3").read_bytes() == before and not any(out.iterdir())


def test_an_empty_data_dir_is_refused_not_taken_for_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a script's `--data-dir "$LIB"` with LIB unset
    for command in (["cluster", "--data-dir", ""], ["people", "--data-dir", " "]):
        with pytest.raises(SystemExit) as exit_:
            main(command)
        assert exit_.value.code == 2 and "empty folder name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no library made here


def test_verbose_works_after_the_command_too(tmp_path):
    """`-v` (tracebacks for developers) was "unrecognized arguments" anywhere but before the command."""
    Store.open(load_config(tmp_path / "data")).close()
    for argv in (["people", "-v", "name", "999", "Ada"], ["people", "name", "999", "Ada", "--verbose"]):
        with pytest.raises(ValueError, match="999"):  # the error itself, not its one-line message
            main([*argv, "--data-dir", str(tmp_path / "data")])
    assert main(["people", "name", "999", "Ada", "--data-dir", str(tmp_path / "data")]) == 2


def test_no_worker_processes_is_a_usage_error(tmp_path, capsys):
    """`ingest --workers 0` (or -3) was taken, as if a number of processes could be none."""
    for workers in ("0", "-3", "two"):
        with pytest.raises(SystemExit) as exit_:
            main(["ingest", "--workers", workers, "--data-dir", str(tmp_path / "data"), str(PHOTOS)])
        assert exit_.value.code == 2 and "--workers" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # refused before anything is made


def test_an_empty_photo_path_is_refused_not_taken_for_the_current_folder(tmp_path, monkeypatch, capsys):
    """`ingest "$ALBUM"` with ALBUM unset: Path("") is the current folder, which was added to the library with every
    photo under it."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    data = tmp_path / "data"
    photo = str(PHOTOS / "rose_1.jpg")
    for command in (["ingest", "--no-cluster", ""], ["find", " "], ["find", photo, "--also", ""],
                    ["find", photo, "--video", ""]):
        with pytest.raises(SystemExit) as exit_:
            main([*command, "--data-dir", str(data)])
        assert exit_.value.code == 2 and "an empty path: give a photo, video or folder" in capsys.readouterr().err
    assert not data.exists()  # no library made


def test_folders_remove_of_an_empty_path_is_refused_not_taken_for_the_current_folder(tmp_path, monkeypatch, capsys):
    """`folders remove "$DIR"` with DIR unset, run in an album folder, removed that folder and its faces."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    store.folders.add([str(here)])
    for path in ("", "  "):
        with pytest.raises(SystemExit) as exit_:
            main(["folders", "remove", path, "--data-dir", str(data)])
        assert exit_.value.code == 2 and "an empty path: give the folder, as `folders` lists it" in capsys.readouterr().err
    assert store.folders.paths() == [str(here)]
    store.close()


def test_the_data_dir_may_follow_the_people_or_folders_action(tmp_path, capsys):
    """`people list --data-dir X` was "unrecognized arguments" from the top-level parser, with its usage."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    ids = build_library(store, n_faces=6, n_people=2).person_ids
    assert main(["people", "list", "--data-dir", str(data)]) == 0
    assert f"Person {ids[0]}" in capsys.readouterr().out
    assert main(["people", "name", str(ids[0]), "Ada", "--data-dir", str(data)]) == 0
    assert main(["people", "--data-dir", str(data), "hide", str(ids[1])]) == 0  # before the action, as ever
    assert main(["folders", "list", "--data-dir", str(data)]) == 0
    assert main(["folders", "remove", "/not/there", "--data-dir", str(data)]) == 2
    assert "/not/there is not one of the library's folders" in capsys.readouterr().err
    assert (store.people.get(ids[0]).name, store.people.get(ids[1]).hidden) == ("Ada", True)
    store.close()


def test_a_library_file_that_cannot_be_written_is_a_one_line_error(tmp_path, capsys):
    """Its folder can be written, so the library opens and reads (SQLite reads a file it cannot write); the first
    write failed with SQLAlchemy's traceback and the SQL statement."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    ids = build_library(store, n_faces=6, n_people=2).person_ids
    store.close()
    db = data / "library.sqlite3"
    before = db.read_bytes()
    with _unwritable(db):
        assert main(["people", "--data-dir", str(data)]) == 0
        capsys.readouterr()
        for command in (["people", "--data-dir", str(data), "name", str(ids[0]), "Ada"],
                        ["cluster", "--no-project", "--data-dir", str(data)]):
            assert main(command) == 2
            err = capsys.readouterr().err
            assert err.startswith("error: the library cannot be written (a read-only drive, or its permissions)")
            assert err.count("\n") == 1
    assert db.read_bytes() == before


def test_a_missing_file_is_named_without_its_errno(tmp_path, capsys):
    missing = tmp_path / "pairs.csv"
    assert main(["eval", "verify", "--pairs", str(missing), "--images", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: No such file or directory: {missing}\n"  # not "[Errno 2] ... '...'"


def test_ingest_refuses_the_librarys_own_folder(tmp_path, capsys):
    """Its scan would skip what is inside (uploads, thumbnails) and sweep the uploaded photos out of the library."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    store.photos.upsert_pending(str(data / "uploads" / "a.jpg"), 100, 1, "sha-a")
    (data / "thumbs").mkdir()
    for path in (data, data / "thumbs"):
        assert main(["ingest", "--data-dir", str(data), str(path)]) == 2
        assert capsys.readouterr().err.startswith(f"error: {data} is this library's own folder")
    assert store.photos.counts() == {"pending": 1} and store.folders.paths() == []
    store.close()


def test_ingest_of_a_file_that_is_not_a_photo_is_an_error_and_adds_nothing(tmp_path, capsys):
    """`ingest notes.txt` kept the file as one "not a photo" in no folder of the library (the file, remembered as
    a folder, was forgotten for holding no photo): listed on the Library page for good, with no folder to remove it
    by. A single photo given as the path is still added, as a folder of its own."""
    data = tmp_path / "data"
    notes, clip = tmp_path / "notes.txt", tmp_path / "clip.mp4"
    notes.write_text("hello")
    clip.write_bytes(b"not really a video")
    assert main(["ingest", "--data-dir", str(data), str(notes)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {notes} is not a photo (") and err.endswith(" nor a folder: nothing was added.\n")
    assert not data.exists()  # refused before the library was opened (or made)
    store = Store.open(load_config(data))
    assert main(["ingest", "--data-dir", str(data), str(notes)]) == 2
    assert main(["ingest", "--data-dir", str(data), str(clip)]) == 2
    assert capsys.readouterr().err.endswith(f"error: {clip} is a video, and the library adds photos: nothing was "
                                            "added. To look for someone in a video, use Find a person "
                                            "(python app.py find --video).\n")
    assert store.photos.counts() == {} and store.folders.paths() == [] and not store.jobs.latest("ingest")
    photo = _album(tmp_path / "album", ["rose_1.jpg"]) / "rose_1.jpg"
    assert app("ingest", "--data-dir", str(data), "--no-cluster", "--workers", "1", str(photo)).returncode == 0
    assert store.photos.counts() == {"done": 1} and store.folders.paths() == [str(photo)]
    store.close()


def test_file_system_mistakes_are_one_line_errors(tmp_path, capsys):
    a_file = tmp_path / "afile"
    a_file.write_text("not a folder")
    photo = str(PHOTOS / "rose_1.jpg")
    assert main(["ingest", "--data-dir", str(a_file / "library"), photo]) == 2  # a file where a folder is needed
    assert capsys.readouterr().err == f"error: cannot make the library folder {a_file / 'library'}: Not a directory\n"
    data = tmp_path / "data"
    build_library(Store.open(load_config(data)), n_faces=6, n_people=2)
    assert main(["export", "--data-dir", str(data), str(a_file / "faces.csv")]) == 2
    assert capsys.readouterr().err == f"error: {a_file} is a file, not a folder: cannot write {a_file / 'faces.csv'}\n"
    assert main(["find", photo, "--data-dir", str(data), "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == f"error: --out {a_file} is a file: give a folder for the result (made if it is not there)\n"
    assert main(["find", str(PHOTOS), "--data-dir", str(data)]) == 2  # a folder where a photo is needed
    assert capsys.readouterr().err == f"error: {PHOTOS}: a folder, not a file (give a photo)\n"
    with pytest.raises(SystemExit) as usage:
        main(["serve", "--port", "99999"])
    assert usage.value.code == 2 and "a port is between 1 and 65535, not 99999" in capsys.readouterr().err
    assert a_file.read_text() == "not a folder"


def test_export_never_writes_over_a_file_that_is_not_an_earlier_export(tmp_path, capsys):
    """`export DATA/library.sqlite3` replaced the library with a CSV, and `export photo.jpg` a photo."""
    data = tmp_path / "data"
    build_library(Store.open(load_config(data)), n_faces=6, n_people=2)
    photo = tmp_path / "photo.jpg"
    Image.new("RGB", (8, 8)).save(photo)
    kept = photo.read_bytes()
    for target in (data / "library.sqlite3", photo):
        assert main(["export", "--data-dir", str(data), str(target)]) == 2
        assert capsys.readouterr().err == (f"error: {target} is there and is not a face export: it is kept; "
                                           "give the name of a new file (or of an earlier export)\n")
    assert photo.read_bytes() == kept
    assert main(["people", "list", "--data-dir", str(data)]) == 0  # the library opens as before
    assert "Person" in capsys.readouterr().out
    earlier = tmp_path / "faces.csv"
    assert main(["export", "--data-dir", str(data), str(earlier)]) == 0
    earlier.write_text(earlier.read_text().splitlines()[0] + "\n")  # an earlier, shorter export is written over
    assert main(["export", "--data-dir", str(data), str(earlier)]) == 0
    assert len(earlier.read_text().splitlines()) == 7


def test_serve_options_without_the_command_serve(capsys):
    """`app.py` alone is `app.py serve`, so `app.py --port N` is too (it was "invalid choice" for the port's value)."""
    for argv in (["--port", "99999"], ["-v", "--data-dir", "/tmp/lib", "--port", "99999"]):
        with pytest.raises(SystemExit) as usage:
            main(argv)
        assert usage.value.code == 2 and "a port is between 1 and 65535, not 99999" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["--bogus"])
    assert usage.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err


def test_serve_on_a_port_in_use_is_a_one_line_error_before_anything_is_made(tmp_path):
    data = tmp_path / "library"
    with socket.socket() as taken:  # another program listening on the port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = app("serve", "--port", str(port), "--data-dir", str(data), timeout=60)
    assert (result.returncode, result.stdout) == (2, "")  # no "running on http://..." before it fails
    assert result.stderr == (f"error: port {port} is already in use (another program, or Face Album already running): "
                             "stop it, or serve on another port with --port\n")
    assert not data.exists()  # refused before the library was opened (or made)


def test_serve_says_once_where_it_is_and_which_library_it_shows(tmp_path):
    """One line: the URL and the library. (Dash's "Dash is running on" was printed twice beside ours, and Flask's and
    Werkzeug's banners and a line per request, the navbar polls every 2.5 s, scrolled it out of sight.)"""
    import urllib.request

    data = tmp_path / "library"
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen([sys.executable, "app.py", "serve", "--port", str(port), "--data-dir", str(data)],
                              cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline()
        assert first == f"Face Album is running on http://127.0.0.1:{port}/ with the library {data} (Ctrl+C stops it)\n"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:  # already serving there
            assert page.status == 200
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert out == ""
    assert "running on" not in err.lower() and "GET /" not in err and "Serving Flask" not in err, err


def test_a_failed_search_leaves_no_folder_behind(tmp_path, capsys):
    data = tmp_path / "data"
    config = load_config(data)
    build_library(Store.open(config), n_faces=6, n_people=2)
    assert main(["find", "--person", "Nobody Known", "--data-dir", str(data)]) == 2
    assert "no person 'Nobody Known'" in capsys.readouterr().err
    assert not config.finds_dir.exists() or not any(config.finds_dir.iterdir())


def test_the_people_found_by_an_ingest_or_a_clustering_count_the_hidden_ones_apart(tmp_path, capsys):
    """A hidden group is not on the People page: the summaries (the Library page shows the ingest's) count it apart
    from the people and groups found."""
    data = tmp_path / "data"
    store = Store.open(load_config(data))
    people = build_library(store, n_faces=30, faces_per_photo=3, n_people=4).person_ids
    store.people.set_hidden(people[0], True)
    store.runs.start({}, "synthetic")  # a clustering that never ended: the next ingest groups the faces again
    (tmp_path / "empty").mkdir()
    assert main(["ingest", "--data-dir", str(data), str(tmp_path / "empty")]) == 0
    assert "clustered 30 faces: 3 people/groups, 1 hidden, 0 unsorted\n" in capsys.readouterr().out
    [job] = store.jobs.latest("ingest", limit=1)
    # Timed apart from the files' "in … s": the Library page shows it beside the whole job's time.
    assert re.search(r"; 3 people/groups, 1 hidden, 0 unsorted faces \(grouped and mapped in \d+\.\d s\)$", job.message)
    assert main(["cluster", "--data-dir", str(data), "--no-project"]) == 0
    assert capsys.readouterr().out.startswith("30 faces: 3 people/groups, 1 hidden, 0 unsorted, ")
    store.close()


def test_folders_counts_photos_from_folders_the_library_does_not_remember(tmp_path, capsys):
    data = tmp_path / "data"
    build_library(Store.open(load_config(data)), n_faces=30, faces_per_photo=3, n_people=2)  # no folders remembered
    assert main(["folders", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out == ("10 photos came from folders added before the library remembered folders: add "
                                       "those folders again (python app.py ingest FOLDER) to list them here\n")


def test_eval_cluster_refuses_a_truth_file_that_names_none_of_the_images(tmp_path, capsys):
    album = _album(tmp_path / "album", ["rose_1.jpg", "rose_2.jpg"])
    truth = tmp_path / "identity.txt"
    truth.write_text("000001.jpg 1\n000002.jpg 2\n")
    assert main(["eval", "cluster", "--images", str(album), "--truth", str(truth), "--library", str(tmp_path / "lib")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {truth} labels none of the images in {album}") and err.count("\n") == 1
    assert not (tmp_path / "lib").exists()  # refused before any ingest


@pytest.mark.parametrize("header", ["image identity\n", ""])
def test_identity_files_keep_their_first_row_and_skip_only_a_header(tmp_path, header):
    from dashapp.commands import read_identities
    from model.labels import read_identity_file

    path = tmp_path / "identity.txt"
    path.write_text(header + "rose_1.jpg rose\n\nrose_2.jpg rose\nobama_1.jpg obama\n")
    expected = {"rose_1.jpg": "rose", "rose_2.jpg": "rose", "obama_1.jpg": "obama"}
    assert read_identities(path) == read_identity_file(path) == expected
    path.write_text(header + "rose_1.jpg rose\nobama_1.jpg\n")
    with pytest.raises(ValueError, match=f"identity.txt:{2 + bool(header)}: expected 'file identity'"):
        read_identities(path)


@pytest.mark.parametrize("command", [["people"], ["export", "-"]])
def test_output_to_a_reader_that_stopped_ends_quietly(tmp_path, command):
    """`app.py people | head -3`, `app.py export - | head`: the reader leaves before the output ends. The command stops
    without a traceback, as Unix tools do (it printed 'BrokenPipeError' and 20 lines of traceback)."""
    data = tmp_path / "data"
    build_library(Store.open(load_config(data)), n_faces=30, n_people=4)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the command writes anything: every write fails
    try:
        done = subprocess.run([sys.executable, "app.py", *command, "--data-dir", str(data)], cwd=REPO, env=ENV,
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 1


def test_every_option_and_argument_says_what_it_is():
    """`app.py COMMAND --help` is the reference of each command: no option or argument is listed bare (`train
    --output` was, and its default replaces the shipped model)."""
    import argparse

    from app import build_parser

    def parsers(parser: argparse.ArgumentParser, name: str):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    yield from parsers(sub, f"{name} {sub_name}")

    bare = [f"{name}: {action.option_strings or action.dest}" for name, parser in parsers(build_parser(), "app.py")
            for action in parser._actions
            if not isinstance(action, argparse._SubParsersAction) and not action.help]
    assert bare == []
