"""The library store: schema, migrations, the atomic photo write, and every user action."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import update

from dashapp.config import load_config, resolve_data_dir
from dashapp.folders import remove_folder
from dashapp.jobs import (
    DISK_FULL, IngestBusy, JobReporter, failure_message, ingest_lock, ingest_running, is_disk_full, refresh_stale,
)
from dashapp.store import ClusterWrite, NewFace, Store
from dashapp.store.engine import LibraryUnusable, schema_version
from dashapp.store.jobs import phase_eta
from dashapp.store.schema import SCHEMA_VERSION
from dashapp.store.schema import jobs as jobs_table  # a job's start set back in time
from dashapp.store.ui_queries import UIQueries


def _face(seed: int, box=(10.0, 10.0, 50.0, 60.0)) -> NewFace:
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=128).astype(np.float32)
    return NewFace(box, 0.99, rng.random((5, 2)), emb / np.linalg.norm(emb), rng.random(40), f"thumbs/{seed}.jpg")


@pytest.fixture()
def store(tmp_path):
    s = Store.open(load_config(tmp_path / "lib"))
    yield s
    s.close()


def _photo(store: Store, name: str, n_faces: int, seed: int = 0) -> tuple[int, list[int]]:
    pid = store.photos.upsert_pending(f"/album/{name}", 100, 1, f"sha-{name}")
    boxes = [(10.0 + 100 * i, 10.0, 50.0, 60.0) for i in range(n_faces)]
    ids = store.photos.save_analysis(pid, [_face(seed + i, b) for i, b in enumerate(boxes)], 640, 480, "v1")
    return pid, ids


def _cluster(store: Store, assigned, suggestions=(), merges=()) -> dict[int, int]:
    run = store.runs.start({}, "v1")
    write = ClusterWrite(list(assigned), list(suggestions), list(merges), kept=store.assignments.kept_people())
    mapping = store.assignments.apply(run, write)
    store.runs.finish(run, "done", n_faces=0, n_people=0, n_unsorted=0, seconds=0.0)
    return mapping


def test_data_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.setenv("FACEALBUM_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir() == (tmp_path / "env").resolve()
    assert resolve_data_dir(tmp_path / "arg") == (tmp_path / "arg").resolve()
    monkeypatch.delenv("FACEALBUM_DATA_DIR")
    assert resolve_data_dir().name == "facealbum"
    config = load_config(tmp_path / "lib")
    assert config.data_dir.is_dir() and os.environ["NUMBA_CACHE_DIR"]
    # Its folders inside are made by what writes there (ingest, numba), not by opening it.
    assert list(config.data_dir.iterdir()) == []


def test_new_database_is_migrated_in_wal_mode(store, tmp_path):
    with store.engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
    raw = sqlite3.connect(tmp_path / "lib" / "library.sqlite3")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # Opening again is a no-op migration.
    again = Store.open(load_config(tmp_path / "lib"))
    assert again.photos.counts() == {}


def test_a_new_library_says_where_it_is_made_not_each_schema_step(tmp_path, caplog):
    """A new user's first command printed "library schema migrated to version N" once per version."""
    caplog.set_level("INFO", logger="dashapp.store.engine")
    config = load_config(tmp_path / "lib")
    Store.open(config).close()
    assert caplog.messages == [f"made a new library at {config.db_path}"]
    caplog.clear()
    Store.open(config).close()  # opening it again: nothing to say
    assert caplog.messages == []


def _open_at_once(data_dir: Path, barrier, results) -> None:
    """A process that opens (creates) the library at `data_dir` together with the others at the barrier."""
    barrier.wait()
    try:
        Store.open(load_config(data_dir)).close()
        results.put("ok")
    except Exception as exc:  # reported to the test, which shows it
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_a_new_library_at_once_all_open_it(tmp_path):
    # The server and an ingest (or two ingests) started together on a new library: each creates and migrates it;
    # none may fail with "database is locked" (the second ingest must get the clear "already running" instead).
    context = multiprocessing.get_context("fork")
    failures = []
    for attempt in range(10):
        barrier, results = context.Barrier(3), context.Queue()
        processes = [context.Process(target=_open_at_once, args=(tmp_path / f"lib{attempt}", barrier, results))
                     for _ in range(3)]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join()
        failures += [o for o in outcomes if o != "ok"]
    assert failures == []
    with Store.open(load_config(tmp_path / "lib0")).engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION


def test_a_version_1_library_is_migrated_and_keeps_its_photos(tmp_path):
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    pid, face_ids = _photo(store, "a.jpg", 2)
    store.close()
    raw = sqlite3.connect(config.db_path)  # back to version 1's tables: photos without `taken`, no undo history
    raw.executescript(
        "DROP INDEX ix_photos_taken; ALTER TABLE photos DROP COLUMN taken; DROP TABLE undo_steps; DROP TABLE folders;"
        "ALTER TABLE jobs DROP COLUMN phase_since; ALTER TABLE jobs DROP COLUMN phase_since_done;"
        "DROP TABLE removed_decisions; UPDATE meta SET value = '1' WHERE key = 'schema_version';"
    )
    raw.close()
    store = Store.open(config)
    with store.engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION == 7
    photo = store.photos.get(pid)
    assert photo.status == "done" and photo.taken is None  # not read yet: the next ingest reads it
    assert [f.id for f in store.faces.of_photo(pid)] == face_ids
    store.people.move_faces(face_ids[:1], store.people.create("Ada"))  # the undo history works
    assert store.people.undo().label == "move of 1 face to “Ada”"
    job = store.jobs.create("ingest", {"paths": ["/album"]})
    store.jobs.progress(job, phase="analyze", done=4, total=10)  # jobs measure their phase's pace
    assert store.jobs.get(job).phase_since_done == 4
    store.close()


def test_a_version_3_library_remembers_the_folders_of_its_past_ingests(tmp_path):
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    uploads = str(config.uploads_dir)
    for paths in (["/photos/2024", "/photos/2025"], ["/photos"], ["/photos/2025/june"], ["relative/folder"],
                  [f"{uploads}/20261201-101010-abc123"], [f"{uploads}/20261202-101010-def456"]):
        job = store.jobs.create("ingest", {"paths": paths, "outdated": False})
        store.jobs.finish(job, "cancelled" if paths == ["/photos"] else "done")
    store.jobs.create("ingest", {"paths": [], "outdated": True})
    store.close()
    raw = sqlite3.connect(config.db_path)
    raw.executescript("DROP TABLE folders; UPDATE meta SET value = '3' WHERE key = 'schema_version';")
    raw.close()
    store = Store.open(config)
    # The outermost absolute paths (a relative one cannot be placed); every upload is the one uploads folder.
    assert store.folders.paths() == ["/photos", uploads]
    # Checked when an ingest of that very folder last finished: "/photos" never did (cancelled), the uploads did.
    assert [f.scanned_at is not None for f in store.folders.list()] == [False, True]
    store.close()


def test_folders_never_nest_and_remember_when_they_were_checked(store):
    store.folders.add(["/photos/2024", "/photos/2025"])
    store.folders.add(["/photos/2024/june", "/photos/2024"])  # inside, or known: nothing changes
    assert store.folders.paths() == ["/photos/2024", "/photos/2025"]
    assert [f.scanned_at for f in store.folders.list()] == [None, None]
    store.folders.mark_scanned(["/photos/2025"])
    assert [f.scanned_at is not None for f in store.folders.list()] == [False, True]
    store.folders.add(["/photos", "/photos-b"])  # around them: replaces them
    assert store.folders.paths() == ["/photos", "/photos-b"]


