"""How much the map moves when photos are added, starting each layout from the last map or afresh.

    .venv/bin/python app.py eval cluster --images ../shared/data/album-celeba-wild/photos \
        --truth ../shared/data/album-celeba-wild/identity_CelebA.txt --library /tmp/album-lib
    .venv/bin/python benchmarks/bench_map_stability.py --library /tmp/album-lib

The library's faces arrive in a random order: half of them first, then five steps of a tenth each, every
step projected as a re-clustering does (`model.projection.project_2d` on the clustering's kNN graph).
Printed per step and mode: how far the faces already on the map moved (mean displacement, in units of the
map's RMS radius: what the user sees, so a turned or mirrored map counts as moved), the same after the best
rotation and scaling (`scipy.spatial.procrustes`' disparity: the shape alone), the layout's
trustworthiness (scikit-learn, 10 neighbours: 1.0 when every face's map neighbours are its nearest
faces) and seconds. "warm" starts from the previous step's map (what `recluster` does), "fresh" from PCA.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def unit(xy: np.ndarray) -> np.ndarray:
    """Centred, scaled to RMS radius 1, not rotated."""
    xy = xy - xy.mean(axis=0)
    return xy / np.sqrt((xy**2).sum(axis=1).mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", type=Path, required=True, help="a library made by `eval cluster --library`")
    parser.add_argument("--seed", type=int, default=0, help="order in which the faces arrive")
    args = parser.parse_args()

    from scipy.spatial import procrustes
    from sklearn.manifold import trustworthiness

    from dashapp.config import load_config
    from dashapp.store import Store
    from model.clustering import cluster_faces, normalize
    from model.projection import project_2d

    if not (args.library / "library.sqlite3").exists():
        sys.exit(f"no library in {args.library}: make one with `app.py eval cluster ... --library {args.library}`")
    matrix = Store.open(load_config(args.library)).faces.matrix()
    order = np.random.default_rng(args.seed).permutation(len(matrix.ids))
    steps = [int(len(order) * share) for share in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)]
    print(f"{len(order)} faces; steps of {steps}")
    print(f"{'faces':>6} {'mode':>6} {'moved':>6} {'shape':>6} {'trust':>6} {'s':>5}")
    maps: dict[str, np.ndarray] = {}
    totals: dict[str, list[float]] = {"warm": [], "fresh": []}
    for step, n in enumerate(steps):
        rows = np.sort(order[:n])
        x = matrix.embeddings[rows]
        out = cluster_faces(x, matrix.photo_ids[rows])
        for mode in ("warm", "fresh"):
            previous = None
            if step and mode == "warm":
                previous = np.full((n, 2), np.nan)
                previous[np.isin(rows, maps["rows"])] = maps[mode]
            t0 = time.monotonic()
            xy = project_2d(x, (out.knn_indices, out.knn_distances), previous=previous)
            seconds = time.monotonic() - t0
            trust = trustworthiness(normalize(x), xy, n_neighbors=10)
            if step:
                kept = np.isin(rows, maps["rows"])
                before, after = maps[mode], xy[kept]
                moved = float(np.linalg.norm(unit(before) - unit(after), axis=1).mean())
                shape = procrustes(before, after)[2]
                totals[mode].append(moved)
                print(f"{n:>6} {mode:>6} {moved:>6.3f} {shape:>6.3f} {trust:>6.3f} {seconds:>5.1f}")
            else:
                print(f"{n:>6} {mode:>6} {'':>6} {'':>6} {trust:>6.3f} {seconds:>5.1f}")
            maps[mode + "_next"] = xy
        maps = {"rows": rows, "warm": maps["warm_next"], "fresh": maps["fresh_next"]}
    print("mean moved: " + ", ".join(f"{mode} {np.mean(v):.3f}" for mode, v in totals.items()))


if __name__ == "__main__":
    main()
