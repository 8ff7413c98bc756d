"""The face_recognition library's pipeline (dlib HOG detector + ResNet encoder) over a folder.

Runs inside the separate benchmark environment (see requirements-bench.txt), never in the app's:
    /work/fr-venv/bin/python benchmarks/fr_pipeline.py PHOTOS_DIR --out faces.npz --cpus 2

Writes, per face: the photo's file name, the box (x, y, w, h) and the 128-d encoding; prints one
JSON line with the timing. Photos are processed by `--cpus` processes, like `face_recognition --cpus`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import time
from pathlib import Path

import numpy as np

SUFFIXES = {".jpg", ".jpeg", ".png"}


def _one(path: str):
    import face_recognition

    try:
        image = face_recognition.load_image_file(path)
    except Exception:  # noqa: BLE001 - unreadable photos count as photos without faces
        return path, [], []
    boxes = face_recognition.face_locations(image, number_of_times_to_upsample=1, model="hog")
    encodings = face_recognition.face_encodings(image, boxes)
    # dlib's (top, right, bottom, left) -> our (x, y, w, h)
    xywh = [(left, top, right - left, bottom - top) for top, right, bottom, left in boxes]
    return path, xywh, encodings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("photos", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--whispers", type=float, default=0.5,
                        help="also cluster with dlib's Chinese Whispers at this distance (face_recognition's 0.5 default tolerance)")
    args = parser.parse_args()
    files = sorted(str(p) for p in args.photos.rglob("*") if p.suffix.lower() in SUFFIXES)[: args.limit]
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(args.cpus) as pool:
        results = pool.map(_one, files, chunksize=4)
    seconds = time.perf_counter() - start
    names, boxes, encodings = [], [], []
    for path, xywh, encs in results:
        for box, enc in zip(xywh, encs):
            names.append(Path(path).name)
            boxes.append(box)
            encodings.append(enc)
    import dlib

    labels = dlib.chinese_whispers_clustering([dlib.vector(e) for e in encodings], args.whispers) if encodings else []
    np.savez(
        args.out, names=np.array(names), boxes=np.array(boxes, np.float32).reshape(-1, 4),
        encodings=np.array(encodings, np.float32).reshape(-1, 128), labels=np.array(labels, np.int64),
    )
    n_with_face = sum(1 for _, xywh, _ in results if xywh)
    print(json.dumps({"photos": len(files), "faces": len(names), "photos_with_face": n_with_face, "seconds": seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