def test_removing_a_folder_removes_its_photos_only_and_keeps_named_people(store):
    def photo(path: str, seed: int) -> list[int]:
        pid = store.photos.upsert_pending(path, 100, 1, f"sha-{path}")
        return store.photos.save_analysis(pid, [_face(seed)], 640, 480, "v1")

    store.folders.add(["/a", "/a_b", "/c"])
    a1, a2 = photo("/a/1.jpg", 1), photo("/a/sub/2.jpg", 2)
    ab, c = photo("/a_b/3.jpg", 3), photo("/c/4.jpg", 4)  # "/a_b" shares a prefix with "/a", not a folder
    store.photos.save_error("/a/bad.jpg", 5, 1, "decode", "truncated", "image file is truncated")
    store.photos.save_error("/a/clip.mp4", 5, 1, "stat", "unsupported", "'.mp4' is not a photo file type")
    ada = store.people.create("Ada")
    store.people.move_faces(a1 + c, ada)
    mapping = _cluster(store, [(a2[0], -1, 0.1), (ab[0], -1, 0.1)])  # one unnamed group, half in /a
    [group] = set(mapping.values())
    store.folders.mark_scanned(["/a"])
    [folder_a] = [f for f in store.folders.list() if f.path == "/a"]
    assert (folder_a.n_photos, folder_a.n_faces, folder_a.n_errors) == (2, 2, 1)

    assert store.folders.remove("/a") == (3, 2)  # two photos and an unreadable one; the video is no photo
    assert store.folders.paths() == ["/a_b", "/c"]
    assert sorted(p.path for p in store.photos.all()) == ["/a_b/3.jpg", "/c/4.jpg"]  # every file of /a is gone
    assert store.people.get(ada).n_faces == 1 and store.people.get(group).n_faces == 1
    assert store.folders.remove("/c") == (1, 1)
    assert store.people.get(ada).name == "Ada" and store.people.get(ada).n_faces == 0  # named people stay
    with pytest.raises(KeyError):
        store.folders.remove("/a")
    store.folders.remove("/a_b")
    assert store.people.get(group) is None  # an unnamed group left with no faces goes


def test_no_ingest_starts_while_a_removed_folders_thumbnails_are_deleted(store, monkeypatch):
    # The removal then deletes every thumbnail no face refers to, which takes seconds for a large folder: an ingest
    # that started meanwhile lost the thumbnails it had just written, before their faces (broken faces for good).
    import dashapp.folders
    from dashapp.ingest import remove_orphan_thumbnails

    config = load_config(store.data_dir)
    store.folders.add(["/album"])
    _photo(store, "1.jpg", 1)
    second_ingest = []

    def sweep(*args) -> None:
        """The sweep, with another process trying to start an ingest as it begins (as `app.py ingest` does)."""
        tried = subprocess.run(
            [sys.executable, "-c", "import sys\nfrom dashapp.config import load_config\n"
             "from dashapp.jobs import IngestBusy, ingest_lock\ntry:\n    with ingest_lock(load_config(sys.argv[1])):\n"
             "        print('started')\nexcept IngestBusy:\n    print('refused')", str(config.data_dir)],
            cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True, check=True)
        second_ingest.append(tried.stdout.strip())
        remove_orphan_thumbnails(*args)

    monkeypatch.setattr(dashapp.folders, "remove_orphan_thumbnails", sweep)
    assert remove_folder(config, store, "/album") == (1, 1)
    assert second_ingest == ["refused"]


def test_newer_schema_is_refused(tmp_path):
    config = load_config(tmp_path / "lib")
    Store.open(config).close()
    raw = sqlite3.connect(config.db_path)
    raw.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    raw.commit()
    with pytest.raises(LibraryUnusable, match="newer"):
        Store.open(config)


def test_a_damaged_or_foreign_database_is_refused_and_left_as_it_was(tmp_path):
    config = load_config(tmp_path / "damaged")
    config.db_path.write_bytes(b"not a database at all " * 100)
    with pytest.raises(LibraryUnusable, match="cannot be opened as a library .*file is not a database"):
        Store.open(config)
    assert config.db_path.read_bytes() == b"not a database at all " * 100
    other = load_config(tmp_path / "other")
    raw = sqlite3.connect(other.db_path)
    raw.execute("CREATE TABLE notes (text TEXT)")
    raw.commit()
    with pytest.raises(LibraryUnusable, match="a database of another program"):
        Store.open(other)
    assert [r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]
    raw.close()


def _unusable_libraries(tmp_path: Path) -> list[Path]:
    """Library folders holding only a `library.sqlite3` this program must refuse: damaged, another program's,
    and one made by a newer version."""
    made = load_config(tmp_path / "made")
    Store.open(made).close()
    raw = sqlite3.connect(made.db_path)
    raw.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    folders = [tmp_path / name for name in ("damaged", "foreign", "newer")]
    for folder in folders:
        folder.mkdir()
    (folders[0] / "library.sqlite3").write_bytes(b"not a database at all " * 100)
    raw = sqlite3.connect(folders[1] / "library.sqlite3")
    raw.execute("CREATE TABLE notes (text TEXT)")
    raw.commit()
    raw.close()
    (folders[2] / "library.sqlite3").write_bytes(made.db_path.read_bytes())
    return folders


def test_an_unusable_library_is_refused_before_anything_is_made_in_its_folder(tmp_path):
    from dashapp.ui_context import use_library

    for folder in _unusable_libraries(tmp_path):
        before = (folder / "library.sqlite3").read_bytes()
        # As ingest opens it (load_config, then the store) and as the dashboard does (use_library).
        for open_library in (lambda f: Store.open(load_config(f)), use_library):
            with pytest.raises(LibraryUnusable, match="nothing was changed"):
                open_library(folder)
            # "nothing was changed" is true: no thumbs/, numba-cache/ or WAL files were left beside it.
            assert sorted(p.name for p in folder.iterdir()) == ["library.sqlite3"], folder
            assert (folder / "library.sqlite3").read_bytes() == before


def test_save_analysis_replaces_instead_of_duplicating(store):
    pid, first = _photo(store, "a.jpg", 2)
    store.faces.set_map_coords(first, np.array([[1.0, 2.0], [3.0, 4.0]]))
    # The same photo analysed again (a retry, or a new model version) keeps face ids by position.
    again = store.photos.save_analysis(pid, [_face(7, (11.0, 10.0, 50.0, 60.0)), _face(8, (110.0, 10.0, 50.0, 60.0))], 640, 480, "v2")
    assert again == first
    assert store.faces.count() == 2
    assert store.faces.get(first[0]).model_version == "v2"
    assert np.isnan(store.faces.matrix().map_xy).all()  # new embeddings: their map places are made again
    # A face no longer found disappears; a new one gets a new id.
    third = store.photos.save_analysis(pid, [_face(9, (400.0, 300.0, 40.0, 40.0))], 640, 480, "v2")
    assert third[0] not in first and store.faces.count() == 1


