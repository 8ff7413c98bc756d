"""How long the library's folder views take on a large library: the folders with their counts and the photos from
elsewhere (the Library page), the Photos page's folder filter, and removing a folder.

    .venv/bin/python benchmarks/bench_folders.py [--folders 20 --photos-per-folder 5000 --faces-per-photo 2]

Builds a synthetic library in a temporary folder through the store (photo rows with faces, no image files),
each folder of photos one remembered folder, then times each view (median of 5; the removal once).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def build(store, n_folders: int, per_folder: int, faces_per_photo: int) -> list[str]:
    """Photo and face rows in `n_folders` folders, inserted in bulk; the folders' paths."""
    from sqlalchemy import insert, select

    from dashapp.store.schema import faces, photos

    t = time.time()
    folders = [f"/home/me/Pictures/{2000 + k}" for k in range(n_folders)]
    with store.engine.begin() as conn:
        conn.execute(insert(photos), [
            dict(path=f"{folder}/trip-{i % 10}/img_{i:05d}.jpg", size=1, mtime_ns=1, status="done",
                 n_faces=faces_per_photo, added_at=t, updated_at=t) for folder in folders for i in range(per_folder)
        ])
        photo_ids = list(conn.execute(select(photos.c.id)).scalars())
        blob = np.zeros(128, np.float32).tobytes()
        conn.execute(insert(faces), [
            dict(photo_id=p, idx=k, x=0.0, y=0.0, w=1.0, h=1.0, score=1.0, landmarks=b"", embedding=blob,
                 attributes=b"", model_version="bench", created_at=t) for p in photo_ids for k in range(faces_per_photo)
        ])
    store.folders.add(folders)
    return folders


def timed(label: str, fn, repeat: int = 5):
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    print(f"  {label:<44}{1000 * sorted(times)[len(times) // 2]:8.1f} ms")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=20)
    parser.add_argument("--photos-per-folder", type=int, default=5000)
    parser.add_argument("--faces-per-photo", type=int, default=2)
    args = parser.parse_args()

    from dashapp.config import load_config
    from dashapp.store import Store
    from dashapp.store.ui_queries import UIQueries

    with tempfile.TemporaryDirectory(prefix="bench-folders-") as tmp:
        store = Store.open(load_config(tmp))
        start = time.perf_counter()
        folders = build(store, args.folders, args.photos_per_folder, args.faces_per_photo)
        n_photos = args.folders * args.photos_per_folder
        print(f"{n_photos:,} photos, {n_photos * args.faces_per_photo:,} faces in {args.folders} folders "
              f"(built in {time.perf_counter() - start:.0f} s):")
        queries = UIQueries(store.engine)
        listed, n_elsewhere = timed("list the folders, counts, photos from elsewhere", store.folders.overview)
        assert sum(f.n_photos for f in listed) == n_photos and n_elsewhere == 0
        timed("Photos page: one folder, first page", lambda: queries.photos_page([], "any", 0, 24, folders=folders[:1]))
        timed("Photos page: every folder, first page", lambda: queries.photos_page([], "any", 0, 24, folders=folders))
        removed = timed("remove a folder (photos, faces)", lambda: store.folders.remove(folders[-1]), repeat=1)
        print(f"  removed {removed[0]:,} photos and {removed[1]:,} faces")
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
