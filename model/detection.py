"""Face detection with the `mtcnn` package and the weights bundled in its wheel, its networks run on LiteRT."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from PIL import Image


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
    """MTCNN with downscaling of large photos and padding of tight crops."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self._mtcnn = None
        self._lock = threading.Lock()

    def _model(self):
        with self._lock:
            if self._mtcnn is None:
                from mtcnn import MTCNN  # imports TensorFlow: only when detection is used

                mtcnn = MTCNN(device="CPU:0")
                # mtcnn calls its networks eagerly, once per pyramid level: on LiteRT each call is 4-16x
                # faster (`model.runtime`); mtcnn's own pre- and post-processing stays as it is.
                for stage in mtcnn.stages:
                    stage._model = _StageOnLiteRT(stage)
                self._mtcnn = mtcnn
            return self._mtcnn

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
        """Detect faces in several images, one MTCNN call each.

        mtcnn can batch images of one shape, but measured here that is slower than one call per image, and
        a face's box then depends on the other images of the batch (its stages pick and suppress proposals
        across the batch): the same photo must give the same faces however an ingest is batched or resumed.
        """
        results = []
        for image in images:
            prepared, scale, pad = self._prepare(image)
            results.append([self._to_original(row, scale, pad, image.shape) for row in self._run(prepared)])
        return results

    def _run(self, image: np.ndarray) -> list[np.ndarray]:
        """MTCNN's rows (image index, box xyxy, score, 5 x, 5 y) for one prepared image."""
        s = self.settings
        rows = self._model().detect_faces(
            image,
            box_format="xyxy",
            output_type="numpy",
            min_face_size=s.min_face_size,
            threshold_onet=s.score_threshold,
        )
        return list(np.asarray(rows).reshape(-1, 16))

    @staticmethod
    def _to_original(row: np.ndarray, scale: float, pad: int, shape: tuple[int, ...]) -> Detection:
        h, w = shape[:2]
        x1, y1, x2, y2 = ((row[1:5] - pad) / scale).tolist()
        x1, y1 = max(0.0, x1), max(0.0, y1)
        x2, y2 = min(float(w), x2), min(float(h), y2)
        # mtcnn stores the five x coordinates, then the five y coordinates.
        landmarks = (np.stack([row[6:11], row[11:16]], axis=1) - pad) / scale
        return Detection(box=(x1, y1, x2 - x1, y2 - y1), score=float(row[5]), landmarks=landmarks)


_PNET_MIN_INPUT = 12  # PNet's receptive field; RNet and ONet take larger patches
# Each MTCNN network's input: PNet sees whole pyramid levels, RNet and ONet batches of 24 / 48 px patches.
_STAGE_INPUTS = {"StagePNet": [1, None, None, 3], "StageRNet": [None, 24, 24, 3], "StageONet": [None, 48, 48, 3]}


class _StageOnLiteRT:
    """An MTCNN stage's network, converted from mtcnn's own weights to LiteRT once and cached."""

    def __init__(self, stage) -> None:
        from importlib.metadata import version

        from model.runtime import LiteModel, cached_runtime_file, to_runtime_file

        kind = type(stage).__name__
        network = stage._model
        name = f"mtcnn-{version('mtcnn')}-{kind}.tflite"  # new mtcnn weights, new file
        self._lite = LiteModel(cached_runtime_file(name, lambda: to_runtime_file(network, _STAGE_INPUTS[kind])))
        # The converter names outputs output_0, output_1, ... in the network's order, as mtcnn unpacks them.
        self._outputs = sorted(self._lite.output_names, key=lambda n: int(n.rsplit("_", 1)[1]))

    def __call__(self, x):
        import tensorflow as tf

        x = np.asarray(x)
        if x.shape[0] == 0 or min(x.shape[1:3]) < _PNET_MIN_INPUT:
            # What TensorFlow raises for an input the network cannot take (no proposals, a pyramid level
            # under PNet's 12 px window), and what mtcnn catches as "no faces found".
            raise tf.errors.InvalidArgumentError(None, None, f"no input for the network: {x.shape}")
        out = self._lite(x)
        return [tf.constant(out[name]) for name in self._outputs]  # mtcnn reads them as tensors