def test_a_changed_file_keeps_the_faces_found_again_not_someone_else_at_their_place(store):
    """A photo edited in place (new content, same faces) keeps its face ids, so names and manual moves stay; a face
    of the same model found at a face's place but far from it is someone else (another photo under the old name)."""
    pid, (kept, replaced) = _photo(store, "a.jpg", 2)
    person = store.people.move_faces_to_name([kept, replaced], "Ada")
    assert store.photos.upsert_pending("/album/a.jpg", 200, 2, "sha-a-edited") == pid
    assert store.people.face_ids(person) == [kept, replaced]  # until its analysis is saved
    same = _face(0, (11.0, 10.0, 50.0, 60.0))  # the first face again, as a re-save moves it a little
    stranger = _face(99, (110.0, 10.0, 50.0, 60.0))
    again = store.photos.save_analysis(pid, [same, stranger], 640, 480, "v1")
    assert again[0] == kept and again[1] != replaced
    assert store.people.face_ids(person) == [kept]


def test_vectors_round_trip(store):
    _, ids = _photo(store, "a.jpg", 1, seed=3)
    face = store.faces.get(ids[0])
    expected = _face(3)
    np.testing.assert_allclose(face.embedding, expected.embedding, rtol=1e-6)
    assert face.landmarks.shape == (5, 2) and face.attributes.shape == (40,)
    matrix = store.faces.matrix()
    assert matrix.embeddings.shape == (1, 128) and matrix.ids.tolist() == ids


def test_rename_with_existing_name_merges(store):
    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -2, 0.1)])
    ada = store.people.rename(groups[-1], "Ada Lovelace")
    assert store.people.get(ada).name == "Ada Lovelace"
    # Same name, other case and spacing: merge into Ada.
    assert store.people.rename(groups[-2], "  ada   lovelace ") == ada
    assert store.people.get(groups[-2]) is None
    assert sorted(store.people.face_ids(ada)) == sorted(a + b)
    assert len(store.people.list()) == 1


NFC, NFD = unicodedata.normalize("NFC", "Zoé"), unicodedata.normalize("NFD", "Zoé")


def test_names_that_differ_only_in_their_unicode_form_are_one_name(store):
    """"Zoé" with its accent as one character (NFC) or as e + U+0301 (NFD, as macOS keyboards give it) looks the
    same and is one name: stored as NFC, found by either form, searched by either form; full-width letters too."""
    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -2, 0.1)])
    assert NFC != NFD
    zoe = store.people.rename(groups[-1], NFD)
    assert store.people.get(zoe).name == NFC
    assert store.people.by_name(NFC).id == store.people.by_name("ZOÉ").id == zoe
    assert store.people.rename(groups[-2], NFC) == zoe  # the same name: a merge, not a second Zoé
    assert len(store.people.list(named_only=True)) == 1 and store.people.get(groups[-2]) is None
    queries = UIQueries(store.engine)
    assert queries.person_by_name(NFD)["id"] == zoe
    for search in (NFC, NFD, unicodedata.normalize("NFD", "oé"), "ＺＯＥ\u0301"):  # the last one full-width
        assert [p["id"] for p in queries.people_page(0, 10, search=search)[2]] == [zoe], search
    assert store.people.move_faces_to_name([b[0]], "zoe\u0301") == zoe


def test_a_name_that_reads_as_another_groups_placeholder_is_refused(tmp_path):
    """"Person 3" is how group 3 is shown while it has no name: given to group 4, the pages would show two
    "Person 3" (a chart's column hiding the other's). The name is refused, and nothing changes."""
    store = Store.open(load_config(tmp_path / "lib"))
    _, faces_ = _photo(store, "a.jpg", 2)
    groups = _cluster(store, [(faces_[0], -1, 0.1), (faces_[1], -2, 0.1)])
    for name in ("Person 3", "  person   12 ", "PERSON 1"):
        with pytest.raises(ValueError, match="is how a group without a name is called"):
            store.people.rename(groups[-2], name)
        with pytest.raises(ValueError, match="is how a group without a name is called"):
            store.people.move_faces_to_name([faces_[0]], name)
    assert store.people.get(groups[-2]).name is None and store.people.get(groups[-1]).n_faces == 1
    store.people.rename(groups[-2], "Person of interest 3")  # only the placeholder's exact form
    store.close()


def test_a_name_that_reads_as_unsorted_or_ignored_or_as_nothing_is_refused(tmp_path):
    """A person named "Unsorted" or "Ignored" is shown as the faces of no one or set aside are (the Map's legend,
    a photo's boxes, "sorted meanwhile elsewhere: Unsorted"); a name of invisible characters alone shows as
    nothing. Each is refused, and nothing changes; control characters and direction overrides inside a name are
    dropped."""
    store = Store.open(load_config(tmp_path / "lib"))
    _, faces_ = _photo(store, "a.jpg", 2)
    groups = _cluster(store, [(faces_[0], -1, 0.1), (faces_[1], -2, 0.1)])
    for name, says in (("Unsorted", "is how faces"), (" ignored ", "is how faces"), ("\u200b\u200b", "nothing to see"),
                       ("\u202e\u200f\x01", "nothing to see")):
        with pytest.raises(ValueError, match=says):
            store.people.rename(groups[-2], name)
        with pytest.raises(ValueError, match=says):
            store.people.move_faces_to_name([faces_[0]], name)
    assert store.people.get(groups[-2]).name is None and store.people.get(groups[-1]).n_faces == 1
    assert store.people.get(store.people.rename(groups[-2], "Ann\x00\x07 Lee\x1b")).name == "Ann Lee"
    # A direction override left open turned round what follows the name on its line: dropped; a mark stays.
    assert store.people.get(store.people.rename(groups[-2], "\u202eAnn Lee\u2067")).name == "Ann Lee"
    assert store.people.get(store.people.rename(groups[-2], "\u05d3\u05e0\u05d4\u200f")).name == "\u05d3\u05e0\u05d4\u200f"
    store.people.rename(groups[-1], "Unsorted photos of Bob")  # only the label's exact form
    store.close()


def test_a_search_finds_a_name_whatever_its_case_and_accents(store):
    """Searching sets case and accents aside ("zoe" finds "Zoé", "soren" "Søren"), word by word in any order,
    while names still clash only as written: "Zoe" is another name than "Zoé"."""
    _, faces = _photo(store, "a.jpg", 4, 0)
    groups = _cluster(store, [(f, -1 - i, 0.1) for i, f in enumerate(faces)])
    zoe = store.people.rename(groups[-1], "Zoé Ångström")
    soren = store.people.rename(groups[-2], "Søren Straße")
    queries = UIQueries(store.engine)

    def found(search: str) -> list[int]:
        return [p["id"] for p in queries.people_page(0, 10, search=search)[2]]

    for search in ("zoe", "ZOE", "Zoë", "angstrom", "ANGSTRÖM zoe", "zoe\u0301", "ｚｏｅ"):
        assert found(search) == [zoe], search
    for search in ("soren", "SØREN", "strasse", "Straße"):
        assert found(search) == [soren], search
    assert found("zoe soren") == [] and found("zoey") == []
    assert found(f"Person {groups[-3]}") == [groups[-3]]  # a group is still found by its number
    other = store.people.rename(groups[-3], "Zoe Ångström")  # another name, not a clash
    assert other != zoe and sorted(found("zoe")) == sorted([zoe, other])
    assert [p.id for p in store.people.named_alike("zoe angstrom")] == sorted([zoe, other])
    assert [p.id for p in store.people.named_alike("SOREN  STRASSE")] == [soren]
    assert store.people.named_alike("soren") == [] and store.people.named_alike("") == []


