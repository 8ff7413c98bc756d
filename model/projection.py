"""The 2-D map of all faces: UMAP of the normalised embeddings, reusing clustering's kNN graph."""

from __future__ import annotations

import sys
import warnings

import numpy as np

from model.clustering import knn, normalize
from model.numba_cache import cache_compiled_code


def _import_umap():
    """Import umap without TensorFlow.

    `umap/__init__.py` imports its parametric variant, which imports TensorFlow (seconds and
    hundreds of MB) when it is installed. Marking that submodule absent makes umap skip it.
    """
    if "tensorflow" not in sys.modules:
        sys.modules.setdefault("umap.parametric_umap", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import umap
    cache_compiled_code("umap")
    return umap


# Each face's neighbours in the layout graph (at most a quarter of the faces). Fewer than UMAP's default 15
# keep people apart: on the album's 631 labelled faces a face's nearest dot on the map shows its own person
# for 77-78% with 8 against 70-73% with 15 (82% in the embedding); `benchmarks/bench_map_stability.py`.
MAP_NEIGHBORS = 8

WARM_LEARNING_RATE = 0.1  # UMAP's default is 1.0; measured in benchmarks/bench_map_stability.py


def default_epochs(n: int) -> int:
    """Fewer optimisation epochs for big maps: the layout settles early and time grows with n."""
    return 200 if n <= 10_000 else 100


def _mostly_new(placed: np.ndarray) -> bool:
    """Whether fewer than half the faces were on the last map: then a fresh layout is better than one
    squeezed around a few old positions."""
    return placed.sum() < len(placed) // 2


def warm_start(previous: np.ndarray, neighbor_indices: np.ndarray) -> np.ndarray | None:
    """Starting positions from the last map, or None when too few faces have one (or it has no shape).

    A face without a position starts at the mean position of its placed neighbours (the centre of
    the map when none is placed), so new photos' faces start beside the faces they resemble.
    """
    placed = np.isfinite(previous).all(axis=1)
    if _mostly_new(placed):
        return None
    if np.linalg.matrix_rank(previous[placed] - previous[placed].mean(axis=0)) < 2:
        return None  # the last map was a point or a line (two faces, duplicates of one): nothing to keep
    start = np.where(placed[:, None], previous, 0.0).astype(np.float32)
    centre = previous[placed].mean(axis=0)
    for i in np.flatnonzero(~placed):
        near = [j for j in neighbor_indices[i] if j != i and placed[j]]
        start[i] = previous[near].mean(axis=0) if near else centre
    return start


def _in_frame_of(xy: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """xy moved by the affine map that best lays its placed faces onto their previous positions.

    UMAP rescales its starting layout to a 10x10 box per axis; this undoes that, so the faces
    that were on the map stay where the user saw them.
    """
    placed = np.isfinite(previous).all(axis=1)
    design = np.column_stack([xy, np.ones(len(xy))])
    transform, *_ = np.linalg.lstsq(design[placed], previous[placed], rcond=None)
    return (design @ transform).astype(np.float32)


def _principal_axes(x: np.ndarray) -> np.ndarray:
    """(N, 2) positions on the two main directions of x (zeros when all faces are one point)."""
    centred = x - x.mean(axis=0)
    out = np.zeros((len(x), 2), np.float32)
    if len(x) < 2 or not np.any(centred):
        return out
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt[:2].T
    out[:, : proj.shape[1]] = proj
    return out


def _keep_placed(xy: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """A small map's fresh layout xy with its placed faces kept exactly where they were.

    The layout is turned, mirrored, scaled and moved to best lay its placed faces onto their previous
    positions (a similarity: a tiny map is its faces' distances), which puts the new faces beside the
    faces they resemble; then the placed faces go back exactly. Mostly new faces keep xy as it is.
    """
    placed = np.isfinite(previous).all(axis=1)
    if not placed.any() or _mostly_new(placed):
        return xy
    a, b = xy[placed].astype(np.float64), previous[placed]
    a_mean, b_mean = a.mean(axis=0), b.mean(axis=0)
    turn, scale = np.eye(2), 1.0
    if np.any(a - a_mean) and np.any(b - b_mean):  # else one side is a single point: no turn or scale to fit
        u, s, vt = np.linalg.svd((a - a_mean).T @ (b - b_mean))
        turn, scale = u @ vt, s.sum() / ((a - a_mean) ** 2).sum()
    out = (xy - a_mean) @ turn * scale + b_mean
    out[placed] = b
    return out.astype(np.float32)


def project_2d(
    embeddings: np.ndarray,
    neighbors: tuple[np.ndarray, np.ndarray] | None = None,
    n_neighbors: int = MAP_NEIGHBORS,
    seed: int | None = None,
    previous: np.ndarray | None = None,
) -> np.ndarray:
    """(N, 2) float32 map positions: similar faces close together.

    neighbors: the (indices, distances) kNN graph with self first, as `model.clustering.knn`
    returns it; computed here when absent. seed: fixed layout (slower: single-threaded).
    previous: (N, 2) positions from the last map (NaN for new faces): returned as they are when
    every face has one (the map depends on the embeddings alone, not on names or groups), else the
    layout starts there, so adding photos keeps the map's arrangement instead of turning or mirroring it
    (a map of under 8 faces keeps its faces exactly where they were and places the new ones beside them).
    """
    x = normalize(embeddings)
    n = len(x)
    if previous is not None:
        previous = np.asarray(previous, np.float64).reshape(n, 2)
        if np.isfinite(previous).all():
            return previous.astype(np.float32)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < 8:  # too few points for a neighbour graph: the two main directions are a fine map
        xy = _principal_axes(x)
        return xy if previous is None else _keep_placed(xy, previous)
    umap = _import_umap()
    k = min(n_neighbors, max(3, n // 4))
    if neighbors is None or neighbors[0].shape[1] < k:
        neighbors = knn(x, k)
    indices, distances = (np.ascontiguousarray(a[:, :k]) for a in neighbors)
    start = None if previous is None else warm_start(previous, indices)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_jobs/random_state and small-data notices
        reducer = umap.UMAP(
            n_components=2, n_neighbors=k, min_dist=0.1, metric="euclidean", init="pca" if start is None else start,
            n_epochs=default_epochs(n), precomputed_knn=(indices, distances, None),
            random_state=seed, low_memory=True,
            # From the last map, smaller steps: faces settle around where they were.
            learning_rate=1.0 if start is None else WARM_LEARNING_RATE,
        )
        xy = reducer.fit_transform(x).astype(np.float32)
    return xy if start is None else _in_frame_of(xy, previous)
