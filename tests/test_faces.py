"""The face API with the shipped model: embeddings, attributes, distances."""

from __future__ import annotations

import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest

from model.attributes import ATTRIBUTE_NAMES
from model.faces import distance
from model.imaging import load_image
from model.labels import read_identity_file
from tests.conftest import MODEL_FIXTURES, REPO

PEOPLE = MODEL_FIXTURES / "people"


def test_analyze_fills_every_field(analyzer):
    faces = analyzer.analyze(load_image(MODEL_FIXTURES / "group" / "two_people.jpg"))
    assert len(faces) == 2
    for face in faces:
        assert face.crop.shape == (112, 112, 3)
        assert face.embedding.shape == (128,) and abs(np.linalg.norm(face.embedding) - 1) < 1e-4
        assert face.attributes.shape == (40,) and np.all((face.attributes >= 0) & (face.attributes <= 1))
        top = face.top_attributes(10)
        assert len(top) == 10 and all(name in ATTRIBUTE_NAMES for name, _ in top)
        assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
        assert top[0][1] == pytest.approx(float(face.attributes.max()))


def test_same_person_is_closer_than_different_people(analyzer):
    identities = read_identity_file(PEOPLE / "identity_CelebA.txt")
    files = sorted(identities)
    per_image = analyzer.analyze_many([load_image(PEOPLE / f) for f in files])
    embeddings = np.stack([max(faces, key=lambda f: f.area).embedding for faces in per_image])
    same, different = [], []
    for i, j in combinations(range(len(files)), 2):
        d = float(distance(embeddings[i], embeddings[j]))
        (same if identities[files[i]] == identities[files[j]] else different).append(d)
    assert np.mean(same) < np.mean(different)
    # ranking quality: most same-person pairs are closer than most different-person pairs
    auc = np.mean([s < d for s in same for d in different])
    assert auc > 0.8


def test_embed_is_batched_and_deterministic(analyzer):
    faces = analyzer.analyze(load_image(MODEL_FIXTURES / "group" / "multiface.jpg"))
    crops = np.stack([f.crop for f in faces])
    emb_all, attr_all = analyzer.embed(crops)
    emb_one, attr_one = analyzer.embed(crops[:1])
    assert emb_all.shape == (len(faces), 128) and attr_all.shape == (len(faces), 40)
    assert np.allclose(emb_all[0], emb_one[0], atol=1e-4) and np.allclose(attr_all[0], attr_one[0], atol=1e-4)
    assert np.allclose(emb_all[0], faces[0].embedding, atol=1e-4)


def test_embed_rejects_unaligned_input(analyzer):
    with pytest.raises(ValueError, match="aligned crops"):
        analyzer.embed(np.zeros((2, 96, 96, 3), np.uint8))


def test_distance_is_euclidean_on_unit_vectors():
    a, b = np.eye(128, dtype=np.float32)[:2]
    assert distance(a, a) == 0 and distance(a, b) == pytest.approx(np.sqrt(2))
    assert distance(np.stack([a, b]), a).tolist() == pytest.approx([0, np.sqrt(2)])


def test_importing_model_does_not_import_tensorflow():
    code = "import sys, model, model.faces, model.evaluate, model.detection; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_analysing_photos_does_not_import_tensorflow(analyzer):
    """Detection and embedding run on LiteRT alone: ingest workers never pay TensorFlow's import."""
    photo = MODEL_FIXTURES.parent / "group" / "photos" / "obama_1.jpg"
    analyzer.detect(load_image(photo))  # MTCNN's networks are converted (once per machine)
    code = (
        "import sys; from model.faces import FaceAnalyzer; from model.imaging import load_image; "
        f"faces = FaceAnalyzer().analyze(load_image({str(photo)!r})); "
        "print(len(faces), faces[0].embedding.shape[0], 'tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "128", "False"]


def test_the_network_sees_the_centre_of_the_aligned_crop(analyzer):
    from model.network import INFERENCE_CROP

    faces = analyzer.analyze(load_image(MODEL_FIXTURES / "group" / "two_people.jpg"))
    crop = faces[0].crop.copy()
    border = (112 - round(112 * INFERENCE_CROP)) // 2
    assert border >= 3
    noisy = crop.copy()
    rng = np.random.default_rng(0)
    for edge in (np.s_[:border], np.s_[-border:]):  # the strips training's crop jitter mostly cuts away
        noisy[edge] = rng.integers(0, 256, noisy[edge].shape)
        noisy[:, edge] = rng.integers(0, 256, noisy[:, edge].shape)
    inside = noisy.copy()
    inside[50:60, 50:60] = 0  # a change in the centre must still count
    emb, _ = analyzer.embed(np.stack([crop, noisy, inside]))
    assert np.allclose(emb[0], emb[1], atol=1e-5)
    assert float(distance(emb[0], emb[2])) > 1e-3


def test_the_runtime_file_computes_what_the_trained_network_computes(analyzer):
    """face_model.tflite (what runs) must be the network in face_model.keras (what was trained), not a stale copy."""
    from model.network import load_inference_model

    faces = analyzer.analyze(load_image(MODEL_FIXTURES / "group" / "two_people.jpg"))
    crops = np.stack([f.crop for f in faces]).astype(np.float32)
    trained = load_inference_model(analyzer.weights)(crops, training=False)
    embeddings, attributes = analyzer.embed(crops.astype(np.uint8))
    # float16 weights move embeddings by ~5e-4 and probabilities by ~2e-3; the previous release's runtime file
    # beside this network differed by 0.08 and 0.27.
    assert np.abs(embeddings - np.asarray(trained["embedding"])).max() < 2e-3
    assert np.abs(attributes - np.asarray(trained["attributes"])).max() < 5e-3


def test_the_shipped_model_files_fit_in_8_mb(analyzer):
    from model.runtime import runtime_path

    assert analyzer.weights.stat().st_size + runtime_path(analyzer.weights).stat().st_size <= 8_000_000