def test_people_are_listed_by_name_with_accented_names_among_the_others(store):
    """"Émile" comes among the E's (the CLI's list, every dropdown of people), not after "Zoé"; the unnamed groups
    last."""
    _, faces = _photo(store, "a.jpg", 6, 0)
    groups = _cluster(store, [(f, -1 - i, 0.1) for i, f in enumerate(faces)])
    for i, name in enumerate(["Zoé", "Émile", "ada", "Eve", "Øyvind"]):
        store.people.rename(groups[-1 - i], name)
    expected = ["ada", "Émile", "Eve", "Øyvind", "Zoé", None]
    assert [p.name for p in store.people.list()] == expected
    assert [p["name"] for p in UIQueries(store.engine).people_options()] == expected


def _faces_in(store: Store, path: str) -> list[int]:
    return [f.id for f in store.faces.of_photo(store.photos.by_path(path).id)]


def _decided(store: Store, face_ids: list[int]) -> list[tuple[int | None, str] | None]:
    current = {a.face_id: (a.person_id, a.source) for a in store.assignments.all()}
    return [current.get(f) for f in face_ids]


def test_a_removed_folders_decisions_come_back_with_the_same_content_and_only_then(store):
    """Removing a folder remembers what the user decided about its faces by the photo's content and the face's box; a
    photo of that content stored again (analysed or copied) gets it back, once, at the faces found at those boxes."""
    store.folders.add(["/album"])
    _, a = _photo(store, "x.jpg", 4)  # /album/x.jpg, content sha-x.jpg
    ada = store.people.create("Ada")
    gone = store.people.create("Gone")
    store.people.move_faces([a[0]], ada)
    store.people.move_faces([a[1]], None)  # by hand to Unsorted
    store.people.ignore_faces([a[2]])
    store.people.move_faces([a[3]], gone)
    _, other = _photo(store, "y.jpg", 1, seed=9)
    _cluster(store, [(other[0], -1, 0.2)])  # a group with no name, not kept: nothing to remember
    before = _decided(store, a)
    store.folders.remove("/album")
    assert store.people.get(ada).n_faces == 0
    store.people.merge([gone], ada)  # "Gone" is no more: their face is grouped as any other

    again = store.photos.upsert_pending("/b/x.jpg", 100, 1, "sha-x.jpg")  # the same bytes, elsewhere
    boxes = [(10.0 + 100 * i, 12.0, 50.0, 58.0) for i in (3, 2, 1, 0)]  # found a little apart, in another order
    found = store.photos.save_analysis(again, [_face(20 + i, b) for i, b in enumerate(boxes)], 640, 480, "v2")
    assert _decided(store, found[::-1]) == [*before[:3], None]
    assert store.people.get(ada).n_faces == 1
    store.photos.save_analysis(again, [_face(20 + i, b) for i, b in enumerate(boxes)], 640, 480, "v2")
    assert _decided(store, found[::-1]) == [*before[:3], None]  # a rerun keeps them, none twice
    store.photos.delete([again])  # gone otherwise (not removed with a folder): nothing remembered
    store.photos.save_analysis(store.photos.upsert_pending("/b/x2.jpg", 100, 1, "sha-x.jpg"), [_face(1)], 9, 9, "v2")
    assert _decided(store, _faces_in(store, "/b/x2.jpg")) == [None]
    _, other = _photo(store, "y.jpg", 1, seed=9)
    assert _decided(store, other) == [None]  # grouped anew


def test_a_photo_that_could_not_be_read_for_a_while_gets_its_decisions_back(store):
    """A photo whose file could not be read (permissions, a cloud drive's placeholder) loses its faces meanwhile;
    read again with the same content, its faces get back what the user decided about them."""
    _, a = _photo(store, "x.jpg", 2)
    ada = store.people.create("Ada")
    store.people.move_faces([a[0]], ada)
    store.people.move_faces([a[1]], None)  # by hand to Unsorted
    before = _decided(store, a)
    store.photos.save_error("/album/x.jpg", 100, 2, "read", "unreadable", "cannot read: denied")
    assert store.faces.of_photo(store.photos.by_path("/album/x.jpg").id) == []
    again = store.photos.upsert_pending("/album/x.jpg", 100, 3, "sha-x.jpg")
    boxes = [(10.0 + 100 * i, 10.0, 50.0, 60.0) for i in range(2)]
    found = store.photos.save_analysis(again, [_face(i, b) for i, b in enumerate(boxes)], 640, 480, "v1")
    assert _decided(store, found) == before


def test_a_hand_edited_group_that_left_with_its_folder_comes_back_under_its_id(store):
    """A group with no name goes when it has no faces left, but one the user edited (a face moved into it) and that was
    all in the removed folder comes back with its faces, under its id; merged away after, it is gone for good."""
    store.folders.add(["/album"])
    faces_ = [_photo(store, f"{k}.jpg", 1, seed=k)[1][0] for k in range(3)]
    [group] = _cluster(store, [(f, -1, 0.1) for f in faces_]).values()
    store.people.move_faces([faces_[0]], group)  # by hand: kept by clustering from now on
    store.folders.remove("/album")
    assert store.people.get(group) is None
    back = _photo(store, "0.jpg", 1, seed=0)[1] + _photo(store, "1.jpg", 1, seed=1)[1]
    assert _decided(store, back) == [(group, "manual"), (group, "cluster")] and store.people.get(group).name is None
    store.people.merge([group], store.people.create("Ada"))
    assert _decided(store, _photo(store, "2.jpg", 1, seed=2)[1]) == [None]


def test_a_removed_photo_copied_back_from_a_duplicate_gets_its_own_decisions(store):
    """A photo removed while a copy of it stays in the library comes back as a copy of that one (no model work): the
    copy's decisions come along, and where it has none, those of the removed photo come back."""
    store.folders.add(["/album", "/b"])
    _, a = _photo(store, "x.jpg", 2)
    kept = store.photos.copy_from(store.photos.by_path("/album/x.jpg").id, "/b/x.jpg", 100, 1)
    ada, bob = store.people.create("Ada"), store.people.create("Bob")
    store.people.move_faces([a[0]], ada)
    store.people.ignore_faces([a[1]])
    copy = _faces_in(store, "/b/x.jpg")
    store.people.move_faces([copy[0]], bob)  # the copy's own decision
    store.folders.remove("/album")
    store.photos.copy_from(kept, "/album/x.jpg", 100, 1)
    assert _decided(store, _faces_in(store, "/album/x.jpg")) == [(bob, "manual"), (None, "ignored")]
    assert _decided(store, copy) == [(bob, "manual"), None]  # the copy that stayed is as it was


def test_a_version_6_library_gets_removed_folders_decisions(tmp_path):
    """Version 7 adds `removed_decisions`: a library made before remembers the decisions of a folder removed now."""
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    store.folders.add(["/album"])
    _, a = _photo(store, "x.jpg", 1)
    store.close()
    raw = sqlite3.connect(config.db_path)
    raw.executescript("DROP TABLE removed_decisions; UPDATE meta SET value = '6' WHERE key = 'schema_version';")
    raw.close()
    store = Store.open(config)
    with store.engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION == 7
    ada = store.people.move_faces_to_name(a, "Ada")
    store.folders.remove("/album")
    _photo(store, "x.jpg", 1)
    assert store.people.get(ada).n_faces == 1
    store.close()


