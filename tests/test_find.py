"""Find a person with the real model on real photos: library search, videos, bad input, and the CLI."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dashapp.config import load_config
from dashapp.find import (
    PersonTemplate, QueryError, VideoResult, VideoSample, analyze_query, find, library_size_note, load_result,
    save_result, search_library, typical_face,
)
from dashapp.find_command import print_table
from dashapp.ingest import IngestOptions, ingest
from dashapp.store import Store
from dashapp.find_view import person_summary
from find_fixtures import (
    NAME, PHOTOS, QUERIES, build_find_library, build_one_person_library, framed, no_face_photo, person_video,
    song_with_cover, write_video,
)
from model.faces import DEFAULT_WEIGHTS, FaceAnalyzer, copy_model
from model.matching import (
    FALLBACK_THRESHOLDS, LIBRARY_SIZE, MAX_SEARCH_DISTANCE, TEMPLATE_FACES, MatchThresholds, box_iou, choose_face,
    expand_query, face_at, far_curve, for_library, measure_template_search, measure_thresholds, same_level, segments,
    template,
)
from model.imaging import load_image
from model.video import VideoErrorKind, VideoLoadError, probe_video, sample_frames

REPO = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}


@pytest.fixture(scope="module")
def library(tmp_path_factory, analyzer):
    root = tmp_path_factory.mktemp("find")
    data_dir, store = build_find_library(root, analyzer)
    yield {"root": root, "data_dir": data_dir, "store": store}
    store.close()


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    return person_video(tmp_path_factory.mktemp("video") / "party.mp4")


def names(matches) -> set[str]:
    return {Path(m.path).name for m in matches}


# --- the library ---


@pytest.mark.parametrize("query", sorted(QUERIES))
def test_one_photo_finds_the_persons_other_photos_and_nobody_else(library, analyzer, query):
    result = find(analyzer, library["store"], PHOTOS / query)
    truth = QUERIES[query]
    distances = [m.distance for m in result.matches]
    assert distances == sorted(distances)  # best first
    assert names(result.matches[: len(truth)]) == truth  # the person's photos rank above everyone else's
    # The default is the 5%-FAR distance on CelebA pairs; one fixture pair (biden_2 -> biden_1) sits just
    # past it with the shipped model, so "finds them all" is asserted one step looser.
    assert truth <= names(result.photos(result.thresholds.looser))  # looser finds them all
    # The stricter level (1% FAR on CelebA pairs) is "only them", but a dozen photos can hold one look-alike
    # under it (biden_1 for the obama query sits at 0.94 with the stride-16 model, 0.99 before); more is a fault.
    assert len(names(result.photos(result.thresholds.stricter)) - truth) <= 1
    assert result.n_compared == library["store"].faces.count() and result.n_other_model == 0


def test_the_matched_face_is_the_persons_face(library, analyzer):
    """In a group photo, the box returned is the searched person's face (the biden search hits the other one)."""
    obama = {Path(m.path).name: m for m in find(analyzer, library["store"], PHOTOS / "obama_3.jpg").matches}
    biden = {Path(m.path).name: m for m in find(analyzer, library["store"], PHOTOS / "biden_2.jpg").matches}
    group = "obama_and_biden.jpg"
    assert obama[group].face_id != biden[group].face_id
    assert obama[group].box[0] > biden[group].box[0]  # obama stands on the right in that photo


def test_a_named_person_is_recognised(library, analyzer):
    result = find(analyzer, library["store"], PHOTOS / "obama_3.jpg")
    person = result.person(result.thresholds.default)
    assert person is not None and person["name"] == NAME and person["n"] >= 2
    assert find(analyzer, library["store"], PHOTOS / "rose_1.jpg").person(result.thresholds.default) is None


def test_a_library_person_is_searched_with_the_mean_of_their_faces(analyzer, tmp_path):
    """Six named faces of one person: their template finds all ten of their photos and nobody else's.

    A person with one face is searched for with that face: their template of one, so the page still says which
    photos are already theirs.
    """
    store, faces_of = build_one_person_library(tmp_path, analyzer)
    theirs = faces_of["4931"]
    assert len(theirs) == 10
    store.people.move_faces_to_name([f.id for f in theirs[:6]], "Ada")
    store.people.move_faces_to_name([f.id for f in faces_of["4966"]], "Bo")
    ada, bo = store.people.by_name("Ada"), store.people.by_name("Bo")
    shown = typical_face(store, ada.id, analyzer.model_version)

    result = find(analyzer, store, Path(shown.photo_path), shown.idx, person=ada.id)
    assert result.template == PersonTemplate(ada.id, "Ada", 6) and result.thresholds == analyzer.search_thresholds(6)
    center = template(np.stack([f.embedding for f in theirs[:6]]))
    distances = {m.face_id: m.distance for m in result.matches}
    assert [distances[f.id] for f in theirs] == pytest.approx([np.linalg.norm(f.embedding - center) for f in theirs])
    assert {m.face_id for m in result.photos(result.thresholds.stricter)} == {f.id for f in theirs}
    summary = str(person_summary(result, result.photos(result.thresholds.stricter)))  # what the page says of it
    assert "6 of these photos are already" in summary and "Ada" in summary and "4 show a face that is unsorted" in summary
    assert load_result(_saved(result, tmp_path)).template == result.template  # the result file keeps it
    # It says it searched with the mean of her six faces (the command's JSON line too), not with one.
    assert result.n_query_faces == 6 and result.summary(result.thresholds.default)["n_query_faces"] == 6

    shown = typical_face(store, bo.id, analyzer.model_version)
    few = find(analyzer, store, Path(shown.photo_path), shown.idx, person=bo.id)  # 3 faces: their template
    assert few.template == PersonTemplate(bo.id, "Bo", 3) and few.thresholds == analyzer.search_thresholds(3)
    assert few.n_query_faces == 3
    assert analyzer.search_thresholds(3) != analyzer.search_thresholds(6) != analyzer.match_thresholds
    bo_center = template(np.stack([f.embedding for f in faces_of["4966"]]))
    assert few.matches[0].distance == pytest.approx(min(np.linalg.norm(f.embedding - bo_center) for f in faces_of["4966"]))

    store.people.move_faces_to_name([theirs[6].id], "Cy")  # one face: it is what is searched for
    cy = store.people.by_name("Cy")
    one = find(analyzer, store, Path(theirs[6].photo_path), theirs[6].idx, person=cy.id)
    assert one.template == PersonTemplate(cy.id, "Cy", 1) and one.thresholds == analyzer.match_thresholds
    assert one.n_query_faces == 1
    assert one.matches[0].face_id == theirs[6].id and one.matches[0].distance == pytest.approx(0, abs=1e-3)
    summary = str(person_summary(one, one.photos(one.thresholds.default)))
    assert "1 of these photos is already" in summary and "Cy" in summary and "/photos?person=" in summary

    # The face shown is Ada's most typical one, even with a stranger's faces put in her group by mistake.
    store.people.move_faces_to_name([f.id for f in faces_of["4998"]], "Ada")  # 182964.jpg: the surest face of all
    assert typical_face(store, ada.id, analyzer.model_version).id in {f.id for f in theirs[:6]}
    store.close()


