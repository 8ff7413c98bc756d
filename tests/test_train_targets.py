"""Training targets and the warm start's CosFace classes, on real teacher descriptors and real faces."""

from __future__ import annotations

import numpy as np
import pytest

from model.imaging import load_image
from model.labels import read_identity_file
from model.training.crops import list_sources
from model.training.data import (
    TrainingSet, album_images, build_training_set, epoch_batches, load_teacher, mix_identity_centroids,
)
from tests.conftest import MODEL_FIXTURES


def _mean_pair_cosine(x: np.ndarray, ids: np.ndarray, same: bool) -> float:
    sims = x @ x.T
    mask = (ids[:, None] == ids[None, :]) == same
    np.fill_diagonal(mask, False)
    return float(sims[mask].mean())


def test_the_albums_photos_are_never_trained_on(shared_data, tmp_path):
    album = album_images(shared_data)
    sources = {f for s in list_sources(shared_data) for f in s.files}
    among_training = sorted(album & sources)  # CelebA train-split photos that celeba-aligned holds too
    assert len(album) == 641 and len(among_training) == 89
    others = sorted(f for f in sources if f.startswith("celeba-aligned/") and f not in album)[:3]
    paths = among_training[:3] + others
    identity = ["celeba-aligned:" + read_identity_file(shared_data / "celeba-aligned" / "identity_CelebA.txt")[
        p.rsplit("/", 1)[1]] for p in paths]
    np.savez(tmp_path / "cache.npz", crops=np.zeros((len(paths), 112, 112, 3), np.uint8), path=np.array(paths),
             identity=np.array(identity))
    ts = build_training_set(shared_data, [tmp_path / "cache.npz"])
    assert len(ts.crops) == len(others) and ts.attribute_mask.sum() == len(others)


def test_centroid_mix_pulls_each_person_together_and_leaves_unknown_faces(shared_data):
    teacher = load_teacher(shared_data)
    paths = sorted(p for p in teacher if p.startswith("glint-24/"))[::10]  # all 24 people, ~580 faces
    paths += sorted(p for p in teacher if p.startswith("utkface/"))[:50]  # no identity
    targets = np.stack([teacher[p][0] for p in paths])
    weight = np.array([teacher[p][1] for p in paths], np.float32)
    identities = [p.split("/")[1] if p.startswith("glint-24/") else "" for p in paths]

    mixed = mix_identity_centroids(targets, weight, identities, 0.5)

    assert np.allclose(np.linalg.norm(mixed, axis=1), 1, atol=1e-5)
    known = np.array([bool(i) for i in identities]) & (weight > 0)
    ids = np.array(identities)[known]
    assert _mean_pair_cosine(mixed[known], ids, True) > _mean_pair_cosine(targets[known], ids, True) + 0.1
    # people stay apart: different identities are no closer than before
    assert _mean_pair_cosine(mixed[known], ids, False) < _mean_pair_cosine(targets[known], ids, False) + 0.05
    assert np.array_equal(mixed[~known], targets[~known])
    assert mix_identity_centroids(targets, weight, identities, 0.0) is targets


def test_identity_groups_put_several_faces_of_one_person_in_each_batch(shared_data):
    labels = read_identity_file(shared_data / "celeba-faces-train" / "identity_CelebA.txt")  # 750 people
    names = sorted(set(labels.values()))
    identity = np.array([names.index(v) for v in labels.values()] + [-1] * 500)  # + faces of nobody known

    def people_with_four(batches: list[np.ndarray]) -> np.ndarray:
        return np.array([(np.bincount(identity[b][identity[b] >= 0]) >= 4).sum() for b in batches])

    plain = epoch_batches(identity, 128, 0.0, np.random.default_rng(0))
    grouped = epoch_batches(identity, 128, 0.5, np.random.default_rng(0))

    assert len(plain) == len(grouped) == len(identity) // 128
    assert all(len(b) == 128 for b in plain + grouped)
    flat = np.concatenate(plain)
    assert len(np.unique(flat)) == len(flat)  # without groups: a permutation, each face once
    assert people_with_four(grouped).min() >= 16  # half the batch: 16 people x 4 faces
    assert people_with_four(plain).max() <= 1


def test_warm_start_begins_each_cosface_class_at_its_faces(analyzer, tmp_path):
    from model.faces import DEFAULT_WEIGHTS
    from model.training.train import Recipe, Trainer

    people = MODEL_FIXTURES / "people"
    labels = read_identity_file(people / "identity_CelebA.txt")
    files = sorted(labels)
    faces = analyzer.analyze_many([load_image(people / f) for f in files])
    crops = np.stack([max(f, key=lambda face: face.area).crop for f in faces])
    names = sorted(set(labels.values()))
    identity = np.array([names.index(labels[f]) for f in files], np.int32)
    n = len(files)
    ts = TrainingSet(
        crops=crops, teacher=np.zeros((n, 128), np.float32), teacher_weight=np.zeros(n, np.float32),
        identity=identity, attributes=np.zeros((n, 40), np.float32), attribute_mask=np.zeros(n, np.float32),
        n_classes=len(names),
    )
    recipe = Recipe(input_size=96, init_from=str(DEFAULT_WEIGHTS), epochs=1, batch_size=4)
    trainer = Trainer(ts, recipe, tmp_path)

    weights = trainer.class_weights.numpy()
    assert np.allclose(np.linalg.norm(weights, axis=0), 1, atol=1e-5)
    embeddings, _ = trainer.embed(crops)
    # every class weight is its own faces' mean direction, so each face is nearest to its own class
    assert np.array_equal(np.argmax(embeddings @ weights, axis=1), identity)


