"""Clustering + 2-D projection time for 10k and 50k faces (synthetic embeddings).

    .venv/bin/python benchmarks/bench_cluster.py [--sizes 10000 50000] [--no-store]

Synthetic album: people with a long-tailed number of faces (a few with hundreds, many with a
handful), 10 % one-off strangers, 1-3 faces per photo. Embeddings are unit vectors around each
person's centre with the spread of a real face model. Prints, per size: the maths alone
(`cluster_faces` + `project_2d`) and the whole `app.py cluster` path (`recluster`: read the store,
cluster, write assignments, project, write map coordinates), plus the BCubed F of the result
against the synthetic identities. Numba's cache is warmed first (as the library's cache is after
its first run) and that warm-up time is printed too. Above 50,000 faces (`EXACT_KNN_MAX_FACES`) the
kNN graph is approximate (pynndescent): the first such size's `cluster s` includes compiling its main
loop (~10 s; numba cannot cache it, so each `app.py cluster` process pays it), the `recluster s` after
it does not.

    .venv/bin/python benchmarks/bench_cluster.py --sizes 100000   # the largest album the defaults are for
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def synthetic_album(n_faces: int, seed: int = 0, spread: float = 0.55):
    """(embeddings, photo ids, identities) of n_faces faces."""
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < n_faces * 0.9:
        sizes.append(int(min(400, rng.zipf(1.7) + 1)))
    identities = np.repeat(np.arange(len(sizes)), sizes)[: int(n_faces * 0.9)]
    n_strangers = n_faces - len(identities)
    identities = np.concatenate([identities, len(sizes) + np.arange(n_strangers)])
    centres = rng.normal(size=(identities.max() + 1, 128))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    # spread: expected distance of a face from its person's centre (real models: ~0.4-0.7).
    x = centres[identities] + rng.normal(size=(n_faces, 128)) * spread / np.sqrt(128)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    order = rng.permutation(n_faces)
    x, identities = x[order].astype(np.float32), identities[order]
    faces_per_photo = rng.choice([1, 1, 2, 3], size=n_faces)
    photo_ids = np.repeat(np.arange(n_faces), faces_per_photo)[:n_faces]
    return x, photo_ids, identities


def _fill_store(store, x: np.ndarray, photo_ids: np.ndarray) -> np.ndarray:
    """Write the synthetic faces through the store API; returns their face ids in row order."""
    from dashapp.store import NewFace

    face_ids = np.zeros(len(x), np.int64)
    rows_of_photo: dict[int, list[int]] = {}
    for i, p in enumerate(photo_ids.tolist()):
        rows_of_photo.setdefault(p, []).append(i)
    for p, rows in rows_of_photo.items():
        pid = store.photos.upsert_pending(f"/synthetic/{p:07d}.jpg", 1, 1, f"{p:064x}")
        faces = [
            NewFace((100.0 * k, 10.0, 80.0, 90.0), 0.99, np.zeros((5, 2)), x[i], np.full(40, 0.5)) for k, i in enumerate(rows)
        ]
        face_ids[rows] = store.photos.save_analysis(pid, faces, 800, 600, "synthetic")
    return face_ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--no-store", action="store_true", help="time the maths only")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "facealbum-bench-cluster")
    args = parser.parse_args()

    from dashapp.config import load_config

    cache_config = load_config(args.data_dir)  # numba's cache lives in the data dir, as in the app
    from model.cluster_metrics import bcubed_scores
    from model.clustering import cluster_faces
    from model.projection import project_2d

    t = time.perf_counter()
    x, photos, _ = synthetic_album(2000, seed=1)
    project_2d(x, (lambda o: (o.knn_indices, o.knn_distances))(cluster_faces(x, photos)))
    print(f"warm-up (imports, numba cache load/compile) on 2,000 faces: {time.perf_counter() - t:.1f} s")
    print(f"{'faces':>8}{'groups':>8}{'cluster s':>11}{'project s':>11}{'maths s':>9}{'BCubed F':>10}{'recluster s':>13}")
    for n in args.sizes:
        x, photos, identities = synthetic_album(n)
        t0 = time.perf_counter()
        out = cluster_faces(x, photos)
        t1 = time.perf_counter()
        project_2d(x, (out.knn_indices, out.knn_distances))
        t2 = time.perf_counter()
        f = bcubed_scores(identities, out.labels)["bcubed_f"]
        full = float("nan")
        if not args.no_store:
            from dashapp.clustering import recluster
            from dashapp.store import Store

            with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
                store = Store.open(load_config(tmp))
                _fill_store(store, x, photos)
                t3 = time.perf_counter()
                recluster(store)
                full = time.perf_counter() - t3
                store.close()
        print(f"{n:>8}{out.n_groups:>8}{t1 - t0:>11.1f}{t2 - t1:>11.1f}{t2 - t0:>9.1f}{f:>10.3f}{full:>13.1f}")
    print(f"({os.cpu_count()} CPU cores; numba cache: {cache_config.numba_cache_dir})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