@pytest.mark.parametrize("edit", ["enlarged", "cropped"])
def test_a_persons_search_finds_their_face_in_a_photo_edited_since_it_was_analysed(analyzer, tmp_path, edit):
    """Their most typical face's photo was resized or cropped in an editor since the last ingest: their face is no
    longer at its stored place, so it is found again by its likeness to their faces, and the search (which needs only
    their stored faces) runs instead of failing. A photo of someone else there now still gives the error."""
    from dashapp.config import load_config
    from dashapp.ingest import IngestOptions, ingest
    from dashapp.store import Store
    from find_fixtures import ONE_PERSON

    album = tmp_path / "album"
    album.mkdir()
    for photo in sorted(ONE_PERSON.glob("*.jpg")):
        album.joinpath(photo.name).write_bytes(photo.read_bytes())
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    store.people.move_faces_to_name([f.id for p in store.photos.all(status="done") for f in store.faces.of_photo(p.id)],
                                    "Ada")
    ada = store.people.by_name("Ada")
    shown = typical_face(store, ada.id, analyzer.model_version)
    photo = Path(shown.photo_path)
    x, y, w, h = shown.box
    with Image.open(photo) as img:
        if edit == "enlarged":
            img.resize((img.width * 2, img.height * 2)).save(photo, quality=95)
            expected = (2 * x, 2 * y, 2 * w, 2 * h)
        else:
            img.crop((int(x), int(y), img.width, img.height)).save(photo, quality=95)  # to the face's corner
            expected = (x - int(x), y - int(y), w, h)
    assert box_iou(expected, shown.box) < 0.3  # no longer at its stored place

    result = find(analyzer, store, photo, person=ada.id, face_box=shown.box)  # as `find --person Ada` searches
    assert result.template == PersonTemplate(ada.id, "Ada", 7)
    assert face_at([result.query_face.box], expected, min_iou=0.5) == 0  # their face, where it is now
    assert {m.face_id for m in result.photos(result.thresholds.stricter)} >= set(store.people.face_ids(ada.id))

    photo.write_bytes((PHOTOS / "rose_1.jpg").read_bytes())  # someone else's photo under their photo's name
    with pytest.raises(QueryError, match="not found again"):
        find(analyzer, store, photo, person=ada.id, face_box=shown.box)
    store.close()


def test_more_photos_of_the_person_join_the_search_with_their_face_most_like_theirs(library, analyzer, tmp_path):
    """Rose in another photo joins (her template finds her photos); a stranger's photo, a photo without a face
    and a broken file are skipped, each with the reason; the result file keeps it all."""
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    also = [PHOTOS / "rose_2.jpg", PHOTOS / "biden_2.jpg", no_face_photo(tmp_path / "sky.jpg"), tmp_path / "broken.jpg",
            PHOTOS / "rose_1.jpg"]
    result = find(analyzer, library["store"], PHOTOS / "rose_1.jpg", also=also)

    assert [a.used for a in result.also] == [True, False, False, False, False] and result.n_query_faces == 2
    assert [a.reason for a in result.also[1:3]] == ["no face like the chosen one", "no face found"]
    assert result.also[4].reason == "the same face as the chosen one"  # the query photo given again
    assert result.also[3].reason.startswith("cannot be read") and result.also[3].size is None
    assert result.also[0].distance <= analyzer.match_thresholds.looser < result.also[1].distance
    # Rose's two faces, and the library's faces surest to be her: not rose_2's own face again, which is given.
    stored = library["store"].faces.matrix()
    added = result.library_faces
    assert [Path(library["store"].faces.get(f).photo_path).name for f in added] == ["kit_with_rose.jpg"]
    assert result.thresholds == analyzer.search_thresholds(2 + len(added)) and result.template is None
    rose = [analyzer.analyze(load_image(PHOTOS / n))[0].embedding for n in ("rose_1.jpg", "rose_2.jpg")]
    center = template(np.stack(rose + [stored.embeddings[list(stored.ids).index(f)] for f in added]))
    expected = {int(f): float(np.linalg.norm(e - center)) for f, e in zip(stored.ids, stored.embeddings)}
    assert [m.distance for m in result.matches] == pytest.approx([expected[m.face_id] for m in result.matches], abs=1e-4)
    assert names(result.photos(result.thresholds.default)) == QUERIES["rose_1.jpg"]
    assert load_result(_saved(result, tmp_path)).also == result.also
    assert result.summary(result.thresholds.default)["n_query_faces"] == 2

    with pytest.raises(ValueError, match="not both"):
        find(analyzer, library["store"], PHOTOS / "rose_1.jpg", also=also[:1], person=1)


def _saved(result, tmp_path: Path) -> Path:
    save_result(result, tmp_path / "result.json")
    return tmp_path / "result.json"


def test_stricter_finds_fewer_and_looser_at_least_as_many(library, analyzer):
    result = find(analyzer, library["store"], PHOTOS / "rose_1.jpg")
    t = result.thresholds
    assert t.stricter < t.default < t.looser <= MAX_SEARCH_DISTANCE
    n = [len(result.photos(x)) for x in (t.stricter, t.default, t.looser)]
    assert n[0] <= n[1] <= n[2]
    assert all(m.distance <= MAX_SEARCH_DISTANCE for m in result.matches)