def test_small_face_share_softens_that_share_of_the_batch(analyzer):
    import tensorflow as tf

    from model.training.train import _augment

    faces = analyzer.analyze_many([load_image(p) for p in sorted((MODEL_FIXTURES / "people").glob("*.jpg"))])
    crops = tf.constant(np.stack([max(f, key=lambda face: face.area).crop for f in faces]))

    def detail(share: float) -> float:
        """Mean absolute difference of neighbouring pixels: what shrinking a face to 16-56 px takes away."""
        tf.random.set_seed(0)
        x = _augment(tf, crops, 96, share).numpy()
        return float(np.abs(np.diff(x, axis=2)).mean())

    assert detail(1.0) < 0.8 * detail(0.0)
    assert detail(0.0) * 0.8 < detail(0.5) < detail(0.0)


def test_the_neighbour_loss_asks_the_student_to_rank_batch_neighbours_as_the_teacher_does(shared_data):
    import tensorflow as tf

    from model.training.train import _neighbour_kl

    teacher_by_path = load_teacher(shared_data)
    teacher = np.stack([e for e, w in list(teacher_by_path.values())[:24] if w > 0][:16]).astype(np.float32)
    weight = np.ones(16, np.float32)
    weight[3] = 0.0  # a face without a teacher target: no row, no column of it counts

    def loss(student: np.ndarray, t: float = 0.1) -> float:
        usable = tf.constant(weight[:, None] * weight[None, :] * (1 - np.eye(16, dtype=np.float32)))
        return float(_neighbour_kl(tf, tf.constant(student @ student.T), tf.constant(teacher @ teacher.T), usable, t))

    assert abs(loss(teacher)) < 1e-6  # ranks exactly as the teacher does
    shuffled = teacher[np.random.default_rng(0).permutation(16)]
    expected = []  # the same KL by hand, over the usable faces
    keep = np.flatnonzero(weight > 0)
    for i in keep:
        others = keep[keep != i]
        lt = teacher[others] @ teacher[i] / 0.1
        ls = shuffled[others] @ shuffled[i] / 0.1
        lt, ls = lt - np.logaddexp.reduce(lt), ls - np.logaddexp.reduce(ls)
        expected.append(np.sum(np.exp(lt) * (lt - ls)))
    assert loss(shuffled) == pytest.approx(np.mean(expected), rel=1e-4) and loss(shuffled) > 0.1
    moved = teacher.copy()
    moved[3] = -moved[3]  # the face without a target may lie anywhere
    assert abs(loss(moved)) < 1e-6


def test_the_bank_neighbour_loss_ranks_every_training_face_but_the_face_itself(shared_data):
    import tensorflow as tf

    from model.training.train import _bank_neighbour_kl

    bank = np.stack([e for e, w in list(load_teacher(shared_data).values())[:64] if w > 0][:40]).astype(np.float32)
    teacher = bank[:8]  # the batch: 8 faces of the bank
    weight = np.ones(8, np.float32)
    weight[5] = 0.0  # no teacher target: no row

    def loss(student: np.ndarray, student_bank: np.ndarray | None = None) -> float:
        return float(_bank_neighbour_kl(tf, tf.constant(student), tf.constant(teacher), tf.constant(weight),
                                        tf.constant(bank), 0.05, None if student_bank is None else tf.constant(student_bank)))

    def by_hand(student: np.ndarray, student_bank: np.ndarray) -> float:
        expected = []  # each usable face against the 39 other bank faces
        for i in np.flatnonzero(weight > 0):
            others = np.delete(np.arange(len(bank)), i)
            lt, ls = bank[others] @ teacher[i] / 0.05, student_bank[others] @ student[i] / 0.05
            lt, ls = lt - np.logaddexp.reduce(lt), ls - np.logaddexp.reduce(ls)
            expected.append(np.sum(np.exp(lt) * (lt - ls)))
        return float(np.mean(expected))

    assert abs(loss(teacher)) < 1e-6
    student = teacher[np.random.default_rng(1).permutation(8)]
    assert loss(student) == pytest.approx(by_hand(student, bank), rel=1e-4) and loss(student) > 0.1
    # With the student's own embeddings of the bank's faces, its side ranks those instead.
    rotation = np.linalg.qr(np.random.default_rng(2).normal(size=(128, 128)))[0].astype(np.float32)
    assert abs(loss(teacher @ rotation, bank @ rotation)) < 1e-5  # its own space: only the ranking counts
    noisy = bank + np.random.default_rng(3).normal(size=bank.shape).astype(np.float32) * 0.05
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    assert loss(student, noisy) == pytest.approx(by_hand(student, noisy), rel=1e-4)


def test_the_student_memory_averages_a_faces_views_by_its_momentum():
    import tensorflow as tf

    from model.training.train import _refreshed_memory

    rng = np.random.default_rng(4)
    remembered, batch = (v / np.linalg.norm(v, axis=1, keepdims=True) for v in rng.normal(size=(2, 6, 128)))
    plain = _refreshed_memory(tf, tf.constant(remembered), tf.constant(batch), 0.0).numpy()
    assert np.allclose(plain, batch, atol=1e-6)  # momentum 0: the batch's embeddings replace the memory
    half = _refreshed_memory(tf, tf.constant(remembered), tf.constant(batch), 0.5).numpy()
    mean = remembered + batch
    assert np.allclose(half, mean / np.linalg.norm(mean, axis=1, keepdims=True), atol=1e-6)
    assert np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-6)
