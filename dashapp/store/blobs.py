"""float32 arrays <-> BLOBs (little-endian, C order)."""

from __future__ import annotations

import numpy as np


def to_blob(array: np.ndarray) -> bytes:
    """The array as little-endian float32 bytes."""
    return np.ascontiguousarray(array, dtype="<f4").tobytes()


def from_blob(blob: bytes, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """A float32 array from `to_blob` bytes, reshaped if `shape` is given."""
    array = np.frombuffer(blob, dtype="<f4").astype(np.float32)
    return array.reshape(shape) if shape is not None else array


def stack_blobs(blobs: list[bytes], width: int) -> np.ndarray:
    """Many equal-length vectors as one (N, width) float32 matrix, without a Python loop per value."""
    if not blobs:
        return np.zeros((0, width), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), width).astype(np.float32)