def test_the_user_picks_another_face_of_a_group_photo(library, analyzer):
    query = PHOTOS / "obama_and_biden.jpg"  # in the library too
    largest = find(analyzer, library["store"], query)
    assert len(largest.faces) >= 2
    areas = [f.box[2] * f.box[3] for f in largest.faces]
    assert largest.face == 0 and areas == sorted(areas, reverse=True)  # face 1 = the largest
    other = find(analyzer, library["store"], query, face=1)
    assert other.face == 1
    assert largest.matches[0].face_id != other.matches[0].face_id
    # Each face finds its person's library photos first: this photo (the face itself) and their others.
    assert names(largest.matches[:3]) == {query.name, "obama_1.jpg", "obama_2.jpg"}
    assert names(other.matches[:2]) == {query.name, "biden_1.jpg"}
    with pytest.raises(QueryError, match="choose a face from 1 to"):
        find(analyzer, library["store"], query, face=len(largest.faces))


def test_a_photo_search_also_averages_the_library_faces_surest_to_be_them(library, analyzer):
    store = library["store"]
    result = find(analyzer, store, PHOTOS / "rose_1.jpg")
    added = [Path(store.faces.get(f).photo_path).name for f in result.library_faces]
    assert added and set(added) <= QUERIES["rose_1.jpg"]  # only hers
    assert result.thresholds == analyzer.search_thresholds(1 + len(added), result.n_compared)
    assert names(result.photos(result.thresholds.default)) == QUERIES["rose_1.jpg"]
    assert result.summary(result.thresholds.default)["library_faces"] == result.library_faces
    named = find(analyzer, store, None, person=store.people.list()[0].id)  # a library person: their own faces
    assert named.library_faces == [] and named.thresholds == analyzer.search_thresholds(named.template.n_faces)


def test_query_expansion_takes_the_surest_faces_once_each():
    faces = np.eye(4, dtype=np.float32)[:1]  # the searched face: along the first axis
    near, copy, far = [np.float32([0.9, 0.1 * k, 0.3, 0]) for k in (1, 1, 9)]
    embeddings = np.stack([far, near, copy, faces[0]])
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    center, added = expand_query(faces, embeddings, sure_up_to=0.5, same_face=0.05)
    assert added.tolist() == [1]  # `near`: not `far` (beyond 0.5), its copy, nor the searched face in the library
    assert np.allclose(center, template(np.stack([faces[0], embeddings[1]])))
    center, added = expand_query(np.repeat(faces, TEMPLATE_FACES, axis=0), embeddings, 2.0, 0.05)
    assert added.size == 0 and np.allclose(center, faces[0])  # a template of enough faces is searched as it is

def test_faces_of_another_model_version_are_not_compared(library, analyzer):
    store = library["store"]
    embedding = store.faces.matrix().embeddings[0]
    search = search_library(store, embedding, "some-older-model")
    assert search.matches == [] and search.n_compared == 0 and search.n_other_model == store.faces.count()


def test_query_bytes_and_result_file_round_trip(library, analyzer, tmp_path):
    result = find(analyzer, library["store"], (PHOTOS / "biden_2.jpg").read_bytes())
    save_result(result, tmp_path / "result.json")
    again = load_result(tmp_path / "result.json")
    assert again.photos(0.9) == result.photos(0.9) and again.faces == result.faces
    assert again.summary(1.0) == result.summary(1.0)


# --- bad queries ---


def test_a_photo_without_a_face_gives_a_clear_error(library, analyzer, tmp_path):
    with pytest.raises(QueryError, match="no face found in the query photo"):
        find(analyzer, library["store"], no_face_photo(tmp_path / "sky.jpg"))


def test_an_unreadable_query_gives_a_clear_error(library, analyzer, tmp_path):
    (tmp_path / "notes.jpg").write_text("not a photo")
    with pytest.raises(QueryError, match="cannot be read.*not an image"):
        find(analyzer, library["store"], tmp_path / "notes.jpg")


# --- videos ---


def test_a_video_gives_the_moments_the_person_appears(analyzer, video, tmp_path):
    result = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[video], folder=tmp_path)
    (clip,) = result.videos
    assert clip.error is None and clip.duration == pytest.approx(10, abs=0.2)
    assert [s.time for s in clip.samples] == pytest.approx(list(range(10)))
    moments = clip.moments(result.thresholds.default)
    # Seen from 0 to 3 s and from 7 to 10 s; sampled every second.
    assert [(m.start, m.end) for m in moments] == [(0, 2), (7, 9)]
    for m in moments:
        thumb = clip.sample_at(m.best_time).thumb
        assert (tmp_path / thumb).is_file()
    # Nobody in the empty scene, and a stranger's query finds no moment.
    assert all(s.distance is None for s in clip.samples if 3 <= s.time < 7)
    rose = find(analyzer, None, PHOTOS / "rose_1.jpg", videos=[video], folder=tmp_path)
    assert rose.videos[0].moments(rose.thresholds.default) == []


def test_a_moment_does_not_run_on_into_the_next_person_after_a_cut(analyzer, tmp_path):
    """Obama, then (a cut) Biden, Kit and Obama again: Biden's frames are under the default distance but not under
    "stricter", so Obama's first moment ends where his own frames do; Biden searched for still gets his."""
    clip = write_video(tmp_path / "cuts.mp4", [(PHOTOS / "obama_1.jpg", 3), (PHOTOS / "biden_1.jpg", 3),
                                               (PHOTOS / "kit_1.jpg", 3), (PHOTOS / "obama_2.jpg", 3)])
    obama = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[clip], folder=tmp_path)
    t = obama.thresholds
    biden_frames = [s.distance for s in obama.videos[0].samples if 3 <= s.time < 6]
    assert all(t.stricter < d <= t.default for d in biden_frames)  # the case at hand: less sure, yet a match
    assert [(m.start, m.end) for m in obama.videos[0].moments(t.default, t.stricter)] == [(0, 2), (9, 11)]
    assert [(m["start"], m["end"]) for m in obama.summary(t.default)["videos"][0]["moments"]] == [(0, 2), (9, 11)]
    biden = find(analyzer, None, PHOTOS / "biden_2.jpg", videos=[clip], folder=tmp_path)
    assert [(m.start, m.end) for m in biden.videos[0].moments(t.default, t.stricter)] == [(3, 5)]


