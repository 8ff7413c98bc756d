"""The web process never imports TensorFlow: creating the app, rendering every page and running every
page's callbacks and media routes leaves `tensorflow` out of `sys.modules` (checked in a fresh process)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    r"""
    import json, sys, tempfile
    from contextvars import copy_context
    sys.path.insert(0, {tests!r})
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    import dash
    from dashapp.server import create_app
    from dashapp.ui_context import library
    from ui_fixtures import GROUP_PHOTOS, build_library

    app = create_app(tempfile.mkdtemp())
    lib = library()
    s = build_library(lib.store, n_faces=12, faces_per_photo=2, n_people=3,
                      photo_files=sorted(GROUP_PHOTOS.glob("*.jpg")))
    client = app.server.test_client()
    for page in dash.page_registry.values():
        assert client.get(page["path"]).status_code == 200
        layout = page["layout"]
        layout() if callable(layout) else layout
    assert client.get("/_dash-layout").status_code == 200
    assert client.get(f"/media/photo/{{s.photo_ids[0]}}/large.jpg").status_code == 200
    assert client.get(f"/media/face/{{s.face_ids[0]}}.jpg").status_code == 200

    from callbacks import attributes, library as lib_cb, map as map_cb, navbar, people, people_sort, photos

    def run(fn, *args, clicked=None):
        def inner():
            clicks = [{{"prop_id": clicked + ".n_clicks", "value": 1}}] if clicked else []
            context_value.set(AttributeDict(triggered_inputs=clicks))
            return fn(*args)
        return copy_context().run(inner)

    run(navbar.nav_job_badge, 1)
    run(lib_cb.poll_library, 1, None)
    run(people.render_people, 0, None, 1, "", False, False, False)
    run(people.render_unsorted, 0, None, 1)
    run(people.render_merge_suggestions, 0)
    run(people.undo_button, 0)
    run(people.render_ignored, 0, 1)
    run(people_sort.sort_step, 1, [], 1, 1, 1, 1, None, [], "", clicked="people-sort-btn")
    run(photos.people_options, 0, 0, [])
    run(photos.render_photos, [], "any", None, None, 1, 0, None)
    run(photos.render_detail, s.photo_ids[0], 0)
    run(map_cb.map_options, 0)
    run(map_cb.render_map, "person", 0)
    run(map_cb.render_map, "Smiling", 0)
    run(map_cb.map_hover, {{"points": [{{"customdata": s.face_ids[0]}}]}}, "Smiling")
    run(attributes.attribute_options, 0)
    run(attributes.render_overview, s.person_ids[0])
    run(attributes.render_compare, [], 0)
    run(attributes.render_trend, s.person_ids[0], ["Smiling"])
    run(attributes.render_filter, "Smiling", ">=", 0.5, None, ">=", 0.5, 1)

    # Find a person: a finished search (its result written here, as the job process would) is shown,
    # its query photo and frames are served, and refused uploads are checked (PyAV, not the model).
    import base64, shutil
    from pathlib import Path
    from callbacks import find as find_cb
    from dashapp.find import FindResult, PhotoMatch, QueryFace, VideoResult, VideoSample, save_result
    from model.matching import FALLBACK_THRESHOLDS, MAX_SEARCH_DISTANCE
    folder = lib.config.finds_dir / "search"
    (folder / "run-1").mkdir(parents=True)
    shutil.copy(GROUP_PHOTOS / "rose_1.jpg", folder / "query.jpg")
    shutil.copy(GROUP_PHOTOS / "rose_2.jpg", folder / "run-1" / "v0-1.jpg")
    result = FindResult(
        str(folder / "query.jpg"), (400, 300), [QueryFace(0, (10, 10, 50, 60), 0.99)], 0, "synthetic",
        FALLBACK_THRESHOLDS, MAX_SEARCH_DISTANCE,
        [PhotoMatch(s.photo_ids[0], s.face_ids[0], "/p.jpg", (1, 2, 30, 40), 0.5, 400, 300, s.person_ids[0], None)],
        12, 0, [VideoResult(str(folder / "v.mp4"), 1.0, 3.0, [VideoSample(0.0, None, width=640, height=480),
                VideoSample(1.0, 0.4, (5, 5, 40, 40), "v0-1.jpg", 640, 480)])],
    )
    save_result(result, folder / "run-1" / "result.json")
    job = lib.store.jobs.create("find", {{"query": str(folder / "query.jpg"), "out": str(folder / "run-1"),
                                         "face": None, "videos": [str(folder / "v.mp4")]}})
    lib.store.jobs.finish(job, "done", "1 photo")
    _, state, *_ = run(find_cb.poll_find, 1, None)
    run(find_cb.render_find, state)
    photos, *_, moments = run(find_cb.filter_find, 1.0, False, 1, state)
    assert "0:01" in str(moments), moments
    assert client.get(f"/media/find/{{job}}/query.jpg").status_code == 200
    assert client.get(f"/media/find/{{job}}/frame/0/1.jpg").status_code == 200
    text = "data:text/plain;base64," + base64.b64encode(b"hello").decode()
    assert run(find_cb.upload_query, 1, text, "notes.txt")[1] == "danger"
    assert run(find_cb.upload_videos, 1, [text], ["clip.mp4"], state)[1] == "danger"

    heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "mtcnn"))
    print(json.dumps(heavy))
    """
)


def test_web_process_never_imports_tensorflow():
    code = SCRIPT.format(tests=str(ROOT / "tests"))
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    heavy = result.stdout.strip().splitlines()[-1]
    assert heavy == "[]", f"the web process imported: {heavy}"