def test_a_version_6_library_reads_placeholder_dates_again(tmp_path):
    """A placeholder EXIF date ("0001:01:01") was stored as "1-01-01 00:00:00", which the pages cannot read a year
    from: version 7 marks such dates not read yet, so the next ingest reads them again (as no date now)."""
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    dated = {name: _photo(store, name, 1)[0] for name in ("old.jpg", "ok.jpg", "none.jpg", "early.jpg")}
    store.close()
    raw = sqlite3.connect(config.db_path)
    for name, taken in (("old.jpg", "1-01-01 00:00:00"), ("ok.jpg", "2019-06-01 10:00:00"), ("none.jpg", ""),
                        ("early.jpg", "1000-01-01 00:00:00")):
        raw.execute("UPDATE photos SET taken = ? WHERE id = ?", (taken, dated[name]))
    raw.executescript("DROP TABLE removed_decisions; UPDATE meta SET value = '6' WHERE key = 'schema_version';")
    raw.commit()
    raw.close()
    store = Store.open(config)
    taken = {name: store.photos.get(pid).taken for name, pid in dated.items()}
    assert taken == {"old.jpg": None, "ok.jpg": "2019-06-01 10:00:00", "none.jpg": "", "early.jpg": None}
    store.close()


def test_a_version_4_library_gets_its_names_in_unicode_normal_form(tmp_path):
    """Keys made before names were normalised are made again, so the names stored in either form are found; two
    people told apart only by the form both stay, the newer one numbered; the undo history puts back the
    normal forms."""
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    _, faces_ = _photo(store, "a.jpg", 3)
    groups = _cluster(store, [(faces_[0], -1, 0.1), (faces_[1], -2, 0.1), (faces_[2], -3, 0.1)])
    store.people.rename(groups[-3], "Grace")
    store.close()
    raw = sqlite3.connect(config.db_path)  # names as version 4 stored them: as typed, keys only case-folded
    old = [(groups[-1], NFD, NFD.casefold()), (groups[-2], NFC, NFC.casefold()),
           (groups[-3], "ＡＤＡ", "ＡＤＡ".casefold())]
    raw.executemany("UPDATE people SET name = ?, name_key = ? WHERE id = ?", [(n, k, i) for i, n, k in old])
    payload = json.loads(raw.execute("SELECT payload FROM undo_steps").fetchone()[0])
    renee = unicodedata.normalize("NFD", "Renée")
    payload["rows"]["people"][0].update(name=renee, name_key=renee.casefold())  # "Grace" renamed a Renée
    raw.execute("UPDATE undo_steps SET payload = ?", (json.dumps(payload),))
    raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    store = Store.open(config)
    with store.engine.connect() as conn:
        assert schema_version(conn) == SCHEMA_VERSION
    names = {p.id: p.name for p in store.people.list(named_only=True)}
    assert names == {groups[-1]: NFC, groups[-2]: f"{NFC} (2)", groups[-3]: "ＡＤＡ"}
    assert store.people.by_name(NFD).id == groups[-1] and store.people.by_name("ada").id == groups[-3]
    assert all(store.people.get(g).n_faces == 1 for g in groups.values())  # nobody lost a face
    assert store.people.rename(groups[-2], NFD.upper()) == groups[-1]  # now one name: a merge
    store.people.undo()
    assert store.people.undo().label == "naming “Grace”"
    assert store.people.by_name("Renée").id == groups[-3] and store.people.get(groups[-3]).name == "Renée"
    store.close()


def test_an_undo_step_made_before_the_upgrade_gives_back_a_name_now_held_numbered(tmp_path):
    """Before version 5 an NFD "Zoé" renamed "Zed" could sit beside an NFC "Zoé": undoing that naming after the
    upgrade gives back the name numbered, as the migration numbers such a clash, instead of refusing forever."""
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    _, faces_ = _photo(store, "a.jpg", 2)
    groups = _cluster(store, [(faces_[0], -1, 0.1), (faces_[1], -2, 0.1)])
    zoe, zed = groups[-1], groups[-2]
    store.people.rename(zoe, NFC)
    store.people.rename(zed, "Zed")
    store.close()
    raw = sqlite3.connect(config.db_path)  # the step as version 4 saved it: Zed was called NFD "Zoé" before
    step_id, payload = raw.execute("SELECT id, payload FROM undo_steps ORDER BY id DESC").fetchone()
    payload = json.loads(payload)
    payload["rows"]["people"][0].update(name=NFD, name_key=NFD.casefold())
    raw.execute("UPDATE undo_steps SET payload = ? WHERE id = ?", (json.dumps(payload), step_id))
    raw.execute("UPDATE meta SET value = '4' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    store = Store.open(config)
    assert store.people.undo().label == "naming “Zed”"
    assert (store.people.get(zed).name, store.people.get(zoe).name) == (f"{NFC} (2)", NFC)
    store.close()


def test_manual_assignments_beat_clustering(store):
    _, ids = _photo(store, "a.jpg", 3)
    groups = _cluster(store, [(ids[0], -1, 0.1), (ids[1], -1, 0.1), (ids[2], -1, 0.1)])
    bob = store.people.create("Bob")
    store.people.move_faces([ids[0]], bob)
    store.people.move_faces([ids[1]], None)  # to unsorted, on purpose
    # A later run wants all three in a new group: only the free face follows it.
    _cluster(store, [(ids[0], -1, 0.1), (ids[1], -1, 0.1), (ids[2], -1, 0.1)])
    person = store.assignments.person_of(ids)
    assert person[ids[0]] == bob
    assert person[ids[1]] is None
    assert person[ids[2]] not in (None, bob)
    assert groups[-1] not in {p.id for p in store.people.list()} or person[ids[2]] == groups[-1]


def test_a_group_named_or_hidden_while_clustering_ran_keeps_its_faces(store):
    _, ids = _photo(store, "a.jpg", 6)
    groups = _cluster(store, [(ids[0], -1, 0.1), (ids[1], -1, 0.1), (ids[2], -2, 0.1), (ids[3], -2, 0.1),
                              (ids[4], -3, 0.1), (ids[5], -3, 0.1)])
    ada, stranger, free = groups[-1], groups[-2], groups[-3]
    kept_when_read = store.assignments.kept_people()  # a run reads the library: nobody is kept yet
    store.people.rename(ada, "Ada")  # meanwhile the user names one group and hides another
    store.people.set_hidden(stranger, True)
    # The run, placing every face as free, puts each group's faces apart (after an ingest groups can change so).
    run = store.runs.start({}, "v1")
    store.assignments.apply(run, ClusterWrite(
        [(ids[0], -1, 0.1), (ids[1], -2, 0.1), (ids[2], -1, 0.1), (ids[3], -2, 0.1), (ids[4], -1, 0.1),
         (ids[5], -2, 0.1)], kept=kept_when_read))
    person = store.assignments.person_of(ids)
    assert sorted(store.people.face_ids(ada)) == ids[:2] and store.people.get(ada).name == "Ada"
    assert sorted(store.people.face_ids(stranger)) == ids[2:4] and store.people.get(stranger).hidden
    assert person[ids[4]] != person[ids[5]] and {person[ids[4]], person[ids[5]]}.isdisjoint({ada, stranger})
    assert store.people.get(free) is None  # still free, so rebuilt by the run
    # A run that read the group as hidden keeps it as a person: its faces placed by clustering follow the run.
    _cluster(store, [(ids[2], stranger, 0.1), (ids[3], -1, 0.1)])
    assert store.people.face_ids(stranger) == [ids[2]]


def test_group_ids_are_reused_and_empty_groups_vanish(store):
    _, ids = _photo(store, "a.jpg", 2)
    first = _cluster(store, [(ids[0], -1, 0.1), (ids[1], -2, 0.1)])
    run = store.runs.start({}, "v1")
    store.assignments.apply(run, ClusterWrite([(ids[0], -1, 0.1)], kept=set()), reuse_ids={-1: first[-1]})
    assert store.assignments.person_of(ids) == {ids[0]: first[-1], ids[1]: None}
    assert store.people.get(first[-2]) is None  # unnamed and empty: gone


def test_two_named_people_are_not_counted_as_a_merge_suggestion(store):
    """The clustering's count of merge suggestions (the CLI's "N merge suggestions") leaves out two people the user
    named, as the People page does: it said "1 merge suggestion" over a page that showed none."""
    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -2, 0.1)], merges=[(-1, -2, 0.8)])
    pair = (min(groups.values()), max(groups.values()), 0.8)
    store.people.rename(groups[-1], "Ann")
    assert store.people.merge_suggestions() == [pair]  # one of the two has no name yet: still a suggestion
    store.people.rename(groups[-2], "Bea")
    assert store.people.merge_suggestions() == []
    store.people.rename(groups[-2], None)  # her name taken back: a suggestion again
    assert store.people.merge_suggestions() == [pair]