def test_the_sampling_interval_is_configurable(analyzer, video, tmp_path):
    result = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[video], every_s=2, folder=tmp_path)
    clip = result.videos[0]
    assert [s.time for s in clip.samples] == pytest.approx([0, 2, 4, 6, 8])
    assert [(m.start, m.end) for m in clip.moments(result.thresholds.default)] == [(0, 2), (8, 8)]


def test_moments_read_as_a_video_player_shows_them():
    """A moment at 7.5 s is at 0:07 in a player (whole seconds gone), not 0:08; a timestamp a float error below a
    whole second is that second; a video's length is rounded."""
    from dashapp.find import clock, duration_clock

    assert [clock(t) for t in (0, 6.5, 7.5, 9.999_999_9, 59.99, 3723.2)] == [
        "0:00", "0:06", "0:07", "0:10", "0:59", "1:02:03"]
    assert (duration_clock(9.6), duration_clock(None), clock(None)) == ("0:10", "?", "?")


def test_frames_are_sampled_at_the_interval(video):
    frames = list(sample_frames(video, 0.5))
    assert [f.time for f in frames] == pytest.approx([i / 2 for i in range(20)])
    assert frames[0].image.shape == (480, 640, 3) and frames[0].image.dtype == np.uint8
    info = probe_video(video)
    assert (info.width, info.height, info.fps) == (640, 480, 10)


def test_sampled_frames_do_not_pile_up_in_memory(video):
    """Each frame is freed once the next is read: no reference cycle keeps frames alive until a garbage
    collection (frames of 100 MB, 8K, do not trigger one; an 8K video's search held gigabytes)."""
    import av

    gc.collect()
    gc.disable()
    try:
        for _ in sample_frames(video, 0.5):
            pass
        alive = sum(isinstance(o, av.VideoFrame) for o in gc.get_objects())
    finally:
        gc.enable()
    assert alive <= 1 + 1  # the first frame, whose display matrix was read, waits for a collection


def test_a_large_videos_frames_are_analysed_a_few_at_a_time(analyzer, video, tmp_path, monkeypatch):
    """Frames are batched by pixels as well as by count: a batch holds what 16 full-HD frames hold, so 8K frames
    (here: a budget of three of the test video's frames) are not held 16 at a time; small frames go 16 at most
    (here 4), so progress and Cancel still come between batches."""
    import dashapp.find

    monkeypatch.setattr(dashapp.find, "VIDEO_BATCH_PIXELS", 3 * 640 * 480)
    batches: list[int] = []
    analyze_many = analyzer.analyze_many

    def counted(images):
        batches.append(len(images))
        return analyze_many(images)

    monkeypatch.setattr(analyzer, "analyze_many", counted)
    result = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[video], folder=tmp_path)
    assert batches == [1, 3, 3, 3, 1]  # the query photo, then ten samples
    assert [(m.start, m.end) for m in result.videos[0].moments(result.thresholds.default)] == [(0, 2), (7, 9)]
    batches.clear()
    monkeypatch.setattr(dashapp.find, "VIDEO_BATCH", 4)
    monkeypatch.setattr(dashapp.find, "VIDEO_BATCH_PIXELS", 100 * 640 * 480)
    find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[video], folder=tmp_path)
    assert batches == [1, 4, 4, 2]


def test_moments_count_from_the_videos_start_whatever_its_timestamps(analyzer, tmp_path):
    """A recording whose timestamps start at one hour (TV, camcorders), two clips joined end to end (their
    timestamps start again), a raw H.264 stream (no timestamps at all): seconds from the start, all of them."""
    parts = [(None, 2), (PHOTOS / "obama_1.jpg", 2), (None, 2)]
    late = write_video(tmp_path / "late.ts", parts, first_pts=3600 * 10, container_format="mpegts")
    first = write_video(tmp_path / "first.ts", [(None, 3)], container_format="mpegts")
    second = write_video(tmp_path / "second.ts", parts, container_format="mpegts")
    joined = tmp_path / "joined.ts"
    joined.write_bytes(first.read_bytes() + second.read_bytes())
    raw = write_video(tmp_path / "raw.h264", parts, container_format="h264")
    for video, seen in ((late, [2, 3]), (joined, [5, 6]), (raw, [2, 3])):
        result = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[video], folder=tmp_path)
        clip = result.videos[0]
        n = 9 if video == joined else 6
        assert clip.error is None and [s.time for s in clip.samples] == pytest.approx(range(n), abs=0.05), video.name
        assert [t for m in clip.moments(result.thresholds.default) for t in (m.start, m.end)] == pytest.approx(seen, abs=0.05)


@pytest.mark.parametrize("rotation, hflip, vflip", [(0, True, False), (0, False, True), (90, True, False),
                                                     (270, False, False), (180, False, False)])
