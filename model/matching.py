"""Finding one person among many faces: same-person thresholds, ranking, and moments in a video.

Pure numpy in, plain values out (no store, no TensorFlow). Distances are `model.faces.distance`
(Euclidean between L2-normalised embeddings, 0..2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MatchThresholds:
    """Largest distance still called "the same person", at three strictness levels."""

    stricter: float
    default: float
    looser: float

    def get(self, strictness: str) -> float:
        """The threshold of a level: 'stricter', 'default' or 'looser'."""
        if strictness not in STRICTNESS:
            raise ValueError(f"strictness must be one of {', '.join(STRICTNESS)}, not {strictness!r}")
        return float(getattr(self, strictness))


STRICTNESS = ("stricter", "default", "looser")

# Measured for model `mnv2-0.5-64-e24` on the 5,955 usable pairs of `celeba-faces-val` (190 people never
# seen in training; the same pairs as `app.py eval verify`, see model/weights/MODEL_CARD.md):
# - looser 1.19: the verification threshold (best accuracy, 0.86; 88% of same-person pairs), but 15% of
#   pairs of two different people fall under it too; fine for "show me everything that might be them".
# - default 1.03: 5% of different-people pairs fall under it, 67% of same-person pairs; a search lists
#   far more strangers than a pair check does, so its default is stricter than the verification one.
# - stricter 0.87: 1% of different-people pairs (41% of same-person pairs).
# Album photos of one person are usually much closer than CelebA's (0.3-0.9 on the test fixtures).
MEASURED_THRESHOLDS = {
    "mnv2-0.5-64-e24": MatchThresholds(stricter=0.87, default=1.03, looser=1.19),
}
# Other model versions have not been measured: they use the same numbers (embeddings are normalised
# the same way and trained with the same losses, so the scale carries over roughly).
FALLBACK_THRESHOLDS = MEASURED_THRESHOLDS["mnv2-0.5-64-e24"]

# A search keeps candidates up to here, so the UI can loosen the threshold without searching again.
MAX_SEARCH_DISTANCE = 1.30


def thresholds_for(model_version: str | None) -> MatchThresholds:
    """The same-person thresholds of a model version (the measured ones, else the fallback)."""
    return MEASURED_THRESHOLDS.get(model_version or "", FALLBACK_THRESHOLDS)


def far_threshold(distances: np.ndarray, same: np.ndarray, far: float) -> float:
    """The distance under which a share `far` of different-person pairs falls (how the numbers above were chosen)."""
    different = np.asarray(distances, np.float64)[~np.asarray(same, bool)]
    if not len(different):
        raise ValueError("no different-person pairs")
    return float(np.quantile(different, far))


def choose_face(areas: Sequence[float], index: int | None = None) -> int:
    """The face to search for: `index` (0-based) when given, else the largest face.

    Raises ValueError with a message for the user when there is no face or the index is out of range.
    """
    if not len(areas):
        raise ValueError("no face found in the query photo; use a photo where the face is clearly visible")
    if index is None:
        return int(np.argmax(np.asarray(areas, np.float64)))
    if not 0 <= index < len(areas):
        n = len(areas)
        raise ValueError(f"the query photo has {n} face{'s' if n != 1 else ''}; choose a face from 1 to {n}")
    return int(index)


def rank(query: np.ndarray, embeddings: np.ndarray, max_distance: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows of `embeddings` within `max_distance` of `query`, closest first: (row indices, distances)."""
    embeddings = np.asarray(embeddings, np.float32).reshape(-1, np.asarray(query).shape[-1])
    distances = np.linalg.norm(embeddings - np.asarray(query, np.float32), axis=1)
    rows = np.flatnonzero(distances <= max_distance)
    order = rows[np.argsort(distances[rows], kind="stable")]
    return order, distances[order]


@dataclass(frozen=True)
class Segment:
    """A stretch of video where the person is seen: first and last matching sample (seconds)."""

    start: float
    end: float
    best_time: float  # the sample closest to the query
    best_distance: float
    n_samples: int


def segments(times: Sequence[float], distances: Sequence[float], threshold: float, max_gap: float) -> list[Segment]:
    """Group the sample times whose distance is within `threshold` into segments.

    Matching samples at most `max_gap` seconds apart belong to one segment (so one missed detection
    does not split a moment in two). `distances` holds each sample's best face distance (inf: no face).
    """
    t = np.asarray(times, np.float64)
    d = np.asarray(distances, np.float64)
    keep = np.flatnonzero(d <= threshold)
    keep = keep[np.argsort(t[keep], kind="stable")]
    out: list[Segment] = []
    group: list[int] = []
    for i in keep:
        if group and t[i] - t[group[-1]] > max_gap:
            out.append(_segment(t, d, group))
            group = []
        group.append(int(i))
    if group:
        out.append(_segment(t, d, group))
    return out


def _segment(t: np.ndarray, d: np.ndarray, group: list[int]) -> Segment:
    best = group[int(np.argmin(d[group]))]
    return Segment(float(t[group[0]]), float(t[group[-1]]), float(t[best]), float(d[best]), len(group))
