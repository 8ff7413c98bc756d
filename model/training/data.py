"""Assemble training arrays: aligned crops, teacher targets, identity classes, attribute labels."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model.attributes import ATTRIBUTE_NAMES
from model.clustering import centroids
from model.labels import read_attribute_file, read_identity_file

log = logging.getLogger(__name__)

# CelebA-aligned images of these numbers name the identities held out to validate the attribute head.
ATTRIBUTE_HOLDOUT = range(9001, 10001)
MIN_CLASS_IMAGES = 5


@dataclass
class TrainingSet:
    """Everything one training step needs, row-aligned."""

    crops: np.ndarray  # (N, 112, 112, 3) uint8
    teacher: np.ndarray  # (N, 128) float32 targets: centred, L2-normalised dlib descriptors; zeros where none
    teacher_weight: np.ndarray  # (N,) float32: 0 where no trustworthy teacher descriptor
    identity: np.ndarray  # (N,) int32 class index, -1 where unknown or a singleton
    attributes: np.ndarray  # (N, 40) float32 in {0, 1}
    attribute_mask: np.ndarray  # (N,) float32: 1 where attribute labels exist
    n_classes: int


def attribute_base_rates(ts: TrainingSet) -> np.ndarray:
    """Each attribute's share of positives among the training crops with attribute labels (1%-99%).

    The attribute loss weights classes by it, and the shipped model turns its scores into probabilities with it.
    """
    labelled = ts.attributes[ts.attribute_mask > 0]
    rates = labelled.mean(axis=0) if len(labelled) else np.full(len(ATTRIBUTE_NAMES), 0.5)
    return np.clip(rates, 0.01, 0.99).astype(np.float32)


def holdout_identities(data_root: Path) -> set[str]:
    """CelebA identities of images 009001-010000: never trained on, used to validate attributes."""
    ids = read_identity_file(data_root / "celeba-aligned" / "identity_CelebA.txt")
    return {ids[f"{n:06d}.jpg"] for n in ATTRIBUTE_HOLDOUT if f"{n:06d}.jpg" in ids}


def album_images(data_root: Path) -> set[str]:
    """The training images that are photos of the evaluation album: album-celeba-wild's photos are CelebA train-split
    images, and the first 10,000 of those are also in celeba-aligned (89 of them). Never trained on."""
    truth = data_root / "album-celeba-wild" / "identity_CelebA.txt"
    names = read_identity_file(truth) if truth.exists() else {}
    return {f"celeba-aligned/images/{name}" for name in names}


def load_teacher(data_root: Path) -> dict[str, tuple[np.ndarray, float]]:
    """dlib descriptors by path: centred (the raw ones share a large common component) and normalised."""
    t = np.load(data_root / "teacher" / "dlib-resnet128.npz")
    emb = t["embedding"].astype(np.float32)
    hog = t["box_source"] == "hog"
    emb = emb - emb[hog].mean(axis=0)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    weight = np.where(hog, 1.0, 0.0).astype(np.float32)  # full-image fallbacks are weak targets
    return {str(p): (e, w) for p, e, w in zip(t["path"], emb, weight)}


def mix_identity_centroids(teacher: np.ndarray, weight: np.ndarray, identities: list[str], mix: float) -> np.ndarray:
    """Pull each target towards its identity's mean teacher descriptor: (1 - mix) own + mix centroid, renormalised.

    A single dlib descriptor also encodes the photo's pose, light and expression, which a small student
    cannot copy and does not need; the mean over the person's photos keeps what identifies them.
    Rows without a trusted descriptor or a known identity keep their own target.
    """
    if mix <= 0:
        return teacher
    known = np.array([bool(i) for i in identities]) & (weight > 0)
    if not known.any():
        return teacher
    names, index = np.unique(np.array(identities, dtype=object)[known], return_inverse=True)
    centroid = centroids(teacher[known], index, len(names))
    mixed = teacher.copy()
    mixed[known] = (1 - mix) * teacher[known] + mix * centroid[index]
    mixed[known] /= np.linalg.norm(mixed[known], axis=1, keepdims=True)
    return mixed.astype(np.float32)


def build_training_set(
    data_root: Path, cache_files: list[Path], limit: int | None = None, seed: int = 0, centroid_mix: float = 0.0
) -> TrainingSet:
    """Join the crop caches with teacher, identity and attribute labels; drop held-out identities and the album's
    photos."""
    teacher = load_teacher(data_root)
    attr_names, attr_labels = read_attribute_file(data_root / "celeba-aligned" / "list_attr_celeba.txt")
    if tuple(attr_names) != ATTRIBUTE_NAMES:
        raise ValueError("attribute file columns differ from ATTRIBUTE_NAMES")
    held_out = {f"celeba-aligned:{i}" for i in holdout_identities(data_root)}
    album = list(album_images(data_root))
    crops, paths, identities = [], [], []
    for f in cache_files:
        arrays = np.load(f)
        keep = ~np.isin(arrays["identity"], list(held_out)) & ~np.isin(arrays["path"], album)
        crops.append(arrays["crops"][keep])
        paths.extend(arrays["path"][keep].tolist())
        identities.extend(arrays["identity"][keep].tolist())
    all_crops = np.concatenate(crops)
    order = np.random.default_rng(seed).permutation(len(all_crops))
    if limit:
        order = order[:limit]
    all_crops = all_crops[order]
    paths = [paths[i] for i in order]
    identities = [identities[i] for i in order]

    counts: dict[str, int] = {}
    for ident in identities:
        if ident:
            counts[ident] = counts.get(ident, 0) + 1
    # Identities with a handful of images teach the margin loss something; pairs mostly add noise classes.
    classes = {ident: k for k, ident in enumerate(sorted(i for i, c in counts.items() if c >= MIN_CLASS_IMAGES))}
    zero = np.zeros(128, np.float32)
    teacher_rows = [teacher.get(p, (zero, 0.0)) for p in paths]
    attr_rows = [attr_labels.get(Path(p).name) if p.startswith("celeba-aligned/") else None for p in paths]
    teacher_weight = np.array([w for _, w in teacher_rows], np.float32)
    targets = mix_identity_centroids(np.stack([e for e, _ in teacher_rows]), teacher_weight, identities, centroid_mix)
    ts = TrainingSet(
        crops=all_crops,
        teacher=targets,
        teacher_weight=teacher_weight,
        identity=np.array([classes.get(i, -1) for i in identities], np.int32),
        attributes=np.stack([a if a is not None else np.zeros(40, np.float32) for a in attr_rows]),
        attribute_mask=np.array([a is not None for a in attr_rows], np.float32),
        n_classes=max(1, len(classes)),
    )
    log.info(
        "training set: %d crops, %d with teacher, %d identity classes, %d with attributes",
        len(ts.crops), int(ts.teacher_weight.sum()), len(classes), int(ts.attribute_mask.sum()),
    )
    return ts


def epoch_batches(
    identity: np.ndarray, batch_size: int, group_share: float, rng: np.random.Generator, group_size: int = 4
) -> list[np.ndarray]:
    """One epoch's batches (sorted row indices, len(identity) // batch_size of them).

    Random batches of 31k faces and ~750 identities almost never hold two faces of one person, so the
    relational and margin terms never see how one face varies. `group_share` of each batch is therefore
    drawn as identity groups: `group_size` faces each of distinct identities; the rest is the usual
    random permutation.
    """
    n_batches = len(identity) // batch_size
    members = [np.flatnonzero(identity == c) for c in np.unique(identity[identity >= 0])]
    members = [m for m in members if len(m) >= group_size]
    n_groups = min(int(round(batch_size * group_share)) // group_size, len(members))
    n_random = batch_size - n_groups * group_size
    order = rng.permutation(len(identity))
    batches = []
    for b in range(n_batches):
        picked = [order[b * n_random : (b + 1) * n_random]]
        for c in rng.choice(len(members), n_groups, replace=False):
            picked.append(rng.choice(members[c], group_size, replace=False))
        batches.append(np.sort(np.concatenate(picked)))
    return batches
