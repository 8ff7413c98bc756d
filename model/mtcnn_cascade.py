"""MTCNN's three-stage cascade in numpy, running the `mtcnn` package's own networks on LiteRT.

A port of mtcnn 1.0.0's pipeline (MIT licence: `mtcnn/stages/*.py`, `mtcnn/utils/bboxes.py`), step for step
and with its NMS variant, where TensorFlow's image ops are replaced by exact numpy equivalents: pyramid levels
are resized by area averaging (TensorFlow's AREA method; Pillow's box filter is not the same and moved boxes
by up to 4% of their size) and RNet/ONet patches are cut by bilinear sampling (TensorFlow's crop_and_resize).
Why: measured on album photos, TensorFlow's eager ops and tensor conversions took over half of detection
time, and every ingest worker paid a 3-8 s TensorFlow import. `tests/test_detection.py` checks that faces,
boxes, landmarks and scores agree with the `mtcnn` package's own `detect_faces`.

The networks' weights are the ones in mtcnn's wheel, converted to LiteRT on first use and cached
(`model.runtime.cached_runtime_file`): the only step that imports TensorFlow.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import numpy as np

PNET_CELL = 12  # PNet's window; it slides with stride 2
PNET_STRIDE = 2
SCALE_FACTOR = 0.709  # pyramid step, mtcnn's default
NMS_BLOCK = 512  # boxes whose overlaps are computed at once
# Each network's input: PNet sees whole pyramid levels, RNet and ONet batches of 24 / 48 px patches.
_NETWORK_INPUTS = {"StagePNet": [1, None, None, 3], "StageRNet": [None, 24, 24, 3], "StageONet": [None, 48, 48, 3]}


@dataclass(frozen=True)
class CascadeThresholds:
    """Score and overlap thresholds of the three stages (mtcnn's defaults but the final score)."""

    pnet: float = 0.6
    rnet: float = 0.7
    onet: float = 0.8
    nms_pnet_level: float = 0.5
    nms_pnet: float = 0.7
    nms_rnet: float = 0.7
    nms_onet: float = 0.7  # by intersection over the smaller box


def _network_file(kind: str):
    """The runtime file of one of mtcnn's networks, converted from its wheel's weights once per mtcnn version."""
    from importlib.metadata import version

    from model.runtime import cached_runtime_file, to_runtime_file

    def convert() -> bytes:
        import mtcnn.stages  # imports TensorFlow: only while converting

        network = getattr(mtcnn.stages, kind)()._model
        return to_runtime_file(network, _NETWORK_INPUTS[kind])

    return cached_runtime_file(f"mtcnn-{version('mtcnn')}-{kind}.tflite", convert)


def ensure_network_files() -> None:
    """Convert mtcnn's networks now if this machine has not yet (before starting worker processes)."""
    for kind in _NETWORK_INPUTS:
        _network_file(kind)


class _Network:
    """One of mtcnn's networks on LiteRT; returns its outputs in mtcnn's order."""

    def __init__(self, kind: str) -> None:
        from model.runtime import LiteModel

        self._lite = LiteModel(_network_file(kind))
        # The converter names outputs output_0, output_1, ... in the Keras network's order.
        self._names = sorted(self._lite.output_names, key=lambda n: int(n.rsplit("_", 1)[1]))

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        out = self._lite(x)
        return [out[name] for name in self._names]


class MtcnnCascade:
    """PNet -> RNet -> ONet on one RGB uint8 image; networks load on first use, once."""

    def __init__(self, thresholds: CascadeThresholds | None = None) -> None:
        self.thresholds = thresholds or CascadeThresholds()
        self._networks: tuple[_Network, _Network, _Network] | None = None
        self._lock = threading.Lock()

    def networks(self) -> tuple[_Network, _Network, _Network]:
        with self._lock:
            if self._networks is None:
                self._networks = (_Network("StagePNet"), _Network("StageRNet"), _Network("StageONet"))
            return self._networks

    def detect(self, image: np.ndarray, min_face_size: int = 20, thresholds: CascadeThresholds | None = None) -> np.ndarray:
        """Faces as rows (x1, y1, x2, y2, score, 5 landmark x, 5 landmark y), in image pixels.

        `thresholds` overrides the cascade's own for this call.
        """
        pnet, rnet, onet = self.networks()
        t = thresholds or self.thresholds
        h, w = image.shape[:2]
        normalized = _normalize(image)
        boxes = self._proposals(pnet, normalized, min_face_size, t)
        if len(boxes) == 0:
            return np.zeros((0, 15), np.float32)

        offsets, scores = rnet(_patches(normalized, boxes, 24))
        boxes = _refine(boxes, offsets, scores[:, 1])
        boxes = _by_score(boxes[boxes[:, 4] > t.rnet])
        boxes = _square(boxes[_nms(boxes, t.nms_rnet)])
        if len(boxes) == 0:
            return np.zeros((0, 15), np.float32)

        offsets, landmarks, scores = onet(_patches(normalized, boxes, 48))
        bw = boxes[:, 2:3] - boxes[:, 0:1] + 1
        bh = boxes[:, 3:4] - boxes[:, 1:2] + 1
        landmarks = np.concatenate([bw * landmarks[:, :5] + boxes[:, 0:1] - 1, bh * landmarks[:, 5:] + boxes[:, 1:2] - 1], 1)
        faces = np.concatenate([_refine(boxes, offsets, scores[:, 1]), landmarks], axis=1)
        faces = faces[faces[:, 4] > t.onet]
        if len(faces):
            faces = _by_score(faces)
            faces = faces[_nms(faces, t.nms_onet, by_min=True)]
        # Boxes are fitted to the image (landmarks may lie outside it), as mtcnn's detect_faces does.
        faces[:, [0, 2]] = np.clip(faces[:, [0, 2]], 0, w - 1)
        faces[:, [1, 3]] = np.clip(faces[:, [1, 3]], 0, h - 1)
        return faces.astype(np.float32)

    def _proposals(self, pnet: _Network, normalized: np.ndarray, min_face_size: int, t: CascadeThresholds) -> np.ndarray:
        """PNet over the pyramid of the normalised image: square candidate boxes (x1, y1, x2, y2, score)."""
        h, w = normalized.shape[:2]
        found = []
        for scale in _pyramid(w, h, min_face_size):
            size = (int(h * scale), int(w * scale))  # truncated, as TensorFlow's resize does with mtcnn's sizes
            if min(size) < PNET_CELL:
                continue  # mtcnn would fail the whole image here ("no faces"); the level simply has none
            level = _area_resize(normalized, size)
            regression, classes = pnet(level[None])
            boxes = _pnet_boxes(regression[0], classes[0, :, :, 1], t.pnet)
            boxes[:, :4] /= scale
            found.append(boxes[_nms(boxes, t.nms_pnet_level)])
        boxes = np.concatenate(found) if found else np.zeros((0, 5))
        if len(boxes):
            boxes = _by_score(boxes)
            boxes = boxes[_nms(boxes, t.nms_pnet)]
        return _square(boxes)


def _normalize(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 in [-1, 1], MTCNN's input range."""
    return (image.astype(np.float32) - 127.5) / 128.0


@functools.lru_cache(maxsize=256)
def _area_weights(n_in: int, n_out: int):
    """Sparse (n_out, n_in) matrix: each output pixel averages the input span it covers, by covered fraction."""
    from scipy.sparse import csr_matrix

    scale = n_in / n_out
    start = np.arange(n_out) * scale
    end = start + scale
    first = np.floor(start).astype(np.int64)
    pixels = first[:, None] + np.arange(int(np.ceil(scale)) + 1)[None]  # every input pixel a span can touch
    cover = np.minimum(pixels + 1, end[:, None]) - np.maximum(pixels, start[:, None])
    keep = (cover > 0) & (pixels < n_in)
    rows = np.broadcast_to(np.arange(n_out)[:, None], pixels.shape)[keep]
    return csr_matrix(((cover[keep] / scale).astype(np.float32), (rows, pixels[keep])), shape=(n_out, n_in))


def _area_resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(H, W, C) float32 resized to size (h, w) by area averaging, as TensorFlow's AREA method (to 1e-5)."""
    (h_in, w_in, c), (h, w) = image.shape, size
    rows = _area_weights(h_in, h) @ image.reshape(h_in, w_in * c)  # (h, w_in * c)
    columns = rows.reshape(h, w_in, c).transpose(1, 0, 2).reshape(w_in, h * c)
    return np.ascontiguousarray((_area_weights(w_in, w) @ columns).reshape(w, h, c).transpose(1, 0, 2))


def _pyramid(width: int, height: int, min_face_size: int) -> np.ndarray:
    """mtcnn's scales: the first maps min_face_size to PNet's 12 px window, then steps of SCALE_FACTOR."""
    count = round(-((np.log(min(width, height) / PNET_CELL) / np.log(SCALE_FACTOR)) + 1))
    return (PNET_CELL / min_face_size) * SCALE_FACTOR ** np.arange(max(count, 0))


def _pnet_boxes(regression: np.ndarray, face_prob: np.ndarray, threshold: float) -> np.ndarray:
    """Windows of one pyramid level scoring above threshold, regressed, best first (level pixels)."""
    ys, xs = np.nonzero(face_prob > threshold)
    reg = regression[ys, xs].T  # (4, n): x1, y1, x2, y2 offsets in window sides
    x1, y1 = xs * PNET_STRIDE + 1, ys * PNET_STRIDE + 1
    x2, y2 = xs * PNET_STRIDE + PNET_CELL, ys * PNET_STRIDE + PNET_CELL
    side = PNET_CELL - 1
    boxes = np.stack(
        [x1 + reg[0] * side, y1 + reg[1] * side, x2 + reg[2] * side, y2 + reg[3] * side, face_prob[ys, xs]], axis=1
    ).astype(np.float64)
    return _by_score(boxes)


def _by_score(boxes: np.ndarray) -> np.ndarray:
    """Rows sorted by score (column 4), best first, ties as mtcnn orders them."""
    return boxes[np.argsort(boxes[:, 4])[::-1]]


def _nms(boxes: np.ndarray, threshold: float, by_min: bool = False) -> np.ndarray:
    """Indices of the boxes (sorted best first) that overlap no better-scored box by more than threshold.

    mtcnn's variant: a box suppressed by a better one still suppresses worse ones (not greedy NMS). Overlaps
    are computed for NMS_BLOCK boxes at a time against all better ones: memory stays linear in the number
    of proposals (a busy pyramid level gives over a thousand).
    """
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    area = (x2 - x1) * (y2 - y1)
    suppressed = np.zeros(len(boxes), bool)
    for start in range(0, len(boxes), NMS_BLOCK):
        block = slice(start, min(start + NMS_BLOCK, len(boxes)))
        better = slice(0, block.stop)  # rows: every box scored above some box of the block
        inter_w = np.maximum(0, np.minimum(x2[better, None], x2[None, block]) - np.maximum(x1[better, None], x1[None, block]))
        inter_h = np.maximum(0, np.minimum(y2[better, None], y2[None, block]) - np.maximum(y1[better, None], y1[None, block]))
        inter = inter_w * inter_h
        a, b = area[better, None], area[None, block]
        denominator = np.minimum(a, b) if by_min else a + b - inter
        with np.errstate(divide="ignore", invalid="ignore"):
            overlap = inter / denominator
        earlier = np.arange(block.stop)[:, None] < np.arange(block.start, block.stop)[None]
        suppressed[block] = ((overlap > threshold) & earlier).any(axis=0)
    return np.flatnonzero(~suppressed)


def _square(boxes: np.ndarray) -> np.ndarray:
    """Each box grown to a square around its centre (side = its longer side)."""
    boxes = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    boxes[:, 0] += w * 0.5 - side * 0.5
    boxes[:, 1] += h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def _refine(boxes: np.ndarray, offsets: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """A stage's box regression applied (offsets in box sides) and its score taking the old one's place."""
    boxes = boxes[:, :5].copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    boxes[:, :4] += offsets * np.stack([w, h, w, h], axis=1)
    boxes[:, 4] = scores
    return boxes


def _patches(image: np.ndarray, boxes: np.ndarray, side: int) -> np.ndarray:
    """Each box cut from the (normalised) image and resized to side x side by bilinear sampling.

    TensorFlow's crop_and_resize as mtcnn calls it: box corners are divided by the image's height and width,
    sample points then span corner * (size - 1), and points outside the image read 0.
    """
    h, w = image.shape[:2]
    steps = np.arange(side) / (side - 1)

    def axis(start, end, size):
        lo, hi = start / size * (size - 1), end / size * (size - 1)
        points = lo[:, None] + (hi - lo)[:, None] * steps[None]  # (n, side)
        inside = (points >= 0) & (points <= size - 1)
        first = np.clip(np.floor(points), 0, size - 1).astype(np.int64)
        second = np.clip(np.ceil(points), 0, size - 1).astype(np.int64)
        return first, second, (points - np.floor(points)).astype(np.float32), inside

    y0, y1, fy, in_y = axis(boxes[:, 1], boxes[:, 3], h)
    x0, x1, fx, in_x = axis(boxes[:, 0], boxes[:, 2], w)
    pixels = image.reshape(h * w, -1)

    def at(rows, cols):  # (n, side, side, channels): pixel (rows[i, r], cols[i, c]) of each patch
        return pixels[rows[:, :, None] * w + cols[:, None, :]]

    fx = fx[:, None, :, None]
    top_left, top_right = at(y0, x0), at(y0, x1)
    bottom_left, bottom_right = at(y1, x0), at(y1, x1)
    top = top_left + (top_right - top_left) * fx
    bottom = bottom_left + (bottom_right - bottom_left) * fx
    patches = top + (bottom - top) * fy[:, :, None, None]
    inside = in_y[:, :, None] & in_x[:, None, :]
    return np.where(inside[..., None], patches, 0.0).astype(np.float32)
