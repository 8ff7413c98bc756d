"""MTCNN detection and alignment on real photos."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from model.alignment import ARCFACE_TEMPLATE, align_face, similarity_transform
from model.imaging import load_image
from tests.conftest import MODEL_FIXTURES

GROUP = MODEL_FIXTURES / "group"


@pytest.mark.parametrize(
    "name, expected", [("two_people.jpg", 2), ("kit_with_rose.jpg", 2), ("multiface.jpg", 6), ("astronaut.jpg", 1)]
)
def test_group_photos_yield_the_right_number_of_faces(analyzer, name, expected):
    faces = analyzer.detect(load_image(GROUP / name))
    assert len(faces) == expected
    for face in faces:
        x, y, w, h = face.box
        assert w > 20 and h > 20 and face.score >= 0.9
        # every landmark lies inside its box
        assert np.all(face.landmarks[:, 0] >= x - 2) and np.all(face.landmarks[:, 0] <= x + w + 2)
        assert np.all(face.landmarks[:, 1] >= y - 2) and np.all(face.landmarks[:, 1] <= y + h + 2)


@pytest.mark.parametrize("name", ["186891.jpg", "199444.jpg", "193609.jpg"])
def test_a_face_filling_a_tight_crop_is_found(analyzer, name):
    """The cascade's usual thresholds find no face in these crops; the second pass for tight crops does, where it is."""
    image = load_image(MODEL_FIXTURES / "tight" / name)
    padded = analyzer.detector._prepare(image)[0]
    assert len(analyzer.detector.cascade.detect(padded)) == 0  # why the second pass exists
    faces = analyzer.detect(image)
    assert len(faces) == 1 and faces[0].score >= 0.9
    left_eye, right_eye, nose, left_mouth, right_mouth = faces[0].landmarks
    h, w = image.shape[:2]
    assert left_eye[0] < nose[0] < right_eye[0] and left_mouth[0] < right_mouth[0]
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(left_mouth[1], right_mouth[1]) < h
    assert 0.25 * w < nose[0] < 0.75 * w and 0.3 * h < nose[1] < 0.8 * h


@pytest.mark.parametrize("seed", range(5))
def test_the_second_pass_finds_no_face_in_noise(analyzer, seed):
    noise = np.random.default_rng(seed).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    assert analyzer.detect(noise) == []


def test_exif_rotated_photo_is_detected_upright(analyzer, tmp_path):
    upright = Image.open(GROUP / "two_people.jpg")
    exif = Image.Exif()
    exif[0x0112] = 8  # stored rotated; viewers turn it back upright
    path = tmp_path / "rotated.jpg"
    upright.transpose(Image.Transpose.ROTATE_270).save(path, exif=exif, quality=95)
    image = load_image(path)
    assert image.shape[:2] == (upright.height, upright.width)
    faces = analyzer.detect(image)
    assert len(faces) == 2
    for face in faces:
        eyes_y = face.landmarks[:2, 1].mean()
        mouth_y = face.landmarks[3:, 1].mean()
        assert eyes_y < mouth_y  # upright: eyes above the mouth
    reference = sorted(f.box for f in analyzer.detect(load_image(GROUP / "two_people.jpg")))
    for got, want in zip(sorted(f.box for f in faces), reference):
        assert np.allclose(got, want, atol=12)


def test_large_photo_boxes_are_mapped_back_to_original_pixels(analyzer):
    image = load_image(GROUP / "astronaut.jpg")  # 512x512
    big = np.asarray(Image.fromarray(image).resize((3000, 3000), Image.Resampling.BILINEAR))
    (small_face,) = analyzer.detect(image)
    (big_face,) = analyzer.detect(big)
    scale = 3000 / 512
    assert np.allclose(np.array(big_face.box) / scale, small_face.box, atol=6)


def test_alignment_puts_landmarks_on_the_template(analyzer):
    image = load_image(GROUP / "astronaut.jpg")
    (face,) = analyzer.detect(image)
    crop = align_face(image, face.landmarks)
    assert crop.shape == (112, 112, 3) and crop.dtype == np.uint8
    matrix = similarity_transform(face.landmarks, ARCFACE_TEMPLATE)
    mapped = np.c_[face.landmarks, np.ones(5)] @ matrix.T
    assert np.abs(mapped - ARCFACE_TEMPLATE).max() < 8  # a similarity fits five real landmarks closely


def test_similarity_transform_recovers_a_known_transform():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rot = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = ARCFACE_TEMPLATE @ rot.T + shift
    matrix = similarity_transform(ARCFACE_TEMPLATE, dst)
    assert np.allclose(matrix[:, :2], rot) and np.allclose(matrix[:, 2], shift)


def test_a_photos_faces_do_not_depend_on_the_other_photos_of_the_call(analyzer, tmp_path):
    # Two encodings of one photo have the same shape: batched together, mtcnn let one change the other's box.
    source = MODEL_FIXTURES.parent / "group" / "photos" / "obama_2.jpg"
    Image.open(source).save(tmp_path / "q85.jpg", "JPEG", quality=85)
    a, b = load_image(source), load_image(tmp_path / "q85.jpg")
    assert a.shape == b.shape
    alone = analyzer.detector.detect(b)
    for batch, position in (([b, a], 0), ([a, b], 1), ([a, b, a], 1)):
        together = analyzer.detector.detect_many(batch)[position]
        assert len(together) == len(alone) == 1
        np.testing.assert_allclose(together[0].box, alone[0].box, atol=1e-3)
        np.testing.assert_allclose(together[0].landmarks, alone[0].landmarks, atol=1e-3)