def test_merge_hide_bulk_assign_and_suggestions(store):
    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    _, c = _photo(store, "c.jpg", 2, 20)
    groups = _cluster(
        store, [(a[0], -1, 0.1), (b[0], -2, 0.1)],
        suggestions=[(c[0], -1, 0, 0.5), (c[0], -2, 1, 0.7), (c[1], -2, 0, 0.6)],
        merges=[(-1, -2, 0.8)],
    )
    assert store.people.merge_suggestions() == [(min(groups.values()), max(groups.values()), 0.8)]
    assert store.people.face_suggestions(c[0]) == [(groups[-1], 0.5), (groups[-2], 0.7)]
    assert store.people.accept_suggestions(c) == 2
    assert store.assignments.person_of(c) == {c[0]: groups[-1], c[1]: groups[-2]}
    store.people.set_hidden(groups[-2], True)
    assert groups[-2] not in {p.id for p in store.people.list()}
    assert groups[-2] in {p.id for p in store.people.list(include_hidden=True)}
    target = store.people.merge([groups[-2]], groups[-1])
    assert sorted(store.people.face_ids(target)) == sorted(a + b + c)
    with pytest.raises(KeyError):
        store.people.move_faces(a, 999)


def test_suggestions_follow_merges_and_groups_that_empty(store):
    """A face suggested for a group merged into another is suggested for the merged person; a face whose best
    suggestion was a group that emptied (and so went) gets its next one."""
    from dashapp.store.ui_queries import UIQueries

    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    _, c = _photo(store, "c.jpg", 1, 20)
    u = [_photo(store, f"u{i}.jpg", 1, 30 + i)[1][0] for i in range(3)]  # three photos: all may join one person
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -2, 0.1), (c[0], -3, 0.1)], suggestions=[
        (u[0], -2, 0, 0.5), (u[0], -1, 1, 0.6), (u[0], -3, 2, 0.9),
        (u[1], -2, 0, 0.4), (u[1], -3, 1, 0.8),
        (u[2], -3, 0, 0.3), (u[2], -1, 1, 0.7)])
    store.people.merge([groups[-2]], groups[-1])
    assert store.people.face_suggestions(u[0]) == [(groups[-1], 0.5), (groups[-3], 0.9)]
    assert store.people.face_suggestions(u[1]) == [(groups[-1], 0.4), (groups[-3], 0.8)]
    store.people.move_faces(c, None)  # group -3 empties and goes
    queries = UIQueries(store.engine)
    suggested = {f["face_id"]: f["suggested_id"] for f in queries.unsorted_page(0, 10)[1]}
    assert suggested == {u[0]: groups[-1], u[1]: groups[-1], u[2]: groups[-1], c[0]: None}
    assert queries.suggested_faces([*u, *c]) == 3
    assert store.people.accept_suggestions(u) == 3
    assert set(store.people.face_ids(groups[-1])) == {a[0], b[0], *u}


def test_unsorted_faces_come_surest_suggestion_first(store):
    from dashapp.store.ui_queries import UIQueries

    _, a = _photo(store, "a.jpg", 1, 0)
    _, c = _photo(store, "c.jpg", 4, 20)
    _cluster(store, [(a[0], -1, 0.1)], suggestions=[(c[0], -1, 0, 0.9), (c[2], -1, 0, 0.3), (c[3], -1, 0, 0.6)])
    total, page = UIQueries(store.engine).unsorted_page(0, 10)
    assert total == 4 and [f["face_id"] for f in page] == [c[2], c[3], c[0], c[1]]  # no suggestion: last
    assert [f["face_id"] for f in UIQueries(store.engine).unsorted_page(1, 2)[1]] == [c[3], c[0]]


def test_dismissed_and_hidden_pairs_do_not_use_up_the_merge_suggestions_kept(store):
    ids = [_photo(store, f"{k}.jpg", 1, 10 * k)[1][0] for k in range(5)]
    groups = _cluster(store, [(f, -(k + 1), 0.1) for k, f in enumerate(ids)])
    g = [groups[-(k + 1)] for k in range(5)]
    pairs = [(-1, -2, 0.1), (-1, -3, 0.2), (-2, -3, 0.3), (-3, -4, 0.4), (-4, -5, 0.5)]
    store.people.dismiss_merge_suggestion(g[0], g[1])  # the closest pair: "not the same"
    store.people.set_hidden(g[2], True)  # a stranger: pairs with them are not offered
    run = store.runs.start({}, "v1")
    write = ClusterWrite([(f, p, 0.1) for f, p in zip(ids, g)], [], [(g[-a - 1], g[-b - 1], d) for a, b, d in pairs],
                         kept=store.assignments.kept_people(), max_merges=1)
    store.assignments.apply(run, write)
    assert store.people.merge_suggestions() == [(g[3], g[4], 0.5)]  # the closest one left, not nothing


def test_dismissed_merge_is_not_suggested_again(store):
    _, a = _photo(store, "a.jpg", 1, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -2, 0.1)], merges=[(-1, -2, 0.8)])
    store.people.dismiss_merge_suggestion(groups[-2], groups[-1])
    assert store.people.merge_suggestions() == []
    run = store.runs.start({}, "v1")
    store.assignments.apply(
        run,
        ClusterWrite([(a[0], groups[-1], 0.1), (b[0], groups[-2], 0.1)], [], [(groups[-1], groups[-2], 0.8)], kept=set()),
    )
    assert store.people.merge_suggestions() == []


def test_copy_relocate_and_sweep(store):
    pid, ids = _photo(store, "a.jpg", 2)
    bob = store.people.create("Bob")
    store.people.move_faces([ids[0]], bob)
    copy = store.photos.copy_from(pid, "/elsewhere/a.jpg", 100, 2)
    copied = [f.id for f in store.faces.of_photo(copy)]
    assert len(copied) == 2 and store.assignments.person_of(copied)[copied[0]] == bob
    store.photos.relocate(pid, "/moved/a.jpg", 100, 3)
    assert store.photos.get(pid).path == "/moved/a.jpg"
    assert store.assignments.person_of(ids)[ids[0]] == bob  # the faces followed the file
    assert store.photos.sweep(["/moved", "/elsewhere"], seen=set(), keep=["/elsewhere"]) == (1, 1)
    assert store.faces.count() == 2 and store.photos.get(pid) is None  # the copy in a folder kept stays
    assert store.people.get(bob).n_faces == 1  # the copy's face is still Bob's


def test_errors_are_recorded_with_reason(store):
    store.photos.save_error("/album/x.jpg", 5, 1, "decode", "truncated", "image file is truncated")
    [err] = store.photos.errors()
    assert (err.path, err.error_kind, err.error_stage) == ("/album/x.jpg", "truncated", "decode")
    assert store.photos.counts() == {"error": 1}


