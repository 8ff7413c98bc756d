"""Face verification metrics on pairs: k-fold accuracy, TAR at a fixed FAR, FAR/FRR."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_curve


@dataclass(frozen=True)
class VerificationResult:
    """Pairs are called 'same person' when their distance is at most `threshold`."""

    accuracy: float
    accuracy_std: float
    threshold: float
    tar_at_far_1e_3: float
    far: float
    frr: float
    n_pairs: int


def best_threshold(distances: np.ndarray, same: np.ndarray) -> float:
    """The distance threshold with the highest accuracy on these pairs (midpoint between neighbours)."""
    fpr, tpr, thresholds = roc_curve(same, -distances, drop_intermediate=False)
    n_pos, n_neg = same.sum(), (~same).sum()
    accuracy = (tpr * n_pos + (1 - fpr) * n_neg) / len(same)
    k = int(np.argmax(accuracy))
    # roc_curve's thresholds are scores (-distance); ties are inclusive. Step halfway to the next distance.
    t = -thresholds[k]
    larger = distances[distances > t]
    return float((t + larger.min()) / 2) if len(larger) and np.isfinite(t) else float(t)


def tar_at_far(distances: np.ndarray, same: np.ndarray, target_far: float) -> float:
    """True-accept rate at the strictest operating point whose false-accept rate is <= target_far."""
    fpr, tpr, _ = roc_curve(same, -distances, drop_intermediate=False)
    ok = fpr <= target_far
    return float(tpr[ok].max()) if ok.any() else 0.0


def verification_metrics(distances: np.ndarray, same: np.ndarray, folds: np.ndarray) -> VerificationResult:
    """Standard protocol: for each fold, the threshold is chosen on the other folds and scored on it.

    With a single fold the threshold is chosen and scored on all pairs.
    """
    distances = np.asarray(distances, np.float64)
    same = np.asarray(same, bool)
    folds = np.asarray(folds)
    fold_ids = np.unique(folds)
    accuracies, thresholds = [], []
    for f in fold_ids:
        test = folds == f
        train = ~test if len(fold_ids) > 1 else test
        t = best_threshold(distances[train], same[train])
        thresholds.append(t)
        accuracies.append(float(np.mean((distances[test] <= t) == same[test])))
    threshold = float(np.mean(thresholds))
    accepted = distances <= threshold
    return VerificationResult(
        accuracy=float(np.mean(accuracies)),
        accuracy_std=float(np.std(accuracies)),
        threshold=threshold,
        tar_at_far_1e_3=tar_at_far(distances, same, 1e-3),
        far=float(accepted[~same].mean()) if (~same).any() else 0.0,
        frr=float((~accepted[same]).mean()) if same.any() else 0.0,
        n_pairs=int(len(same)),
    )


def default_folds(n_pairs: int, k: int = 10) -> np.ndarray:
    """Fold index per pair for files without folds: k consecutive blocks (1 fold when too few pairs)."""
    if n_pairs < 2 * k:
        return np.zeros(n_pairs, int)
    return np.arange(n_pairs) * k // n_pairs