@pytest.mark.parametrize("name", ["two_people.jpg", "multiface.jpg", "astronaut.jpg"])
def test_the_numpy_cascade_finds_what_the_mtcnn_package_finds(name):
    """Our port of mtcnn's pipeline (no TensorFlow) gives mtcnn's own faces, boxes, landmarks and scores."""
    from mtcnn import MTCNN

    from model.mtcnn_cascade import MtcnnCascade

    image = load_image(GROUP / name)
    reference = np.asarray(MTCNN(device="CPU:0").detect_faces(image, box_format="xyxy", output_type="numpy"))
    reference = reference.reshape(-1, 16)[:, 1:]  # drop the image index
    ours = MtcnnCascade().detect(image)
    assert len(ours) == len(reference) >= 1
    ours, reference = (rows[np.lexsort((rows[:, 1], rows[:, 0]))] for rows in (ours, reference))  # by box
    np.testing.assert_allclose(ours[:, 4], reference[:, 4], atol=1e-4)  # scores
    positions = [0, 1, 2, 3, *range(5, 15)]  # box corners, then landmark x and y
    np.testing.assert_allclose(ours[:, positions], reference[:, positions], atol=0.05)


@pytest.mark.parametrize("min_face_size", [40, 80])
def test_a_larger_minimum_face_size_still_finds_the_faces(min_face_size):
    # mtcnn 1.0.0 itself finds none here: its pyramid then reaches levels under PNet's 12 px, and the error
    # that raises ends its whole detection as "no faces". The port skips those levels.
    from model.mtcnn_cascade import MtcnnCascade

    assert len(MtcnnCascade().detect(load_image(GROUP / "two_people.jpg"), min_face_size)) == 2


@pytest.mark.parametrize("shape", [(8, 8, 3), (11, 300, 3), (240, 320, 3)])
def test_the_cascade_finds_no_face_in_a_blank_or_tiny_image(shape):
    from model.mtcnn_cascade import MtcnnCascade

    rows = MtcnnCascade().detect(np.full(shape, 128, np.uint8))
    assert rows.shape == (0, 15)


def test_mtcnns_networks_are_converted_once_and_then_read_from_the_cache(tmp_path, monkeypatch):
    from model.mtcnn_cascade import MtcnnCascade
    from model.runtime import CACHE_ENV_VAR

    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    first = MtcnnCascade().detect(load_image(GROUP / "two_people.jpg"))
    files = sorted((tmp_path / "cache").glob("mtcnn-*.tflite"))
    assert len(files) == 3
    stamps = [f.stat().st_mtime_ns for f in files]
    again = MtcnnCascade().detect(load_image(GROUP / "two_people.jpg"))
    assert [f.stat().st_mtime_ns for f in files] == stamps
    np.testing.assert_array_equal(first, again)


def test_runtime_files_are_converted_in_memory_when_the_cache_is_not_writable(tmp_path, monkeypatch):
    from model.runtime import CACHE_ENV_VAR, cached_runtime_file

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv(CACHE_ENV_VAR, str(blocker / "cache"))
    assert cached_runtime_file("x.tflite", lambda: b"converted") == b"converted"
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))
    path = cached_runtime_file("x.tflite", lambda: b"converted")
    assert path.read_bytes() == b"converted"
    assert cached_runtime_file("x.tflite", lambda: b"never called") == path


def test_alignment_reads_only_the_faces_region_and_gives_the_full_photos_crop():
    """align_face converts just the region its crop samples; the crop must equal warping the whole photo."""
    photo = np.asarray(Image.open(GROUP / "multiface.jpg").convert("RGB").resize((2400, 1600)))
    rng = np.random.default_rng(0)
    for _ in range(5):
        landmarks = ARCFACE_TEMPLATE * rng.uniform(1.5, 4.0) + rng.uniform(-40, 2200, 2)
        inverse = np.linalg.inv(np.vstack([similarity_transform(landmarks, ARCFACE_TEMPLATE), [0, 0, 1]]))[:2]
        whole = Image.fromarray(photo).transform(
            (112, 112), Image.Transform.AFFINE, inverse.ravel().tolist(), resample=Image.Resampling.BILINEAR
        )
        assert np.array_equal(align_face(photo, landmarks), np.asarray(whole))


@pytest.mark.parametrize("by_min", [False, True])
def test_nms_in_blocks_keeps_what_nms_over_all_boxes_at_once_keeps(monkeypatch, by_min):
    import model.mtcnn_cascade as cascade

    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 300, (1500, 2))
    boxes = np.c_[corners, corners + rng.uniform(5, 60, (1500, 2)), rng.uniform(size=1500)]
    boxes = boxes[np.argsort(boxes[:, 4])[::-1]]
    monkeypatch.setattr(cascade, "NMS_BLOCK", len(boxes))
    at_once = cascade._nms(boxes, 0.5, by_min)
    monkeypatch.setattr(cascade, "NMS_BLOCK", 97)
    kept = cascade._nms(boxes, 0.5, by_min)
    assert 0 < len(kept) < len(boxes)
    np.testing.assert_array_equal(kept, at_once)
