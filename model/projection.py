"""The 2-D map of all faces: UMAP of the normalised embeddings, reusing clustering's kNN graph."""

from __future__ import annotations

import sys
import warnings

import numpy as np

from model.clustering import normalize


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
    return umap


def default_epochs(n: int) -> int:
    """Fewer optimisation epochs for big maps: the layout settles early and time grows with n."""
    return 200 if n <= 10_000 else 100


def project_2d(
    embeddings: np.ndarray,
    neighbors: tuple[np.ndarray, np.ndarray] | None = None,
    n_neighbors: int = 15,
    seed: int | None = None,
) -> np.ndarray:
    """(N, 2) float32 map positions: similar faces close together.

    neighbors: the (indices, distances) kNN graph with self first, as `model.clustering.knn`
    returns it; computed here when absent. seed: fixed layout (slower: single-threaded).
    """
    x = normalize(embeddings)
    n = len(x)
    if n == 0:
        return np.zeros((0, 2), np.float32)
    if n < 8:  # too few points for a neighbour graph: the two main directions are a fine map
        centred = x - x.mean(axis=0)
        if n == 1 or not np.any(centred):
            return np.zeros((n, 2), np.float32)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        out = np.zeros((n, 2), np.float32)
        proj = centred @ vt[:2].T
        out[:, : proj.shape[1]] = proj
        return out
    umap = _import_umap()
    k = min(n_neighbors, n - 1)
    precomputed = None
    if neighbors is not None and neighbors[0].shape[1] >= k:
        precomputed = (np.ascontiguousarray(neighbors[0][:, :k]), np.ascontiguousarray(neighbors[1][:, :k]), None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # n_jobs/random_state and small-data notices
        reducer = umap.UMAP(
            n_components=2, n_neighbors=k, min_dist=0.1, metric="euclidean", init="pca",
            n_epochs=default_epochs(n), precomputed_knn=precomputed or (None, None, None),
            random_state=seed, low_memory=True,
        )
        return reducer.fit_transform(x).astype(np.float32)