def test_a_turned_or_mirrored_video_is_seen_as_its_player_shows_it(tmp_path, rotation, hflip, vflip):
    """Phones store portrait videos turned; front cameras and editors add a mirror (the display matrix says both)."""
    shown = framed(PHOTOS / "kit_1.jpg")
    stored = shown[:, ::-1] if hflip else shown
    stored = stored[::-1] if vflip else stored
    stored = np.ascontiguousarray(np.rot90(stored, -rotation // 90))  # what, turned by `rotation`, shows `shown`
    path = tmp_path / "turned.mp4"
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width = stored.shape[:2]
        stream.pix_fmt = "yuv444p"
        stream.set_display_rotation(rotation, hflip=hflip, vflip=vflip)
        for packet in [*stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")), *stream.encode()]:
            container.mux(packet)
    [frame] = sample_frames(path)
    assert frame.image.shape == shown.shape and np.abs(frame.image.astype(int) - shown).mean() < 8


def test_an_anamorphic_video_is_seen_at_its_shown_width(tmp_path):
    """HDV and DV widescreen store frames squeezed (pixels shown wider than they are stored)."""
    from fractions import Fraction

    import av

    shown = framed(PHOTOS / "kit_1.jpg")  # 640x480
    stored = np.asarray(Image.fromarray(shown).resize((480, 480)))  # squeezed to 3/4 of its width
    path = tmp_path / "hdv.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width, stream.pix_fmt = 480, 480, "yuv444p"
        stream.codec_context.sample_aspect_ratio = Fraction(4, 3)
        for packet in [*stream.encode(av.VideoFrame.from_ndarray(stored, format="rgb24")), *stream.encode()]:
            container.mux(packet)
    [frame] = sample_frames(path)
    assert frame.image.shape == shown.shape and np.abs(frame.image.astype(int) - shown).mean() < 10


def test_a_video_cut_short_keeps_its_first_moments_and_says_it_ends_early(analyzer, tmp_path):
    whole = write_video(tmp_path / "whole.mp4", [(PHOTOS / "obama_1.jpg", 3), (None, 7)], keyframe_every=1,
                        options={"movflags": "faststart"})  # the header first: the cut file still opens
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 6 // 10])
    assert probe_video(cut).duration == pytest.approx(10)
    result = find(analyzer, None, PHOTOS / "obama_3.jpg", videos=[cut], folder=tmp_path)
    clip = result.videos[0]
    n = len(clip.samples)
    assert 2 <= n < 10 and "says it lasts" in clip.error
    assert [(m.start, m.end) for m in clip.moments(result.thresholds.default)] == [(0, min(2, n - 1))]


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("empty.mp4", b"", VideoErrorKind.EMPTY),
        ("random.mp4", np.random.default_rng(1).bytes(20_000), VideoErrorKind.NOT_A_VIDEO),
        ("notes.mov", b"not a video\n" * 50, VideoErrorKind.NOT_A_VIDEO),
        ("photo.mp4", (PHOTOS / "rose_2.jpg").read_bytes(), VideoErrorKind.NOT_A_VIDEO),
    ],
)
def test_a_bad_video_gives_a_clear_typed_error(tmp_path, name, content, kind):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(VideoLoadError) as err:
        probe_video(path)
    assert err.value.kind == kind and name in str(err.value)


def test_a_song_with_cover_art_is_not_a_video(tmp_path):
    """FFmpeg shows a song's cover art as a one-frame video stream: the song is refused as a video with no video
    stream, before any model work, not searched as a "video" of one still frame that ends early."""
    import av

    song = song_with_cover(tmp_path / "song.mp3", PHOTOS / "obama_1.jpg")
    with av.open(str(song)) as container:  # what the file is: audio and the cover as an attached picture
        assert [s.type for s in container.streams] == ["audio", "video"]
        assert container.streams.video[0].disposition & av.stream.Disposition.attached_pic
    for check in (probe_video, lambda p: find(None, None, PHOTOS / "obama_3.jpg", videos=[p], folder=tmp_path)):
        with pytest.raises(VideoLoadError) as err:
            check(song)
        assert err.value.kind == VideoErrorKind.NOT_A_VIDEO and "song.mp3 has no video stream" in str(err.value)


def test_a_truncated_video_is_refused_before_any_model_work(video, tmp_path):
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(video.read_bytes()[: video.stat().st_size // 3])
    with pytest.raises(VideoLoadError) as err:
        # No analyzer at all: the videos are checked before the model is touched.
        find(None, None, PHOTOS / "obama_3.jpg", videos=[cut], folder=tmp_path)
    assert err.value.kind in (VideoErrorKind.NOT_A_VIDEO, VideoErrorKind.CORRUPT)


# --- pure parts ---


def test_segments_bridge_one_missed_sample():
    d = np.array([0.5, 0.6, np.inf, 0.5, 2, 2, 2, 2, 0.4, 0.3, 2, 0.9])
    for times in (np.arange(12.0), np.arange(12.0) * 4):  # sampled as asked, or further apart (a 0.25 fps video)
        got = [(s.start, s.end, s.best_time) for s in segments(times, d, 1.0)]
        assert got == [(times[0], times[3], times[0]), (times[8], times[11], times[9])]  # one missed; four do split
    assert segments(np.arange(12.0), d, 0.1) == []


def test_a_library_face_is_found_again_by_its_place_in_the_photo_not_its_number(analyzer):
    """The photo of a library person's face is detected again (decoded whole, where ingest decoded it reduced): the
    faces found may differ in number and order, so the face is the one at its place."""
    stored = (300.0, 40.0, 100.0, 140.0)
    assert face_at([(10, 10, 200, 240), (296, 44, 104, 136), (500, 0, 30, 30)], stored) == 1
    with pytest.raises(ValueError, match="not found again"):
        face_at([(10, 10, 200, 240)], stored)
    photo = PHOTOS / "obama_and_biden.jpg"
    detected = sorted(analyzer.analyze(load_image(photo)), key=lambda f: -f.area)
    smaller = detected[1].box
    faces, chosen, embedding, _ = analyze_query(analyzer, photo, face_box=smaller)
    assert chosen == 1 and np.allclose(embedding, detected[1].embedding, atol=1e-3)


def test_choose_face_and_thresholds():
    assert choose_face([10, 50, 20]) == 1 and choose_face([10, 50], 0) == 0
    with pytest.raises(ValueError, match="no face found"):
        choose_face([])
    with pytest.raises(ValueError, match="strictness"):
        FALLBACK_THRESHOLDS.get("medium")


def test_thresholds_are_measured_on_pairs_and_read_from_the_model_card(tmp_path):
    different = np.linspace(0.8, 1.8, 1001)  # 1% of them lie under 0.81, 5% under 0.85
    same = np.r_[np.zeros(1001, bool), np.ones(500, bool)]
    measured = measure_thresholds(np.r_[different, np.linspace(0.2, 1.0, 500)], same, verification_threshold=1.1)
    assert (measured.stricter, measured.default, measured.looser) == (0.81, 0.85, 1.1)

    card = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())
    weights = copy_model(DEFAULT_WEIGHTS, tmp_path)
    weights.with_suffix(".json").write_text(json.dumps({**card, "match_thresholds": asdict(measured)}))
    assert FaceAnalyzer(weights).match_thresholds == measured
    weights.with_suffix(".json").write_text(json.dumps({"version": "no-thresholds"}))
    assert FaceAnalyzer(weights).match_thresholds == FALLBACK_THRESHOLDS



def test_a_large_librarys_search_lets_in_no_more_strangers_than_a_small_ones(tmp_path):
    different = np.linspace(0.8, 1.8, 100_001)  # a share q of them lies under 0.8 + q
    same = np.r_[np.zeros(len(different), bool), np.ones(500, bool)]
    curve = far_curve(np.r_[different, np.linspace(0.2, 1.0, 500)], same)
    pairs = MatchThresholds(stricter=0.81, default=0.85, looser=1.1)
    assert for_library(pairs, curve, LIBRARY_SIZE) == pairs
    # Among 10 times as many faces, a tenth of the share: 0.1% and 0.5% of different-person pairs.
    assert for_library(pairs, curve, 10 * LIBRARY_SIZE) == MatchThresholds(stricter=0.801, default=0.805, looser=1.1)
    assert for_library(pairs, None, 10 * LIBRARY_SIZE) == pairs  # a card without a measured curve

    analyzer = FaceAnalyzer()  # the shipped card's curves, measured on celeba-faces-val
    for n_faces in (1, 2, 3, 5, 40):
        pair_measured = analyzer.search_thresholds(n_faces)
        assert analyzer.search_thresholds(n_faces, LIBRARY_SIZE) == pair_measured
        larger = [analyzer.search_thresholds(n_faces, n) for n in (5_000, 20_000, 100_000)]
        for smaller, bigger in zip([pair_measured, *larger], larger):
            assert bigger.stricter < smaller.stricter and bigger.default < smaller.default
            assert bigger.stricter < bigger.default and bigger.looser == pair_measured.looser


def test_a_search_in_a_large_library_uses_its_size_and_says_so(tmp_path, analyzer, capsys):
    album = tmp_path / "album"
    album.mkdir()
    for copy in range(100):  # the same photos over and over (links: their faces are reused, not analysed again)
        for photo in PHOTOS.glob("*.jpg"):
            os.link(photo, album / f"{copy:03d}_{photo.name}")
    config = load_config(tmp_path / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    result = find(analyzer, store, PHOTOS / "rose_1.jpg")
    assert result.n_compared > LIBRARY_SIZE
    assert result.thresholds == analyzer.search_thresholds(1 + len(result.library_faces), result.n_compared)
    assert result.thresholds.default < analyzer.search_thresholds(1 + len(result.library_faces)).default
    # Her other faces, each once: a hundred copies of a photo add its face once, and her own photo's copies none.
    added = [store.faces.get(f) for f in result.library_faces]
    assert sorted(Path(f.photo_path).name.split("_", 1)[1] for f in added) == ["kit_with_rose.jpg", "rose_2.jpg"]
    print_table(result, result.thresholds.default, "default", tmp_path)
    assert library_size_note(result.n_compared) in capsys.readouterr().out
    assert library_size_note(LIBRARY_SIZE) is None

    # A video's strangers are the few people in it, not the library's faces: its levels stay the pair-measured
    # ones, and the page's slider at a level means that level for the video too.
    pairs = analyzer.search_thresholds(1 + len(result.library_faces))
    assert result.video_levels == pairs and load_result(_saved(result, tmp_path)).video_levels == pairs
    between = (result.thresholds.default + pairs.default) / 2  # too far for a photo at "default", not for a frame
    assert result.thresholds.default < between and pairs.stricter < between
    result.videos = [VideoResult("/v.mp4", 1.0, 4.0, [VideoSample(0.0, between), VideoSample(1.0, None),
                                                      VideoSample(2.0, None), VideoSample(3.0, pairs.stricter)])]
    assert [(m.start, m.end) for m in result.video_moments(result.videos[0], result.thresholds.default)] == [(0, 0), (3, 3)]
    assert [(m.start, m.end) for m in result.video_moments(result.videos[0], result.thresholds.stricter)] == [(3, 3)]
    assert result.summary(result.thresholds.default)["videos"][0]["moments"][0]["start"] == 0


def test_a_level_maps_onto_other_thresholds_in_proportion():
    photos, video = MatchThresholds(0.7, 0.8, 1.1), MatchThresholds(1.0, 1.1, 1.2)
    assert same_level(0.8, photos, video) == pytest.approx(1.1)
    assert same_level(0.95, photos, video) == pytest.approx(1.15)  # halfway from default to looser
    assert same_level(0.6, photos, video) == pytest.approx(0.9) and same_level(1.2, photos, video) == pytest.approx(1.3)
    assert same_level(0.93, video, video) == 0.93


# --- the command line ---


def app(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", *args], cwd=REPO, env=ENV, capture_output=True, text=True,
                          timeout=300)


def test_cli_prints_a_table_and_json_last(library, video, tmp_path):
    out = tmp_path / "search"
    run = app("find", str(PHOTOS / "obama_3.jpg"), "--video", str(video), "--data-dir", str(library["data_dir"]),
              "--out", str(out))
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert f"Looks like: {NAME}" in run.stdout and "obama_1.jpg" in run.stdout and "0:00-0:02" in run.stdout
    data = json.loads(lines[-1])
    truth = QUERIES["obama_3.jpg"]
    assert {Path(p["path"]).name for p in data["photos"][: len(truth)]} == truth  # best first
    assert data["person"]["name"] == NAME and data["face"] == 1 and data["n_faces_in_query"] == 1
    (clip,) = data["videos"]
    assert [(m["start"], m["end"]) for m in clip["moments"]] == [(0, 2), (7, 9)]
    assert all(Path(m["thumbnail"]).is_file() for m in clip["moments"])
    assert load_result(out / "result.json").photos(data["threshold"])  # the full result for the page

    looser = json.loads(app("find", str(PHOTOS / "obama_3.jpg"), "--strictness", "looser", "--data-dir",
                            str(library["data_dir"]), "--out", str(tmp_path / "loose")).stdout.splitlines()[-1])
    assert looser["threshold"] > data["threshold"] and len(looser["photos"]) >= len(data["photos"])


def test_cli_searches_keep_only_the_newest_as_the_pages_do(library):
    """A search without --out keeps its result in the library's searches folder, which keeps the newest ones (as
    the page's searches do): searches from the command line no longer pile up there."""
    from dashapp.uploads import KEPT_SEARCHES

    finds = library["data_dir"] / "finds"
    for i in range(KEPT_SEARCHES + 5):
        old = finds / f"20200101-000000-old{i:03d}"
        old.mkdir(parents=True)
        os.utime(old, (1_600_000_000 + i, 1_600_000_000 + i))
    run = app("find", str(PHOTOS / "rose_1.jpg"), "--data-dir", str(library["data_dir"]))
    assert run.returncode == 0, run.stderr[-2000:]
    kept = [p for p in finds.iterdir() if p.is_dir()]
    assert len(kept) == KEPT_SEARCHES and not (finds / "20200101-000000-old000").exists()
    assert any((p / "result.json").is_file() for p in kept)  # this search's own


def test_cli_finds_a_library_person_by_name_or_id(library, video, tmp_path):
    """`--person` with two faces searches with their template: their photos, and their moments in a video."""
    data_dir = str(library["data_dir"])
    person = library["store"].people.by_name(NAME)
    run = app("find", "--person", NAME.upper(), "--video", str(video), "--data-dir", data_dir, "--out",
              str(tmp_path / "by-name"))
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads(run.stdout.splitlines()[-1])
    theirs = {Path(library["store"].faces.get(f).photo_path).name for f in library["store"].people.face_ids(person.id)}
    assert theirs <= {Path(p["path"]).name for p in data["photos"]} and data["person"]["name"] == NAME
    assert data["template"] == {"person_id": person.id, "person_name": NAME, "n_faces": 2}
    assert [(m["start"], m["end"]) for m in data["videos"][0]["moments"]] == [(0, 2), (7, 9)]
    by_id = json.loads(app("find", "--person", str(person.id), "--data-dir", data_dir, "--out",
                           str(tmp_path / "by-id")).stdout.splitlines()[-1])
    assert by_id["query"] == data["query"] and by_id["box"] == data["box"]


def test_cli_searches_for_a_person_none_of_whose_photos_is_on_disk(library, analyzer, tmp_path):
    """Their photos moved away (a drive unplugged): their faces in the library are enough to search with, and the
    command says that it read no photo. Without a person, no photo is refused."""
    store = library["store"]
    person = store.people.by_name(NAME)
    photos = [Path(store.faces.get(f).photo_path) for f in store.people.face_ids(person.id)]
    for photo in photos:
        photo.rename(photo.with_suffix(".away"))
    try:
        run = app("find", "--person", NAME, "--data-dir", str(library["data_dir"]), "--out", str(tmp_path / "out"))
    finally:
        for photo in photos:
            photo.with_suffix(".away").rename(photo)
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"none of the photos of {NAME} is on disk now" in run.stderr and "No query photo" in run.stdout
    data = json.loads(run.stdout.splitlines()[-1])
    assert data["query"] is None and data["box"] is None and data["template"]["n_faces"] == 2
    assert {p.name for p in photos} <= {Path(p["path"]).name for p in data["photos"]}
    assert load_result(tmp_path / "out" / "result.json").query_face is None  # the page reads it back
    with pytest.raises(QueryError, match="none of their photos can be read"):
        find(analyzer, store, None)


def test_cli_searches_with_more_photos_of_the_person(library, tmp_path):
    run = app("find", str(PHOTOS / "rose_1.jpg"), "--also", str(PHOTOS / "rose_2.jpg"), "--also",
              str(PHOTOS / "biden_2.jpg"), "--data-dir", str(library["data_dir"]), "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "rose_2.jpg: its face joined the search" in run.stdout and "Searched with the mean of 2 faces" in run.stdout
    assert "biden_2.jpg: skipped, no face like the chosen one" in run.stdout
    data = json.loads(run.stdout.splitlines()[-1])
    assert data["n_query_faces"] == 2 and [a["reason"] for a in data["also"]] == [None, "no face like the chosen one"]
    assert {Path(p["path"]).name for p in data["photos"]} == QUERIES["rose_1.jpg"]


def test_cli_errors_are_one_line_with_status_2(library, tmp_path):
    data_dir = str(library["data_dir"])
    no_face = app("find", str(no_face_photo(tmp_path / "sky.jpg")), "--data-dir", data_dir)
    assert no_face.returncode == 2 and no_face.stderr.strip().splitlines()[-1].startswith("error: no face found")
    (tmp_path / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(500))
    broken = app("find", str(PHOTOS / "obama_3.jpg"), "--video", str(tmp_path / "broken.mp4"), "--data-dir", data_dir)
    assert broken.returncode == 2 and "error: not a video: FFmpeg cannot read broken.mp4" in broken.stderr
    missing = app("find", str(tmp_path / "nobody.jpg"), "--data-dir", data_dir)
    assert missing.returncode == 2 and "error: no such file" in missing.stderr
    bad_face = app("find", str(PHOTOS / "obama_3.jpg"), "--face", "3", "--data-dir", data_dir)
    assert bad_face.returncode == 2 and "choose a face from 1 to 1" in bad_face.stderr
    nobody = app("find", "--person", "Nobody Known", "--data-dir", data_dir)
    assert nobody.returncode == 2 and "error: no person 'Nobody Known' with faces" in nobody.stderr
    also_missing = app("find", str(PHOTOS / "obama_3.jpg"), "--also", str(tmp_path / "nobody.jpg"), "--data-dir", data_dir)
    assert also_missing.returncode == 2 and "error: no such file" in also_missing.stderr
    also_person = app("find", "--person", NAME, "--also", str(PHOTOS / "obama_3.jpg"), "--data-dir", data_dir)
    assert also_person.returncode == 2 and "--also goes with a photo of the person" in also_person.stderr
    both = app("find", str(PHOTOS / "obama_3.jpg"), "--person", NAME, "--data-dir", data_dir)
    neither = app("find", "--data-dir", data_dir)
    assert both.returncode == neither.returncode == 2 and "one of the two" in both.stderr and "one of the two" in neither.stderr


@pytest.mark.parametrize("every", ["0", "-1", "nan", "inf"])
def test_cli_refuses_a_sampling_interval_that_is_not_a_number_of_seconds(tmp_path, every):
    """`--every inf` would sample one frame of each video and print `Infinity`, which is not JSON, in the last line."""
    video = person_video(tmp_path / "party.mp4")
    run = app("find", str(PHOTOS / "obama_3.jpg"), "--video", str(video), "--every", every,
              "--data-dir", str(tmp_path / "data"))
    assert run.returncode == 2 and "error: --every must be a positive number of seconds" in run.stderr


def test_write_video_makes_what_it_says(tmp_path):
    path = write_video(tmp_path / "short.mp4", [(None, 1)])
    assert probe_video(path).duration == pytest.approx(1, abs=0.15)


def test_template_thresholds_are_measured_on_other_peoples_faces():
    """One person with six identical faces (genuine distance 0) and strangers at known distances from them."""
    rng = np.random.default_rng(3)
    own = np.tile(np.eye(128, dtype=np.float32)[0], (6, 1))
    angles = rng.uniform(0.3, 1.5, 200)
    strangers = np.zeros((200, 128), np.float32)
    strangers[:, 0], strangers[:, 1] = np.cos(angles), np.sin(angles)
    people = ["ada"] * 6 + [f"s{i // 2}" for i in range(200)]  # strangers: two faces each, too few for a template
    got = measure_template_search(np.r_[own, strangers], people, n_faces=5)
    d = np.linalg.norm(strangers - own[0], axis=1)  # every template of ada is exactly own[0]
    assert got.n_people == 1 and got.thresholds == MatchThresholds(
        round(float(np.quantile(d, 0.01)), 3), round(float(np.quantile(d, 0.05)), 3), round(float(np.quantile(d, 0.10)), 3))
    assert got.tar == {"stricter": 1.0, "default": 1.0, "looser": 1.0}
    assert got.far == {level: round(float(np.mean(d <= got.thresholds.get(level))), 4) for level in got.far}
    assert np.linalg.norm(template(own[:2] + strangers[:2])) == pytest.approx(1)
    with pytest.raises(ValueError, match="more than 5 faces"):
        measure_template_search(strangers, people[6:], n_faces=5)


def test_cli_person_a_name_of_digits_wins_over_an_id(tmp_path, analyzer):
    """A person named like another's id ("007" beside person 7) is found by name; '#ID' is always the id."""
    data_dir, store = build_find_library(tmp_path, analyzer)
    barack = store.people.by_name(NAME)
    rose = [store.faces.of_photo(store.photos.by_path(tmp_path / "album" / "rose_2.jpg").id)[0].id]
    digits = f"{barack.id:03d}"  # Barack's id, written as a name
    named = store.people.get(store.people.move_faces_to_name(rose, digits))
    run = app("find", "--person", digits, "--data-dir", str(data_dir), "--out", str(tmp_path / "by-name"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert Path(json.loads(run.stdout.splitlines()[-1])["query"]).name == "rose_2.jpg"  # their one face
    assert f"note: searching for the person named '{digits}' (person {named.id}), not person {barack.id}" in run.stderr
    by_id = app("find", "--person", f"#{barack.id}", "--data-dir", str(data_dir), "--out", str(tmp_path / "by-id"))
    assert json.loads(by_id.stdout.splitlines()[-1])["template"]["person_id"] == barack.id  # two faces: a template
    store.close()


def test_cli_person_whose_faces_are_all_of_an_older_model_says_how_it_searched(tmp_path, analyzer):
    """A person whose faces an older face model found (no `ingest --outdated` since an upgrade) has no template this
    model can compare: the command says it searches with their face in one photo, and how to bring them up to date."""
    from sqlalchemy import update

    from dashapp.store.schema import faces

    data_dir, store = build_find_library(tmp_path, analyzer)
    barack = store.people.by_name(NAME)
    with store.engine.begin() as conn:
        conn.execute(update(faces).where(faces.c.id.in_(store.people.face_ids(barack.id))).values(model_version="old"))
    run = app("find", "--person", NAME, "--data-dir", str(data_dir), "--out", str(tmp_path / "out"))
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads(run.stdout.splitlines()[-1])
    assert data["template"] is None and data["query"] is not None
    assert f"note: the faces of {NAME} were found by an older face model: searching with their face in " \
           f"{data['query']} alone" in run.stderr
    store.close()


def test_cli_person_finds_a_name_typed_without_its_accents(tmp_path, analyzer):
    """`--person "zoe angstrom"` finds Zoé Ångström (case and accents set aside when no name is exactly that);
    when the name typed could be two people, it says who they are and searches for neither."""
    data_dir, store = build_find_library(tmp_path, analyzer)
    rose, kit = ([store.faces.of_photo(store.photos.by_path(tmp_path / "album" / name).id)[0].id]
                 for name in ("rose_2.jpg", "kit_1.jpg"))
    zoe = store.people.move_faces_to_name(rose, "Zoé Ångström")
    run = app("find", "--person", "zoe angstrom", "--data-dir", str(data_dir), "--out", str(tmp_path / "zoe"))
    assert run.returncode == 0, run.stderr[-2000:]
    assert Path(json.loads(run.stdout.splitlines()[-1])["query"]).name == "rose_2.jpg"  # Zoé's one face
    zoe_too = store.people.move_faces_to_name(kit, "Zoë Ångström")  # another name, so another person
    both = app("find", "--person", "zoe angstrom", "--data-dir", str(data_dir))
    assert both.returncode == 2 and both.stderr.strip().splitlines()[-1] == (
        f"error: 'zoe angstrom' could be 'Zoé Ångström' (#{zoe}), 'Zoë Ångström' (#{zoe_too}): give the name as it "
        "is written, or the id (--person '#ID')")
    store.close()
