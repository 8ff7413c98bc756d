"""Finding one person among many faces: same-person thresholds, ranking, and moments in a video.

Pure numpy in, plain values out (no store, no TensorFlow). Distances are `model.faces.distance`
(Euclidean between L2-normalised embeddings, 0..2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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
# Shares of different-person pairs allowed under the stricter and default thresholds. A search lists far
# more strangers than a pair check does, so its default is stricter than the verification threshold
# (best accuracy), which is the looser level: "show me everything that might be them".
STRICTER_FAR = 0.01
DEFAULT_FAR = 0.05
TEMPLATE_LOOSER_FAR = 0.10

# A search compares its face with every library face, so the strangers it lists grow with the library: the
# levels' shares of different-person pairs (1% and 5%) are 10 and 50 strangers among LIBRARY_SIZE faces, and
# in a larger library the stricter and default levels keep those numbers instead of those shares, at the
# distances where the model's measured share of different-person pairs (its `far_curve`) is that small
# (`for_library`). Up to LIBRARY_SIZE faces the thresholds are the pair-measured ones.
LIBRARY_SIZE = 1000
# The shares of different-person pairs at which training and `eval verify` measure a model's `far_curve`.
FAR_CURVE_POINTS = (1e-2, 5e-3, 2e-3, 1e-3, 5e-4, 2e-4, 1e-4, 5e-5, 2e-5, 1e-5)

# For a model card without measured thresholds: those of `mnv2-0.5-64-e24` on `celeba-faces-val`.
FALLBACK_THRESHOLDS = MatchThresholds(stricter=0.87, default=1.03, looser=1.19)

# A search keeps candidates up to here, so the UI can loosen the threshold without searching again.
MAX_SEARCH_DISTANCE = 1.30

# Several faces of one person are searched for with their template (the mean of their faces), which lies
# closer to their other photos than any one face does. The distances to a template shrink as it averages
# more faces, so its thresholds are measured per number of faces, from 2 up to TEMPLATE_FACES (beyond five
# they shrink little: a template of more faces uses those of TEMPLATE_FACES).
TEMPLATE_FACES = 5

# For a model card without measured template thresholds: those of `mnv2-0.5-96-s16-e14+` on `celeba-faces-val`
# for TEMPLATE_FACES faces (the strictest, so a template of fewer faces lets in fewer strangers, not more).
FALLBACK_TEMPLATE_THRESHOLDS = MatchThresholds(stricter=0.922, default=1.056, looser=1.131)


def measure_thresholds(distances: np.ndarray, same: np.ndarray, verification_threshold: float) -> MatchThresholds:
    """A model's thresholds from labelled pairs (written into its model card by training and `eval verify`)."""
    return MatchThresholds(
        stricter=round(far_threshold(distances, same, STRICTER_FAR), 3),
        default=round(far_threshold(distances, same, DEFAULT_FAR), 3),
        looser=round(float(verification_threshold), 3),
    )


def far_threshold(distances: np.ndarray, same: np.ndarray, far: float) -> float:
    """The distance under which a share `far` of different-person pairs falls."""
    different = np.asarray(distances, np.float64)[~np.asarray(same, bool)]
    if not len(different):
        raise ValueError("no different-person pairs")
    return float(np.quantile(different, far))


def far_curve(distances: np.ndarray, same: np.ndarray) -> list[tuple[float, float]]:
    """(share, distance) at each of FAR_CURVE_POINTS: the distance under which that share of different-person
    pairs falls, for `for_library` to read the distance of any share in between."""
    return [(far, round(far_threshold(distances, same, far), 4)) for far in FAR_CURVE_POINTS]


def distance_at_far(curve: Sequence[Sequence[float]], far: float) -> float:
    """The distance of a share of different-person pairs on a measured `far_curve`, interpolated on the
    share's logarithm; beyond the curve's smallest share, its smallest distance."""
    shares, distances = np.log([c[0] for c in curve]), np.array([c[1] for c in curve], np.float64)
    order = np.argsort(shares)
    return float(np.interp(np.log(far), shares[order], distances[order]))


