"""Ingest's analysis of large JPEGs: every pixel decoded against JPEG's scaled decoding (`dashapp.ingest.DECODE_SIDE`).

Usage: python benchmarks/bench_large_photos.py [--photos 80] [--side 4000]

Phone photos are 12 megapixels and more; the album in ../shared/data is small web photos. So the first `--photos`
photos of album-celeba-wild are enlarged to `--side` pixels on their longest side (with a little noise, so the JPEGs
are as large as a camera's) and analysed in this process, one worker, both ways: decode, detect, align, embed and
write thumbnails, as `analyze_photos` does in an ingest worker. Prints photos/s for each, and how far the faces'
boxes and embeddings of the two ways lie apart (same-person distances are 0.3-1.0). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import dashapp.ingest as ingest  # noqa: E402
from model.faces import FaceAnalyzer  # noqa: E402

ALBUM = REPO.parent / "shared" / "data" / "album-celeba-wild" / "photos"


def make_large_photos(folder: Path, n: int, side: int) -> list[Path]:
    """The first n album photos, enlarged to `side` pixels on their longest side, saved as quality-90 JPEGs."""
    rng = np.random.default_rng(0)
    paths = []
    for source in sorted(ALBUM.glob("*.jpg"))[:n]:
        photo = Image.open(source).convert("RGB")
        k = side / max(photo.size)
        large = photo.resize((round(photo.width * k), round(photo.height * k)), Image.Resampling.BICUBIC)
        noisy = np.asarray(large, np.int16) + rng.integers(-5, 6, size=(large.height, large.width, 1))
        paths.append(folder / source.name)
        Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(paths[-1], "JPEG", quality=90)
    return paths


def analyse(analyzer, folder: Path, paths: list[Path], decode_side: int | None) -> tuple[float, list[dict]]:
    """(photos per second, results) of `analyze_photos` over the photos, 8 at a time as a worker gets them."""
    ingest.DECODE_SIDE = decode_side
    items = [(k, str(p), f"{k:064d}") for k, p in enumerate(paths)]
    ingest.analyze_photos(analyzer, folder, items[:2])  # warm-up
    start = time.perf_counter()
    results = [r for i in range(0, len(items), ingest.BATCH_PHOTOS)
               for r in ingest.analyze_photos(analyzer, folder, items[i : i + ingest.BATCH_PHOTOS])]
    return len(items) / (time.perf_counter() - start), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--photos", type=int, default=80)
    parser.add_argument("--side", type=int, default=4000, help="longest side of the enlarged photos, pixels")
    args = parser.parse_args()
    analyzer = FaceAnalyzer()
    with tempfile.TemporaryDirectory(prefix="facealbum-bench-large-") as tmp:
        folder = Path(tmp)
        paths = make_large_photos(folder, args.photos, args.side)
        reduced_side = ingest.DECODE_SIDE
        full_rate, full = analyse(analyzer, folder, paths, None)
        reduced_rate, reduced = analyse(analyzer, folder, paths, reduced_side)
    distances, box_shifts = [], []
    for a, b in zip(full, reduced):
        for fa, fb in zip(a.get("faces", []), b.get("faces", [])):  # largest first in both
            distances.append(float(np.linalg.norm(fa.embedding - fb.embedding)))
            box_shifts.append(float(np.abs(np.subtract(fa.box, fb.box)).max() / fa.box[2]))
    n_faces = [sum(len(r.get("faces", [])) for r in rs) for rs in (full, reduced)]
    result = {
        "photos": len(paths), "side": args.side, "decode_side": reduced_side,
        "every_pixel_photos_per_s": round(full_rate, 2), "reduced_photos_per_s": round(reduced_rate, 2),
        "speedup": round(reduced_rate / full_rate, 2), "faces_every_pixel": n_faces[0], "faces_reduced": n_faces[1],
        "embedding_distance_median": round(float(np.median(distances)), 3),
        "embedding_distance_p90": round(float(np.quantile(distances, 0.9)), 3),
        "box_shift_median_of_width": round(float(np.median(box_shifts)), 3),
    }
    print(f"{len(paths)} photos, {args.side} px, one worker")
    print(f"  every pixel decoded:      {full_rate:.2f} photos/s, {n_faces[0]} faces")
    print(f"  decoded to >= {reduced_side} px:   {reduced_rate:.2f} photos/s, {n_faces[1]} faces "
          f"({result['speedup']}x)")
    print(f"  the same face's embedding apart: median {result['embedding_distance_median']}, "
          f"90th percentile {result['embedding_distance_p90']}; box corners apart: median "
          f"{result['box_shift_median_of_width']:.1%} of its width")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
