"""The public face API: `FaceAnalyzer().analyze(image) -> list[Face]`, `embed`, `distance`."""

from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from model.alignment import CROP_SIZE, align_face
from model.attributes import ATTRIBUTE_NAMES
from model.detection import Detection, DetectorSettings, FaceDetector
from model.matching import (
    FALLBACK_TEMPLATE_THRESHOLDS, FALLBACK_THRESHOLDS, TEMPLATE_FACES, MatchThresholds, for_library,
)
from model.runtime import LiteModel, runtime_path

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "face_model.keras"


@dataclass
class Face:
    """Everything known about one face. Box is (x, y, w, h) in original-image pixels."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: np.ndarray  # (5, 2)
    crop: np.ndarray  # (112, 112, 3) uint8, aligned
    embedding: np.ndarray  # (128,) float32, L2-normalised
    attributes: np.ndarray  # (40,) float32 probabilities, in ATTRIBUTE_NAMES order
    attribute_names: tuple[str, ...] = field(default=ATTRIBUTE_NAMES, repr=False)

    @property
    def area(self) -> float:
        """Box area in pixels: the largest face is the photo's main subject."""
        return self.box[2] * self.box[3]

    def top_attributes(self, k: int = 10) -> list[tuple[str, float]]:
        """The k most probable attributes, most probable first."""
        order = np.argsort(-self.attributes)[:k]
        return [(self.attribute_names[i], float(self.attributes[i])) for i in order]


def copy_model(weights: Path, folder: Path) -> Path:
    """Copy a saved model's files (network, runtime file, model card) into folder; returns the new weights path."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in (weights, runtime_path(weights), weights.with_suffix(".json")):
        if source.exists():
            shutil.copy(source, folder / source.name)
    return folder / weights.name


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between L2-normalised embeddings (0 = same, 2 = opposite); broadcasts."""
    return np.linalg.norm(np.asarray(a, np.float32) - np.asarray(b, np.float32), axis=-1)


class FaceAnalyzer:
    """Detect -> align -> embed + attributes. Models load lazily, once, thread-safely."""

    def __init__(
        self,
        weights: Path | str | None = None,
        detector: DetectorSettings | None = None,
        batch_size: int = 64,
    ) -> None:
        self.weights = Path(weights or DEFAULT_WEIGHTS)  # None: the bundled model
        if not self.weights.exists():
            raise FileNotFoundError(f"face model weights not found: {self.weights}")
        if not runtime_path(self.weights).exists():
            raise FileNotFoundError(
                f"face model runtime file not found: {runtime_path(self.weights)} (training and "
                "`python -m model.training.rewrap` write it beside the .keras file)"
            )
        self.detector = FaceDetector(detector)
        self.batch_size = batch_size
        self._network = None
        self._lock = threading.Lock()

    @cached_property
    def card(self) -> dict:
        """The machine-readable model card beside the weights (empty when there is none)."""
        path = self.weights.with_suffix(".json")
        return json.loads(path.read_text()) if path.exists() else {}

    @property
    def model_version(self) -> str:
        """The version from the model card (embeddings are tied to it), else the weights' file name."""
        return str(self.card.get("version", self.weights.stem))

    @property
    def match_thresholds(self) -> MatchThresholds:
        """Same-person distance thresholds measured for these weights (model card), else the fallback."""
        measured = self.card.get("match_thresholds")
        return MatchThresholds(**measured) if measured else FALLBACK_THRESHOLDS

    def search_thresholds(self, n_faces: int = 1, n_compared: int = 0) -> MatchThresholds:
        """The thresholds for searching with `n_faces` faces of one person: one face's (`match_thresholds`),
        or those of a template of that many (`model.matching.template`; measured up to TEMPLATE_FACES); among
        `n_compared` library faces, tightened for a large library by the model card's measured curve
        (`model.matching.for_library`)."""
        n = str(min(max(n_faces, 1), TEMPLATE_FACES))
        if n_faces <= 1:
            thresholds = self.match_thresholds
        else:
            measured = (self.card.get("template_thresholds") or {}).get(n)
            thresholds = MatchThresholds(**measured) if measured else FALLBACK_TEMPLATE_THRESHOLDS
        return for_library(thresholds, (self.card.get("search_far_curves") or {}).get(n), n_compared)

    @property
    def attribute_base_rates(self) -> np.ndarray:
        """Each attribute's share of positives in the training labels (model card), else 0.5.

        A face "has" an attribute when its probability exceeds this rate: the decision the attribute head
        was trained for (class-balanced), and what `eval attributes` scores. A card without rates belongs
        to a network that returns the raw balanced scores, for which that rate is 0.5.
        """
        return np.asarray(self.card.get("attribute_base_rates", [0.5] * len(ATTRIBUTE_NAMES)), np.float32)

    def _net(self):
        """The network's runtime file on LiteRT, loaded once (`model.runtime`)."""
        with self._lock:
            if self._network is None:
                self._network = LiteModel(runtime_path(self.weights))
            return self._network

    def embed(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Embeddings (N, 128) and attribute probabilities (N, 40) for aligned (N, 112, 112, 3) crops."""
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1:] != (CROP_SIZE, CROP_SIZE, 3):
            raise ValueError(f"expected aligned crops of shape (N, {CROP_SIZE}, {CROP_SIZE}, 3), got {crops.shape}")
        if len(crops) == 0:
            return np.zeros((0, 128), np.float32), np.zeros((0, len(ATTRIBUTE_NAMES)), np.float32)
        net = self._net()
        embeddings, attributes = [], []
        for start in range(0, len(crops), self.batch_size):
            out = net(crops[start : start + self.batch_size])
            embeddings.append(out["embedding"])
            attributes.append(out["attributes"])
        return np.concatenate(embeddings), np.concatenate(attributes)

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Faces found in an RGB uint8 image, without embedding them."""
        return self.detector.detect(image)

    def analyze(self, image: np.ndarray) -> list[Face]:
        """Every face in one RGB uint8 image, fully analysed."""
        return self.analyze_many([image])[0]

    def analyze_many(self, images: list[np.ndarray]) -> list[list[Face]]:
        """Analyse several images; detection and embedding are batched across them."""
        return self.describe(images, self.detector.detect_many(images))

    def describe(self, images: list[np.ndarray], detections: list[list[Detection]]) -> list[list[Face]]:
        """Align and embed the faces detected in each image (one embedding batch across the images)."""
        crops = [align_face(img, d.landmarks) for img, dets in zip(images, detections) for d in dets]
        embeddings, attributes = self.embed(np.stack(crops)) if crops else (np.zeros((0, 128)), None)
        faces: list[list[Face]] = []
        k = 0
        for dets in detections:
            row = []
            for d in dets:
                row.append(Face(d.box, d.score, d.landmarks, crops[k], embeddings[k], attributes[k]))
                k += 1
            faces.append(row)
        return faces