def for_library(thresholds: MatchThresholds, curve: Sequence[Sequence[float]] | None,
                n_compared: int) -> MatchThresholds:
    """The thresholds of a search among `n_compared` library faces: beyond LIBRARY_SIZE faces the stricter and
    default levels let in no more strangers than among LIBRARY_SIZE (see LIBRARY_SIZE); unchanged without a
    measured curve. The looser level, "everything that might be them", stays."""
    if not curve or n_compared <= LIBRARY_SIZE:
        return thresholds
    scale = LIBRARY_SIZE / n_compared
    return replace(
        thresholds,
        stricter=round(min(thresholds.stricter, distance_at_far(curve, STRICTER_FAR * scale)), 3),
        default=round(min(thresholds.default, distance_at_far(curve, DEFAULT_FAR * scale)), 3),
    )


def same_level(distance: float, source: MatchThresholds, target: MatchThresholds) -> float:
    """The distance in `target` at the level `distance` has in `source`: between the stricter, default and
    looser marks in proportion, beyond them by the same offset. A slider set for the photos of a large library
    (`for_library`) means the same level for a video, whose strangers do not grow with the library."""
    marks = [source.stricter, source.default, source.looser]
    to = [target.stricter, target.default, target.looser]
    if distance <= marks[0]:
        return distance + (to[0] - marks[0])
    if distance >= marks[-1]:
        return distance + (to[-1] - marks[-1])
    return float(np.interp(distance, marks, to))


def template(embeddings: np.ndarray) -> np.ndarray:
    """One vector for several faces of a person: the L2-normalised mean of their embeddings."""
    mean = np.asarray(embeddings, np.float64).reshape(-1, np.shape(embeddings)[-1]).mean(axis=0)
    return (mean / np.linalg.norm(mean)).astype(np.float32)


def expand_query(faces: np.ndarray, embeddings: np.ndarray, sure_up_to: float,
                 same_face: float) -> tuple[np.ndarray, np.ndarray]:
    """Average query expansion (Chum et al., 2007): a search with fewer than TEMPLATE_FACES faces of a person also
    averages the faces of `embeddings` surest to be them: those closest to the template of `faces`, each within
    `sure_up_to` of it (the search's "stricter" distance) and none a face already taken again (within `same_face`
    of one: the query photo in the library, a copy of a photo), up to TEMPLATE_FACES faces in all. A template lies
    closer to a person's other photos than one face does, so the search then finds more of them among as many
    strangers (`bench_find_scale.py`). Returns (the template searched for, the rows of `embeddings` it added,
    closest first)."""
    faces = np.asarray(faces, np.float32).reshape(-1, np.shape(faces)[-1])
    embeddings = np.asarray(embeddings, np.float32).reshape(-1, faces.shape[1])
    center = template(faces)
    room = TEMPLATE_FACES - len(faces)
    if room <= 0 or not len(embeddings):
        return center, np.empty(0, np.int64)
    distances = np.linalg.norm(embeddings - center, axis=1)
    sure = np.flatnonzero(distances <= sure_up_to)
    added: list[int] = []
    for row in sure[np.argsort(distances[sure], kind="stable")]:
        if len(added) == room:
            break
        taken = np.vstack([faces, embeddings[added]])
        if np.linalg.norm(taken - embeddings[row], axis=1).min() > same_face:  # not a face already taken again
            added.append(int(row))
    rows = np.array(added, np.int64)
    return (template(np.vstack([faces, embeddings[rows]])) if added else center), rows


@dataclass(frozen=True)
class TemplateSearch:
    """How well templates of `n_faces` faces find their person's other faces, at thresholds measured for them."""

    n_faces: int
    n_people: int
    thresholds: MatchThresholds
    tar: dict[str, float]  # per strictness level: the share of the person's other faces found
    far: dict[str, float]  # per strictness level: the share of other people's faces found too
    far_curve: list[tuple[float, float]]  # (share of other people's faces, distance): `far_curve`


