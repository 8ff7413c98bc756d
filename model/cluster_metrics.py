"""Clustering quality against true identities: pairwise and BCubed precision, recall and F.

Labels are any hashable values; a predicted label of None or -1 (noise) counts as a singleton
cluster, as an album shows each unsorted face on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _codes(values: Sequence) -> np.ndarray:
    """Integer codes for arbitrary labels."""
    _, codes = np.unique(np.asarray([str(v) for v in values]), return_inverse=True)
    return codes


def noise_as_singletons(predicted: Sequence) -> np.ndarray:
    """Predicted labels with every noise label (None, -1) replaced by a label of its own."""
    out = []
    for i, p in enumerate(predicted):
        noise = p is None or (isinstance(p, (int, np.integer)) and p < 0)
        out.append(f"__noise_{i}" if noise else f"c{p}")
    return _codes(out)


def _f(p: float, r: float) -> float:
    return float(2 * p * r / (p + r)) if p + r > 0 else 0.0


def pairwise_scores(truth: Sequence, predicted: Sequence) -> dict[str, float]:
    """Precision/recall/F over all pairs of items put together (scikit-learn's pair confusion)."""
    from sklearn.metrics.cluster import pair_confusion_matrix

    (tn, fp), (fn, tp) = pair_confusion_matrix(_codes(truth), noise_as_singletons(predicted))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"pairwise_precision": float(precision), "pairwise_recall": float(recall), "pairwise_f": _f(precision, recall)}


def bcubed_scores(truth: Sequence, predicted: Sequence) -> dict[str, float]:
    """BCubed precision/recall/F (Bagga & Baldwin; Amigo et al. 2009), averaged over items."""
    t = _codes(truth)
    p = noise_as_singletons(predicted)
    if len(t) == 0:
        return {"bcubed_precision": 1.0, "bcubed_recall": 1.0, "bcubed_f": 1.0}
    # Contingency counts: for item i, |C(i) ∩ L(i)| / |C(i)| and / |L(i)|.
    pair = t.astype(np.int64) * (p.max() + 1) + p
    _, inv, joint = np.unique(pair, return_inverse=True, return_counts=True)
    n_both = joint[inv]
    n_pred = np.bincount(p)[p]
    n_true = np.bincount(t)[t]
    precision = float(np.mean(n_both / n_pred))
    recall = float(np.mean(n_both / n_true))
    return {"bcubed_precision": precision, "bcubed_recall": recall, "bcubed_f": _f(precision, recall)}


def cluster_scores(truth: Sequence, predicted: Sequence) -> dict[str, float]:
    """Pairwise and BCubed scores together."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} true labels but {len(predicted)} predicted")
    return {**pairwise_scores(truth, predicted), **bcubed_scores(truth, predicted)}
