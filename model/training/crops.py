"""Build the cache of aligned 112x112 training crops from ../shared/data.

Every image goes through the same load -> detect -> align path as inference; the crops, their
teacher descriptors, identity labels and attribute labels are saved as one .npz per source folder.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from model.alignment import CROP_SIZE, align_face
from model.evaluate import read_pairs
from model.imaging import ImageLoadError, load_image
from model.labels import read_identity_file
from model.mtcnn_cascade import ensure_network_files

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CropSource:
    """One folder of training images and how to read its identity labels."""

    name: str
    files: list[str]  # paths relative to the data root
    identities: list[str]  # "" where unknown
    already_aligned: bool  # 112x112 ArcFace-aligned images (glint-24): the image is the fallback crop


def list_sources(data_root: Path, limit: int | None = None) -> list[CropSource]:
    """The training folders of ../shared/data (never the validation or album folders).

    With `limit` (smoke runs), about limit/4 images are taken from each folder.
    """
    sources = []
    for name in ("celeba-aligned", "celeba-faces-train"):
        ids = read_identity_file(data_root / name / "identity_CelebA.txt")
        files = sorted(ids)
        sources.append(
            CropSource(name, [f"{name}/images/{f}" for f in files], [f"{name}:{ids[f]}" for f in files], False)
        )
    glint = sorted(p for p in (data_root / "glint-24").glob("*/*") if p.is_file())
    sources.append(
        CropSource("glint-24", [str(p.relative_to(data_root)) for p in glint], [f"glint:{p.parent.name}" for p in glint], True)
    )
    utk = sorted(p for p in (data_root / "utkface").glob("*.jpg"))
    sources.append(CropSource("utkface", [str(p.relative_to(data_root)) for p in utk], [""] * len(utk), False))
    if limit:
        per_source = -(-limit // len(sources))
        sources = [CropSource(s.name, s.files[:per_source], s.identities[:per_source], s.already_aligned) for s in sources]
    return sources


_DETECTOR = None


def _detector():
    """One detector per process, created on first use."""
    global _DETECTOR
    if _DETECTOR is None:
        from model.detection import FaceDetector

        _DETECTOR = FaceDetector()
    return _DETECTOR


def _worker_init() -> None:
    """Pool workers run LiteRT on one thread each: the pool, not the runtime, spreads work over the cores."""
    from model.runtime import set_threads

    set_threads(1)


def _largest_face_crops(args: tuple[list[str], Path, bool]) -> list[tuple[np.ndarray | None, bool]]:
    """Aligned crop of the largest face of each image (None when unusable) and whether one was found."""
    paths, root, aligned = args
    images, out = [], []
    for p in paths:
        try:
            images.append(load_image(root / p))
        except ImageLoadError:
            images.append(None)
    valid = [img for img in images if img is not None]
    detections = iter(_detector().detect_many(valid))
    for img in images:
        if img is None:
            out.append((None, False))
            continue
        faces = next(detections)
        if faces:
            best = max(faces, key=lambda d: d.area)
            out.append((align_face(img, best.landmarks), True))
        elif aligned and img.shape[:2] == (CROP_SIZE, CROP_SIZE):
            out.append((img, False))
        else:
            out.append((None, False))
    return out


def build_crops(source: CropSource, data_root: Path, processes: int = 2, chunk: int = 64) -> dict[str, np.ndarray]:
    """Detect and align every image of a source in parallel; drop images with no usable face."""
    chunks = [source.files[i : i + chunk] for i in range(0, len(source.files), chunk)]
    tasks = [(c, data_root, source.already_aligned) for c in chunks]
    results: list[tuple[np.ndarray | None, bool]] = []
    if processes <= 1:  # small (smoke) builds: starting worker processes costs more than it saves
        for task in tqdm(tasks, desc=source.name, unit="chunk"):
            results.extend(_largest_face_crops(task))
    else:
        ensure_network_files()  # converted here once, not in every worker
        with mp.get_context("spawn").Pool(processes, initializer=_worker_init) as pool:
            for part in tqdm(pool.imap(_largest_face_crops, tasks), total=len(tasks), desc=source.name, unit="chunk"):
                results.extend(part)
    keep = [i for i, (crop, _) in enumerate(results) if crop is not None]
    log.info("%s: %d of %d images give a face crop", source.name, len(keep), len(source.files))
    return {
        "crops": np.stack([results[i][0] for i in keep]),
        "detected": np.array([results[i][1] for i in keep]),
        "path": np.array([source.files[i] for i in keep]),
        "identity": np.array([source.identities[i] for i in keep]),
    }


def _cached(source: CropSource, data_root: Path, target: Path, processes: int) -> Path:
    """Build a source's crop file unless it exists; written atomically, so a killed build leaves no half file."""
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        arrays = build_crops(source, data_root, processes)
        tmp = target.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(target)
    return target


def _suffix(limit: int | None) -> str:
    return f"-limit{limit}" if limit else ""


def build_all(data_root: Path, cache_dir: Path, processes: int = 2, limit: int | None = None) -> list[Path]:
    """Build (or reuse) one crop file per training source; return their paths."""
    return [
        _cached(source, data_root, cache_dir / f"{source.name}{_suffix(limit)}.npz", processes)
        for source in list_sources(data_root, limit)
    ]


def build_pairs_crops(data_root: Path, cache_dir: Path, processes: int = 2, limit: int | None = None) -> Path:
    """Crops of the validation folder, for the verification learning curve during training."""
    root = data_root / "celeba-faces-val"
    if limit:  # the images of the first pairs, so a smoke run still has pairs to score
        listed = read_pairs(root / "pairs.csv", root)
        n = max(1, limit // 2)
        files = sorted({p.name for p in listed.first[:n] + listed.second[:n]})
    else:
        files = sorted(p.name for p in (root / "images").iterdir())
    source = CropSource("celeba-faces-val", [f"celeba-faces-val/images/{f}" for f in files], [""] * len(files), False)
    return _cached(source, data_root, cache_dir / f"celeba-faces-val{_suffix(limit)}.npz", processes)

