"""Face detection: MTCNN with the weights bundled in the `mtcnn` wheel, its networks on LiteRT (`model.mtcnn_cascade`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from model.mtcnn_cascade import CascadeThresholds, MtcnnCascade


@dataclass(frozen=True)
class Detection:
    """One detected face: box (x, y, w, h) and 5 landmarks in original-image pixels."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray  # (5, 2): left eye, right eye, nose, left mouth, right mouth

    @property
    def area(self) -> float:
        """Box area in pixels: the largest face is the photo's main subject."""
        return self.box[2] * self.box[3]


@dataclass(frozen=True)
class DetectorSettings:
    """Knobs of the detector; defaults suit album photos."""

    min_face_size: int = 20  # pixels, in the (possibly downscaled) detection image
    score_threshold: float = 0.90  # final (ONet) confidence
    max_side: int = 1024  # larger photos are downscaled for detection
    # Photos this small are usually tight face crops: pad them so a face touching the border is found.
    pad_below: int = 160


class FaceDetector:
    """MTCNN (`model.mtcnn_cascade`) with downscaling of large photos and padding of tight crops."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self.cascade = MtcnnCascade(CascadeThresholds(onet=self.settings.score_threshold))
        # A face filling a tight crop often fails the first two stages, though the final network is sure of it
        # (on 18 such CelebA crops: none found, all 18 at a final score of 0.99-1.0 when every candidate
        # reaches it). A tight crop with no face found gets a second pass that keeps every candidate up to the
        # final stage, whose threshold still decides.
        self.tight_crop_thresholds = CascadeThresholds(pnet=0.0, rnet=0.0, onet=self.settings.score_threshold)

    def _prepare(self, image: np.ndarray) -> tuple[np.ndarray, float, int]:
        """Resize/pad an image for detection; return it with the scale and padding to undo."""
        h, w = image.shape[:2]
        s = self.settings
        scale = min(1.0, s.max_side / max(h, w))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            image = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BILINEAR))
        pad = 0
        if max(h, w) * scale < s.pad_below:
            pad = int(max(image.shape[:2]) * 0.3)
            image = np.pad(image, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
        return image, scale, pad

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Detect faces in one RGB uint8 image."""
        return self.detect_many([image])[0]

    def detect_many(self, images: list[np.ndarray]) -> list[list[Detection]]:
        """Detect faces in several images, one at a time.

        One image at a time: the same photo must give the same faces however an ingest is batched or resumed
        (mtcnn's own batching, measured no faster, picks and suppresses proposals across the batch).
        """
        results = []
        for image in images:
            prepared, scale, pad = self._prepare(image)
            rows = self.cascade.detect(prepared, self.settings.min_face_size)
            if len(rows) == 0 and pad:
                rows = self.cascade.detect(prepared, self.settings.min_face_size, self.tight_crop_thresholds)
            results.append([self._to_original(row, scale, pad, image.shape) for row in rows])
        return results

    @staticmethod
    def _to_original(row: np.ndarray, scale: float, pad: int, shape: tuple[int, ...]) -> Detection:
        h, w = shape[:2]
        x1, y1, x2, y2 = ((row[:4] - pad) / scale).tolist()
        x1, y1 = max(0.0, x1), max(0.0, y1)
        x2, y2 = min(float(w), x2), min(float(h), y2)
        # The cascade gives the five x coordinates, then the five y coordinates.
        landmarks = (np.stack([row[5:10], row[10:15]], axis=1) - pad) / scale
        return Detection(box=(x1, y1, x2 - x1, y2 - y1), score=float(row[4]), landmarks=landmarks)