def measure_template_search(embeddings: np.ndarray, identities: Sequence[str], n_faces: int,
                            repeats: int = 5, seed: int = 0) -> TemplateSearch:
    """Templates of `n_faces` random faces of each person with more faces than that, `repeats` draws each.

    Each template is compared with the person's remaining faces (genuine) and with every other person's
    faces (impostors); the stricter and default thresholds as for pairs, the looser one where a tenth of
    the impostors pass (for templates the best balanced accuracy lies near the default's 5%).
    """
    embeddings = np.asarray(embeddings, np.float32)
    identities = np.asarray(identities)
    people, counts = np.unique(identities, return_counts=True)
    people = people[counts > n_faces]
    if not len(people):
        raise ValueError(f"no identity with more than {n_faces} faces to measure templates on")
    rng = np.random.default_rng(seed)
    genuine, impostor = [], []
    for _ in range(repeats):
        for person in people:
            rows = rng.permutation(np.flatnonzero(identities == person))
            center = template(embeddings[rows[:n_faces]])
            genuine.append(np.linalg.norm(embeddings[rows[n_faces:]] - center, axis=1))
            impostor.append(np.linalg.norm(embeddings[identities != person] - center, axis=1))
    g, i = np.concatenate(genuine), np.concatenate(impostor)
    distances, same = np.r_[g, i], np.r_[np.ones(len(g), bool), np.zeros(len(i), bool)]
    thresholds = measure_thresholds(distances, same, far_threshold(distances, same, TEMPLATE_LOOSER_FAR))
    levels = {level: thresholds.get(level) for level in STRICTNESS}
    return TemplateSearch(
        n_faces=n_faces, n_people=len(people), thresholds=thresholds,
        tar={level: round(float(np.mean(g <= t)), 4) for level, t in levels.items()},
        far={level: round(float(np.mean(i <= t)), 4) for level, t in levels.items()},
        far_curve=far_curve(distances, same),
    )


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


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax2, ay2, bx2, by2 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    inter = max(0.0, min(ax2, bx2) - max(a[0], b[0])) * max(0.0, min(ay2, by2) - max(a[1], b[1]))
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def face_at(boxes: Sequence[Sequence[float]], box: Sequence[float], min_iou: float = 0.3) -> int:
    """The face whose box overlaps `box` most: a library face found again in its photo, whose detection now (the
    photo decoded whole, not reduced as at ingest) may differ in number and order, never in place.

    Raises ValueError when no face overlaps it by `min_iou`.
    """
    overlaps = [box_iou(b, box) for b in boxes]
    if not overlaps or max(overlaps) < min_iou:
        raise ValueError("the person's face was not found again in their photo (was the photo edited?)")
    return int(np.argmax(overlaps))


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


def segments(times: Sequence[float], distances: Sequence[float], threshold: float, max_missed: int = 1,
             sure_up_to: float | None = None) -> list[Segment]:
    """Group the sample times whose distance is within `threshold` into segments.

    Matching samples with at most `max_missed` samples between them that do not match belong to one segment (so
    one missed detection does not split a moment in two). Counted in samples, not seconds: a video with fewer
    frames than the sampling asks for (a time-lapse, a slideshow) has samples further apart than the interval.
    `distances` holds each sample's best face distance (inf: no face).

    With `sure_up_to` (a stricter distance), a segment that has samples that close begins and ends with them: the
    less sure samples at its ends are as often someone else, seen right after a cut (the person's own frames at
    0.4, the next person's at 1.06, under a default of 1.11, made one moment of both). A segment with no sure
    sample is kept whole.
    """
    t = np.asarray(times, np.float64)
    d = np.asarray(distances, np.float64)
    order = np.argsort(t, kind="stable")
    keep = [int(i) for i in order if d[i] <= threshold]
    position = {int(i): k for k, i in enumerate(order)}
    groups: list[list[int]] = []
    for i in keep:
        if not groups or position[i] - position[groups[-1][-1]] > max_missed + 1:
            groups.append([])
        groups[-1].append(i)
    if sure_up_to is not None:
        groups = [_trimmed(group, d, sure_up_to) for group in groups]
    return [_segment(t, d, group) for group in groups]


def _trimmed(group: list[int], d: np.ndarray, sure_up_to: float) -> list[int]:
    """The group from its first sure sample to its last (the whole group when none is sure)."""
    sure = [k for k, i in enumerate(group) if d[i] <= sure_up_to]
    return group[sure[0]:sure[-1] + 1] if sure else group


def _segment(t: np.ndarray, d: np.ndarray, group: list[int]) -> Segment:
    best = group[int(np.argmin(d[group]))]
    return Segment(float(t[group[0]]), float(t[group[-1]]), float(t[best]), float(d[best]), len(group))
