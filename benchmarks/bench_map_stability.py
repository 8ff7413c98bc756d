"""How well the map keeps people together, and how much it moves when photos are added.

    .venv/bin/python app.py eval cluster --images ../shared/data/album-celeba-wild/photos \
        --truth ../shared/data/album-celeba-wild/identity_CelebA.txt --library /tmp/album-lib
    .venv/bin/python benchmarks/bench_map_stability.py --library /tmp/album-lib

First, for a few sizes of the layout graph (`--neighbors`), how often a labelled face's nearest dot on the
map shows the same person (each photo's largest face, as `eval cluster` counts them; the same in the
128-d embedding for comparison), on the whole library and on the faces of a few people (a small album).

Then the library's faces arrive in a random order: half of them first, then five steps of a tenth each, every
step projected as a re-clustering does (`model.projection.project_2d` on the clustering's kNN graph).
Printed per step and mode: how far the faces already on the map moved (mean displacement, in units of the
map's RMS radius: what the user sees, so a turned or mirrored map counts as moved), the same after the best
rotation and scaling (`scipy.spatial.procrustes`' disparity: the shape alone), the layout's
trustworthiness (scikit-learn, 10 neighbours: 1.0 when every face's map neighbours are its nearest
faces) and seconds. "warm" starts from the previous step's map (what `recluster` does), "fresh" from PCA.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from album_library import add_library_arguments, open_library


def unit(xy: np.ndarray) -> np.ndarray:
    """Centred, scaled to RMS radius 1, not rotated."""
    xy = xy - xy.mean(axis=0)
    return xy / np.sqrt((xy**2).sum(axis=1).mean())


def nearest_is_same(points: np.ndarray, identities: np.ndarray) -> float:
    """Share of points whose nearest other point has the same identity."""
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(d, np.inf)
    return float(np.mean(identities[d.argmin(axis=1)] == identities))


def neighbour_table(embeddings: np.ndarray, identities: np.ndarray, sizes: list[int], repeats: int = 4) -> None:
    """Nearest-dot-is-the-same-person rate per layout graph size, whole library and small subsets."""
    from model.projection import project_2d

    rng = np.random.default_rng(0)
    people = np.unique(identities)
    print(f"{'people':>7} {'faces':>6} {'128-d':>6} " + " ".join(f"{f'k={k}':>6}" for k in sizes))
    for n_people in (3, 8, 30, len(people)):
        rates: dict[str, list[float]] = {"emb": [], **{str(k): [] for k in sizes}}
        runs = 1 if n_people == len(people) else repeats
        for _ in range(runs):
            rows = np.flatnonzero(np.isin(identities, rng.choice(people, n_people, replace=False)))
            x, who = embeddings[rows], identities[rows]
            rates["emb"].append(nearest_is_same(x, who))
            for k in sizes:
                rates[str(k)].append(nearest_is_same(project_2d(x, n_neighbors=k), who))
        print(f"{n_people:>7} {len(rows):>6} " + " ".join(f"{np.mean(v):>6.2f}" for v in rates.values()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_library_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="order in which the faces arrive")
    parser.add_argument("--neighbors", type=int, nargs="+", default=[3, 5, 8, 15], help="layout graph sizes to compare")
    args = parser.parse_args()

    from scipy.spatial import procrustes
    from sklearn.manifold import trustworthiness

    from model.clustering import cluster_faces, normalize
    from model.projection import project_2d

    library = open_library(args)
    neighbour_table(*library.embeddings(), args.neighbors)
    matrix = library.store.faces.matrix()

    order = np.random.default_rng(args.seed).permutation(len(matrix.ids))
    steps = [int(len(order) * share) for share in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)]
    print(f"{len(order)} faces; steps of {steps}")
    print(f"{'faces':>6} {'mode':>6} {'moved':>6} {'shape':>6} {'trust':>6} {'s':>5}")
    previous_rows, previous_maps = np.zeros(0, int), {}
    totals: dict[str, list[float]] = {"warm": [], "fresh": []}
    for n in steps:
        rows = np.sort(order[:n])
        kept = np.isin(rows, previous_rows)
        x = matrix.embeddings[rows]
        out = cluster_faces(x, matrix.photo_ids[rows])
        maps = {}
        for mode in ("warm", "fresh"):
            previous = None
            if previous_maps and mode == "warm":
                previous = np.full((n, 2), np.nan)
                previous[kept] = previous_maps[mode]
            t0 = time.monotonic()
            maps[mode] = xy = project_2d(x, (out.knn_indices, out.knn_distances), previous=previous)
            seconds = time.monotonic() - t0
            trust = trustworthiness(normalize(x), xy, n_neighbors=10)
            moved = shape = ""
            if previous_maps:
                before, after = previous_maps[mode], xy[kept]
                totals[mode].append(float(np.linalg.norm(unit(before) - unit(after), axis=1).mean()))
                moved, shape = f"{totals[mode][-1]:.3f}", f"{procrustes(before, after)[2]:.3f}"
            print(f"{n:>6} {mode:>6} {moved:>6} {shape:>6} {trust:>6.3f} {seconds:>5.1f}")
        previous_rows, previous_maps = rows, maps
    print("mean moved: " + ", ".join(f"{mode} {np.mean(v):.3f}" for mode, v in totals.items()))


if __name__ == "__main__":
    main()
