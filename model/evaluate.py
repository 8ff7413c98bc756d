"""Evaluation commands that run the full pipeline (load, detect, align, embed) on raw images.

Each prints a readable table and, as its last line of stdout, one JSON object.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from tqdm import tqdm

from model.alignment import align_face, center_crop_fallback
from model.imaging import load_image
from model.labels import read_attribute_file, read_identity_file
from model.matching import STRICTNESS, TEMPLATE_FACES, measure_template_search, measure_thresholds
from model.attributes import ATTRIBUTE_NAMES
from model.verification import default_folds, verification_metrics


@dataclass
class PairList:
    """Verification pairs: image paths, same-person flags and fold index per pair."""

    first: list[Path]
    second: list[Path]
    same: np.ndarray
    folds: np.ndarray


def _lfw_path(images: Path, name: str, number: str) -> Path:
    return images / name / f"{name}_{int(number):04d}.jpg"


def read_pairs(pairs_file: Path, images: Path) -> PairList:
    """Read LFW `pairs.txt` (header `FOLDS N`, then `name i j` / `name1 i name2 j`) or a `path1,path2,same` CSV;
    ValueError for a file without pairs."""
    if pairs_file.is_dir():
        raise ValueError(f"{pairs_file} is a folder: give the pairs file (LFW pairs.txt or a path1,path2,same CSV)")
    pairs = _parse_pairs(pairs_file, images)
    if not len(pairs.same):
        raise ValueError(f"{pairs_file} has no pairs, only its header")
    return pairs


def _parse_pairs(pairs_file: Path, images: Path) -> PairList:
    """The pairs of either format, as `read_pairs` describes (possibly none)."""
    text = pairs_file.read_text()
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"{pairs_file} is empty")
    if lines[0].replace(" ", "").lower().startswith("path1,path2,same"):
        rows = list(csv.DictReader(lines))
        try:
            same = np.array([int(r["same"]) == 1 for r in rows])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{pairs_file}: column 'same' must be 1 or 0") from exc
        return PairList(
            [images / r["path1"] for r in rows], [images / r["path2"] for r in rows], same, default_folds(len(rows))
        )
    header = lines[0].split()
    if not header or not all(h.isdigit() for h in header):
        raise ValueError(f"{pairs_file}: not a CSV with header path1,path2,same nor an LFW pairs file (first line 'FOLDS N')")
    n_folds = int(header[0])
    first, second, same = [], [], []
    for number, line in enumerate(lines[1:], start=2):
        parts = line.split()
        if len(parts) == 3:
            first.append(_lfw_path(images, parts[0], parts[1]))
            second.append(_lfw_path(images, parts[0], parts[2]))
            same.append(True)
        elif len(parts) == 4:
            first.append(_lfw_path(images, parts[0], parts[1]))
            second.append(_lfw_path(images, parts[2], parts[3]))
            same.append(False)
        else:
            raise ValueError(f"{pairs_file}:{number}: expected 3 or 4 fields, got {len(parts)}")
    n = len(same)
    folds = np.arange(n) * n_folds // n if n_folds > 0 else np.zeros(n, int)
    return PairList(first, second, np.array(same), folds)


def _check_both_kinds(pairs_file: Path, same: np.ndarray) -> None:
    """ValueError unless there are same-person and different-person pairs: with one kind only, any threshold
    separates them and the scores (accuracy 1, an infinite threshold) would say nothing about the model."""
    if same.all() or not same.any():
        kind = "same-person" if same.all() else "different-person"
        raise ValueError(f"{pairs_file} has only {kind} pairs: verification needs both same-person and "
                         "different-person pairs")


def largest_faces(analyzer, paths: list[Path], batch: int = 16) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings, attributes and a no-face flag for the largest face of each image.

    An image where no face is found falls back to a centred crop (and is flagged).
    """
    for p in paths:
        if not p.is_file():
            raise FileNotFoundError(f"image not found: {p}")
    crops, no_face = [], []
    for start in tqdm(range(0, len(paths), batch), desc="detect", unit="batch", mininterval=5):
        images = [load_image(p) for p in paths[start : start + batch]]
        for image, faces in zip(images, analyzer.detector.detect_many(images)):
            if faces:
                best = max(faces, key=lambda d: d.area)
                crops.append(align_face(image, best.landmarks))
            else:
                crops.append(center_crop_fallback(image))
            no_face.append(not faces)
    embeddings, attributes = analyzer.embed(np.stack(crops))
    return embeddings, attributes, np.array(no_face)