def test_jobs_progress_cancel_and_stale(store):
    job = store.jobs.create("ingest", {"paths": ["/album"]})
    store.jobs.start(job, pid=2**22 + 12345)  # no such process
    store.jobs.progress(job, done=5, total=10, phase="analyze")
    store.jobs.request_cancel(job)
    got = store.jobs.get(job)
    assert got.cancel_requested and got.fraction == 0.5 and got.status == "running"
    assert refresh_stale(store, load_config(store.data_dir)) == 1
    assert store.jobs.get(job).status == "interrupted"
    with pytest.raises(ValueError):
        store.jobs.progress(job, bogus=1)


def test_a_job_measures_each_phase_from_its_first_work_done(store):
    job = store.jobs.create("ingest", {"paths": ["/album"]})
    store.jobs.start(job, os.getpid())
    reporter = JobReporter(store, job, every_s=60)
    reporter.update(phase="hash", done=50, total=100)
    reporter.update(phase="analyze", done=0, total=8)  # a new phase is written at once, not a minute later
    got = store.jobs.get(job)
    assert (got.phase, got.total, got.phase_since, got.eta_seconds) == ("analyze", 8, None, None)
    store.jobs.progress(job, done=2)
    since = store.jobs.get(job).phase_since
    store.jobs.progress(job, done=4)
    got = store.jobs.get(job)
    assert (got.phase_since, got.phase_since_done) == (since, 2)
    assert phase_eta(got.done, got.total, got.phase_since, got.phase_since_done, at=since + 3) == 6.0  # 2 per 3 s
    store.jobs.progress(job, phase="cluster")
    got = store.jobs.get(job)
    assert (got.phase_since, got.eta_seconds) == (None, None)


def test_an_ingest_is_running_only_while_someone_holds_the_ingest_lock(tmp_path):
    # A pid can be alive and another process's (a restart, a reboot): an ingest without a lock holder is not running.
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    reused = store.jobs.create("ingest", {"paths": ["/album"]})
    store.jobs.start(reused, os.getpid())
    other = store.jobs.create("cluster", {})
    store.jobs.start(other, os.getpid())  # no lock to check: its pid alone says
    with ingest_lock(config):
        assert refresh_stale(store, config) == 0
    assert refresh_stale(store, config) == 1
    assert store.jobs.get(reused).status == "interrupted" and store.jobs.get(other).status == "running"


def test_a_job_whose_pid_a_later_process_took_is_interrupted(tmp_path):
    # A search or a clustering killed (kill -9, a reboot, a restarted container) whose pid a process started later
    # got: it must not stay 'running' and block every search, "Compute the map" and removing a folder for good.
    config = load_config(tmp_path / "lib")
    store = Store.open(config)
    later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        gone = [store.jobs.create(kind, {}) for kind in ("find", "cluster")]
        for job in gone:
            store.jobs.start(job, later.pid)
        with store.engine.begin() as conn:  # they began an hour before that process
            conn.execute(update(jobs_table).where(jobs_table.c.id.in_(gone)).values(started_at=time.time() - 3600))
        own = store.jobs.create("find", {})
        store.jobs.start(own, os.getpid())  # this process began before its job: the job's own process
        assert refresh_stale(store, config) == 2
        assert [store.jobs.get(j).status for j in [*gone, own]] == ["interrupted", "interrupted", "running"]
    finally:
        later.kill()
        later.wait()


def test_one_ingest_at_a_time(tmp_path):
    """The lock says what holds it: an ingest, or a folder's removal (which holds it while it deletes)."""
    config = load_config(tmp_path / "lib")
    with ingest_lock(config):
        assert ingest_running(config)
        with pytest.raises(IngestBusy, match=rf"^an ingest, pid {os.getpid()} is already running on this library"):
            with ingest_lock(config):
                pass
    assert not ingest_running(config)
    with ingest_lock(config, "the removal of a folder"):
        with pytest.raises(IngestBusy, match=r"^the removal of a folder, pid \d+ is already running"):
            with ingest_lock(config):
                pass


def test_ignored_faces_are_left_out_until_moved_back(store):
    from dashapp.export import faces_csv
    from dashapp.store.ui_queries import UIQueries

    queries = UIQueries(store.engine)
    pid, a = _photo(store, "a.jpg", 3, 0)
    _, b = _photo(store, "b.jpg", 1, 10)
    store.faces.set_map_coords([*a, *b], np.zeros((4, 2)))
    groups = _cluster(store, [(a[0], -1, 0.1), (b[0], -1, 0.1)], suggestions=[(a[2], -1, 0, 0.5)])
    ada = groups[-1]
    store.people.rename(ada, "Ada")
    store.people.ignore_faces([a[1], a[2]])  # a false detection and a stranger

    assert store.people.last_action().label == "move of 2 faces to Ignored"
    assert store.people.face_ids(None) == [] and queries.unsorted_page(0, 10) == (0, [])
    assert queries.ignored_page(0, 10) == (2, sorted([a[1], a[2]]))
    assert store.people.face_suggestions(a[2]) == []
    assert queries.summary()["n_unsorted"] == 0 and queries.summary()["n_ignored"] == 2
    assert store.faces.matrix().ids.tolist() == [a[0], b[0]]  # what clustering and searches see
    assert queries.map_points()["face_ids"].tolist() == [a[0], b[0]]
    assert queries.attribute_matrix()[0].tolist() == [a[0], b[0]]
    assert [f["ignored"] for f in queries.photo_detail(pid)[1]] == [False, True, True]
    assert queries.photos_page([ada], "only", 0, 10)[0] == 2  # the set-aside faces are nobody
    assert queries.face_detail(a[1])["ignored"] is True
    exported = {line.split(",")[3]: line for line in "".join(faces_csv(store)).splitlines()[1:]}
    assert ",ignored," in exported[str(a[1])]
    _cluster(store, [(b[0], ada, 0.1)])  # a clustering run does not touch them
    assert queries.ignored_page(0, 10)[0] == 2
    copy = store.photos.copy_from(pid, "/elsewhere/a.jpg", 100, 2)  # nor does a duplicate of the photo
    assert [f["ignored"] for f in queries.photo_detail(copy)[1]] == [False, True, True]

    store.people.move_faces([a[1]], None)  # brought back
    assert store.people.face_ids(None) == [a[1]] and queries.ignored_page(0, 10)[0] == 3  # 2 of the copy
    assert a[1] in store.faces.matrix().ids.tolist()


def test_moving_faces_no_longer_in_the_library_is_refused_or_skips_them(store):
    _, a = _photo(store, "a.jpg", 2)
    before = _state(store)
    for move in (lambda ids: store.people.move_faces(ids, None), store.people.ignore_faces,
                 lambda ids: store.people.move_faces_to_name(ids, "Ada")):
        with pytest.raises(ValueError, match="no longer in the library"):
            move([987654])  # the photo was removed since the page showed it
    assert _state(store) == before and store.people.last_action() is None
    store.people.move_faces_to_name([a[0], 987654], "Ada")  # the faces still there are moved
    assert store.people.face_ids(store.people.by_name("Ada").id) == [a[0]]
    assert store.people.last_action().label == "move of 1 face to “Ada”"


def _state(store: Store) -> dict:
    """Everything an action on people may change, as plain rows."""
    from sqlalchemy import select

    from dashapp.store.schema import assignments, dismissed_merges, merge_suggestions, people, suggestions

    with store.engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t)))
                for t in (people, assignments, suggestions, merge_suggestions, dismissed_merges)}


