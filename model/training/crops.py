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
from model.imaging import ImageLoadError, load_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CropSource:
    """One folder of training images and how to read its identity labels."""

    name: str
    files: list[str]  # paths relative to the data root
    identities: list[str]  # "" where unknown
    already_aligned: bool  # 112x112 ArcFace-aligned images (glint-24): the image is the fallback crop


def _read_identity_file(path: Path) -> dict[str, str]:
    lines = path.read_text().split("\n")[1:]
    return dict(line.split()[:2] for line in lines if line.strip())


def list_sources(data_root: Path) -> list[CropSource]:
    """The training folders of ../shared/data (never the validation or album folders)."""
    sources = []
    for name in ("celeba-aligned", "celeba-faces-train"):
        ids = _read_identity_file(data_root / name / "identity_CelebA.txt")
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
    return sources


def _worker_init() -> None:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    global _DETECTOR
    from model.detection import FaceDetector

    _DETECTOR = FaceDetector()


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
    detections = iter(_DETECTOR.detect_many(valid))
    for img in images:
        if img is None:
            out.append((None, False))
            continue
        faces = next(detections)
        if faces:
            best = max(faces, key=lambda d: d.box[2] * d.box[3])
            out.append((align_face(img, best.landmarks), True))
        elif aligned and img.shape[:2] == (CROP_SIZE, CROP_SIZE):
            out.append((img, False))
        else:
            out.append((None, False))
    return out


def build_crops(source: CropSource, data_root: Path, processes: int = 2, chunk: int = 64) -> dict[str, np.ndarray]:
    """Detect and align every image of a source in parallel; drop images with no usable face."""
    chunks = [source.files[i : i + chunk] for i in range(0, len(source.files), chunk)]
    ctx = mp.get_context("spawn")
    results: list[tuple[np.ndarray | None, bool]] = []
    with ctx.Pool(processes, initializer=_worker_init) as pool:
        jobs = pool.imap(_largest_face_crops, [(c, data_root, source.already_aligned) for c in chunks])
        for part in tqdm(jobs, total=len(chunks), desc=source.name, unit="chunk"):
            results.extend(part)
    keep = [i for i, (crop, _) in enumerate(results) if crop is not None]
    log.info("%s: %d of %d images give a face crop", source.name, len(keep), len(source.files))
    return {
        "crops": np.stack([results[i][0] for i in keep]),
        "detected": np.array([results[i][1] for i in keep]),
        "path": np.array([source.files[i] for i in keep]),
        "identity": np.array([source.identities[i] for i in keep]),
    }


def build_all(data_root: Path, cache_dir: Path, processes: int = 2) -> list[Path]:
    """Build (or reuse) one crop file per training source; return their paths."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in list_sources(data_root):
        target = cache_dir / f"{source.name}.npz"
        if not target.exists():
            arrays = build_crops(source, data_root, processes)
            tmp = target.with_suffix(".tmp.npz")
            np.savez(tmp, **arrays)
            tmp.replace(target)  # atomic: a killed build never leaves a half file
        written.append(target)
    return written


def build_pairs_crops(data_root: Path, cache_dir: Path, processes: int = 2) -> Path:
    """Crops of the validation folder, for the verification learning curve during training."""
    target = cache_dir / "celeba-faces-val.npz"
    if not target.exists():
        root = data_root / "celeba-faces-val"
        files = sorted(p.name for p in (root / "images").iterdir())
        source = CropSource("celeba-faces-val", [f"celeba-faces-val/images/{f}" for f in files], [""] * len(files), False)
        arrays = build_crops(source, data_root, processes)
        tmp = target.with_suffix(".tmp.npz")
        np.savez(tmp, **arrays)
        tmp.replace(target)
    return target


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.INFO)
    root, cache = Path(sys.argv[1]), Path(sys.argv[2])
    build_all(root, cache)
    build_pairs_crops(root, cache)