def _print_table(title: str, rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(title)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")


def evaluate_verification(pairs_file: Path, images: Path, analyzer=None, identities: Path | None = None) -> dict:
    """Verification metrics of the full pipeline on a pairs file.

    With `identities` (identity_CelebA.txt format, by file name), also how well a person's template finds
    their other faces among the pair images (`person_search`), for templates of 1 to `TEMPLATE_FACES` faces.
    """
    from model.faces import FaceAnalyzer

    analyzer = analyzer or FaceAnalyzer()
    pairs = read_pairs(pairs_file, images)
    labels = read_identity_file(identities) if identities else None  # before the model work: fail fast
    unique = sorted(set(pairs.first) | set(pairs.second))
    if labels is not None and not any(p.name in labels for p in unique):
        raise ValueError(f"{identities} labels none of the pair images (it lists file names, e.g. 000001.jpg)")
    _check_both_kinds(pairs_file, pairs.same)
    index = {p: i for i, p in enumerate(unique)}
    embeddings, _, no_face = largest_faces(analyzer, unique)
    a = embeddings[[index[p] for p in pairs.first]]
    b = embeddings[[index[p] for p in pairs.second]]
    distances = np.linalg.norm(a - b, axis=1)
    result = verification_metrics(distances, pairs.same, pairs.folds)
    thresholds = measure_thresholds(distances, pairs.same, result.threshold)
    search = _person_search(embeddings, unique, labels) if labels is not None else {}
    return {
        "accuracy": result.accuracy,
        "accuracy_std": result.accuracy_std,
        "threshold": result.threshold,
        "tar_at_far_1e-3": result.tar_at_far_1e_3,
        "far": result.far,
        "frr": result.frr,
        "n_pairs": result.n_pairs,
        "n_no_face": int(no_face.sum()),
        "match_thresholds": asdict(thresholds),
        **search,
    }


def _person_search(embeddings: np.ndarray, paths: list[Path], identities: dict[str, str]) -> dict:
    """`person_search` of `evaluate_verification`: the labelled images' templates of 1 to TEMPLATE_FACES faces."""
    labelled = [i for i, p in enumerate(paths) if p.name in identities]
    people = [identities[paths[i].name] for i in labelled]
    by_faces = {}
    for n in range(1, TEMPLATE_FACES + 1):
        m = measure_template_search(embeddings[labelled], people, n)
        by_faces[str(n)] = {"n_people": m.n_people, "thresholds": asdict(m.thresholds), "tar": m.tar, "far": m.far,
                            "far_curve": m.far_curve}
    return {"person_search": {"n_images": len(labelled), "by_faces": by_faces}}


def evaluate_attributes(labels_file: Path, images: Path, analyzer=None) -> dict:
    """Per-attribute accuracy, balanced accuracy and majority baseline of the largest face of each image."""
    from model.faces import FaceAnalyzer
    analyzer = analyzer or FaceAnalyzer()
    names, labels = read_attribute_file(labels_file)
    if not labels:
        raise ValueError(f"{labels_file}: no label rows in list_attr_celeba.txt format")
    files = sorted(labels)
    _, probs, no_face = largest_faces(analyzer, [images / f for f in files])
    present = probs > analyzer.attribute_base_rates  # more likely than in the training labels
    truth = np.stack([labels[f] for f in files]).astype(bool)
    column = {n: i for i, n in enumerate(ATTRIBUTE_NAMES)}
    per_attribute = {}
    for j, name in enumerate(names):
        if name not in column:
            raise ValueError(f"{labels_file}: unknown attribute {name!r}")
        y, pred = truth[:, j], present[:, column[name]]
        per_attribute[name] = {
            "accuracy": float(accuracy_score(y, pred)),
            "balanced_accuracy": float(balanced_accuracy_score(y, pred)) if len(set(y)) > 1 else float(accuracy_score(y, pred)),
            "majority_baseline": float(max(y.mean(), 1 - y.mean())),
            # Calibration: the mean probability is what the Attributes page shows as the share of faces.
            "labelled_share": float(y.mean()),
            "mean_probability": float(probs[:, column[name]].mean()),
        }
    return {
        "mean_accuracy": float(np.mean([v["accuracy"] for v in per_attribute.values()])),
        "mean_balanced_accuracy": float(np.mean([v["balanced_accuracy"] for v in per_attribute.values()])),
        "mean_share_error": float(np.mean([abs(v["mean_probability"] - v["labelled_share"]) for v in per_attribute.values()])),
        "per_attribute": per_attribute,
        "n_images": len(files),
        "n_no_face": int(no_face.sum()),
    }


def run_verify_command(pairs_file: Path, images: Path, weights: Path | None = None,
                       identities: Path | None = None) -> int:
    """`python app.py eval verify`: table, then the JSON line."""
    from model.faces import FaceAnalyzer

    start = time.time()
    result = evaluate_verification(pairs_file, images, FaceAnalyzer(weights), identities)
    _print_table(
        f"Verification on {result['n_pairs']} pairs ({time.time() - start:.0f} s)",
        [(k, f"{v:.4f}" if isinstance(v, float) else str(v)) for k, v in result.items() if k != "person_search"],
    )
    search = result.get("person_search")
    if search:
        rows = [
            (f"{n} face{'s' if n != '1' else ''}, {level}",
             f"distance {m['thresholds'][level]:.3f}: finds {m['tar'][level]:.3f} of their other faces and "
             f"{m['far'][level]:.3f} of other people's ({m['n_people']} people)")
            for n, m in search["by_faces"].items() for level in STRICTNESS
        ]
        _print_table(f"Searching for a person ({search['n_images']} images)", rows)
    print(json.dumps(result))
    return 0


def run_attributes_command(labels_file: Path, images: Path, weights: Path | None = None) -> int:
    """`python app.py eval attributes`: table, then the JSON line."""
    from model.faces import FaceAnalyzer

    result = evaluate_attributes(labels_file, images, FaceAnalyzer(weights))
    rows = [
        (name, f"acc {v['accuracy']:.3f}  balanced {v['balanced_accuracy']:.3f}  majority {v['majority_baseline']:.3f}"
               f"  share {v['labelled_share']:.3f}  mean probability {v['mean_probability']:.3f}")
        for name, v in result["per_attribute"].items()
    ]
    rows += [("MEAN", f"acc {result['mean_accuracy']:.3f}  balanced {result['mean_balanced_accuracy']:.3f}"
                      f"  share error {result['mean_share_error']:.3f}")]
    _print_table(f"Attributes on {result['n_images']} images ({result['n_no_face']} without a detected face)", rows)
    print(json.dumps(result))
    return 0