@pytest.fixture()
def labelled(store):
    """Three clustered groups (one named Ada), unsorted faces with suggestions, a merge suggestion."""
    _, a = _photo(store, "a.jpg", 2, 0)
    _, b = _photo(store, "b.jpg", 2, 10)
    _, c = _photo(store, "c.jpg", 3, 20)
    groups = _cluster(
        store, [(a[0], -1, 0.1), (b[0], -1, 0.2), (a[1], -2, 0.1), (b[1], -3, 0.3), (c[0], -3, 0.2)],
        suggestions=[(c[1], -1, 0, 0.5), (c[1], -2, 1, 0.7), (c[2], -2, 0, 0.6)],
        merges=[(-1, -2, 0.8), (-2, -3, 0.9)],
    )
    store.people.rename(groups[-1], "Ada")
    return store, groups, a, b, c


@pytest.mark.parametrize("action", ["rename", "rename_clash", "unname", "merge", "move", "move_unsorted",
                                    "move_new_name", "move_existing_name", "accept", "hide", "dismiss", "ignore"])
def test_undo_puts_every_action_back_exactly(labelled, action):
    store, groups, a, b, c = labelled
    ada, two, three = groups[-1], groups[-2], groups[-3]
    before = _state(store)
    do = {
        "rename": lambda: store.people.rename(two, "Grace"),
        "rename_clash": lambda: store.people.rename(two, "ada"),  # = merge into Ada
        "unname": lambda: store.people.rename(ada, ""),
        "merge": lambda: store.people.merge([two, three], ada),
        "move": lambda: store.people.move_faces([a[1]], three),  # group two is left empty and vanishes
        "move_unsorted": lambda: store.people.move_faces([a[0], b[1]], None),
        "move_new_name": lambda: store.people.move_faces_to_name([c[0], c[1]], "Linus"),
        "move_existing_name": lambda: store.people.move_faces_to_name([c[2]], " ADA "),
        "accept": lambda: store.people.accept_suggestions(c),
        "hide": lambda: store.people.set_hidden(three, True),
        "dismiss": lambda: store.people.dismiss_merge_suggestion(two, ada),
        "ignore": lambda: store.people.ignore_faces([a[1], c[1]]),  # group two vanishes; c[1] loses suggestions
    }[action]
    do()
    assert _state(store) != before
    step = store.people.last_action()
    assert step is not None and step.label
    assert store.people.undo() == step
    assert _state(store) == before
    assert store.people.last_action().label == "naming “Ada”"  # the fixture's own step is next


@pytest.mark.parametrize("hidden", [False, True])
def test_undo_of_a_merge_that_moved_a_name_puts_it_back(labelled, hidden):
    """An unnamed group merged with a named person of a smaller id takes their name; undo gives it back (the
    name was in the unique index twice while the people were put back one by one), hidden as they were."""
    store, groups, *_ = labelled
    ada, two = groups[-1], groups[-2]
    assert ada < two
    if hidden:
        store.people.set_hidden(two, True)
    before = _state(store)
    store.people.merge([ada], two)
    assert store.people.get(two).name == "Ada" and store.people.get(two).hidden is hidden
    assert store.people.get(ada) is None
    store.people.undo()
    assert _state(store) == before
    assert store.people.by_name("ada").id == ada and store.people.get(two).name is None


def test_undo_goes_back_step_by_step_until_the_last_clustering(labelled):
    store, groups, a, b, c = labelled
    states = [_state(store)]
    store.people.merge([groups[-2]], groups[-1])
    states.append(_state(store))
    store.people.move_faces_to_name([c[2]], "Linus")
    states.append(_state(store))
    store.people.set_hidden(groups[-3], True)
    labels = []
    for expected in reversed(states):
        labels.append(store.people.undo().label)
        assert _state(store) == expected
    assert labels == [f"hiding of Person {groups[-3]}", "move of 1 face to “Linus”", "merge of 2 groups"]
    assert store.people.undo().label == "naming “Ada”" and store.people.get(groups[-1]).name is None
    assert store.people.undo() is None and store.people.last_action() is None
    # A clustering run rewrites who is who: the history before it is gone.
    store.people.rename(groups[-2], "Grace")
    assert store.people.last_action() is not None
    _cluster(store, [(c[2], -1, 0.1)])
    assert store.people.last_action() is None and store.people.undo() is None


def test_undo_skips_faces_removed_since(labelled):
    store, groups, a, b, c = labelled
    store.people.move_faces_to_name([c[0], b[0]], "Linus")
    store.photos.sweep(["/album"], seen={"/album/a.jpg", "/album/b.jpg"})  # c.jpg left the album
    store.people.undo()
    assert store.assignments.person_of([b[0]]) == {b[0]: groups[-1]}
    assert store.people.by_name("Linus") is None


def test_undo_of_a_large_move_takes_a_few_statements_not_one_per_person_or_chunk(store):
    """The undo of a move of 20,000 faces took 0.5 s as the page waited: one UPDATE per person of its scope (some 700)
    and two DELETEs and a SELECT per 500 faces. It puts everything back as it was, in a few statements (one INSERT
    per 500 rows remains)."""
    from sqlalchemy import event, select

    from dashapp.store.schema import assignments, people
    from ui_fixtures import build_library

    build_library(store, n_faces=1500, faces_per_photo=3, n_people=60)

    def rows() -> tuple[list, list]:
        with store.engine.connect() as conn:
            return (sorted(tuple(r) for r in conn.execute(select(assignments))),
                    sorted(tuple(r) for r in conn.execute(select(people))))

    before = rows()
    store.people.move_faces([face for face, *_ in before[0]], None)
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda _conn, _cursor, sql, *_: statements.append(sql))
    store.people.undo()
    assert rows() == before
    assert len(statements) < 40, len(statements)  # 89 before: 60 people, 1,500 faces


def test_undo_refuses_when_the_library_no_longer_allows_it(labelled):
    store, groups, a, b, c = labelled
    store.people.rename(groups[-1], "Ada Lovelace")
    store.people.create("Ada")  # someone else takes the old name (not an undoable action)
    before = _state(store)
    with pytest.raises(ValueError, match="can no longer be undone"):
        store.people.undo()
    assert _state(store) == before and store.people.last_action().label == "naming “Ada Lovelace”"


def test_only_the_newest_steps_are_kept(labelled, monkeypatch):
    from dashapp.store import undo

    store, groups, *_ = labelled
    monkeypatch.setattr(undo, "MAX_STEPS", 3)
    for hidden in (True, False, True, False):
        store.people.set_hidden(groups[-2], hidden)
    labels = [store.people.undo().label for _ in range(3)]
    assert labels == [f"{change} of Person {groups[-2]}" for change in ("showing", "hiding", "showing")]
    assert store.people.undo() is None and store.people.get(groups[-2]).hidden  # the oldest step was dropped


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_no_space_left_on_the_device_is_told_as_a_full_disk(tmp_path):
    with pytest.raises(OSError) as caught:  # /dev/full: every write fails as on a full disk
        with open("/dev/full", "wb") as full:
            full.write(b"a thumbnail")
            full.flush()
    assert is_disk_full(caught.value) and failure_message(caught.value) == DISK_FULL
    with pytest.raises(OSError) as missing:
        (tmp_path / "nothing").read_bytes()
    assert not is_disk_full(missing.value) and failure_message(missing.value).startswith("FileNotFoundError: ")
