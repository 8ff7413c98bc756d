"""Networks at inference run on LiteRT (TensorFlow Lite) with XNNPACK instead of TensorFlow.

Measured on the 2-core machine (2026-12-02): the face network embeds 630-870 faces/s batched vs 227-258 as
a compiled TensorFlow graph and loads in 30 ms instead of ~6 s; MTCNN's three networks run 4-16x faster per
call. Outputs agree with TensorFlow's to 1e-6 (float32), the face network's to 3e-4 (float16 weights).

Training writes the face network's runtime file beside `face_model.keras` (`face_model.tflite`); MTCNN's
are converted from the weights in its wheel on first use and cached (`cache_dir`).
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

RUNTIME_SUFFIX = ".tflite"
CACHE_ENV_VAR = "FACEALBUM_RUNTIME_CACHE"
_threads = os.cpu_count() or 1  # per interpreter: every core, unless the process gets a share (`set_threads`)


def set_threads(n: int) -> None:
    """Threads of each LiteRT interpreter made from now on: ingest's worker processes each take their share."""
    global _threads
    _threads = max(1, n)


def runtime_path(weights: Path) -> Path:
    """The runtime file that belongs to a saved model (`face_model.keras` -> `face_model.tflite`)."""
    return weights.with_suffix(RUNTIME_SUFFIX)


def cache_dir() -> Path:
    """Where converted runtime files are kept (per machine, not per library): $FACEALBUM_RUNTIME_CACHE,
    else the user's cache directory."""
    chosen = os.environ.get(CACHE_ENV_VAR)
    if chosen:
        return Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "facealbum"


def to_runtime_file(model, input_shape: list[int | None], float16: bool = False) -> bytes:
    """Convert a Keras model taking one float32 input of input_shape (None = any size) to a LiteRT file.

    float16 stores the weights at half size (the face network: 1.9 MB instead of 3.7) and still computes in
    float32 on CPU.
    """
    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="facealbum-export-") as tmp:
        model.export(tmp, input_signature=[tf.TensorSpec(input_shape, tf.float32)], verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(tmp)
        if float16:
            converter.optimizations = [tf.lite.Optimize.DEFAULT]
            converter.target_spec.supported_types = [tf.float16]
        return converter.convert()


def cached_runtime_file(name: str, convert: Callable[[], bytes]) -> Path | bytes:
    """The cached runtime file `name`, converted on first use; in memory when the cache is not writable."""
    path = cache_dir() / name
    if path.exists():
        return path
    data = convert()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Atomic: two processes converting at once each write a whole file, and readers see one or the other.
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=path.name, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
    except OSError:
        return data
    return path


class LiteModel:
    """One LiteRT model: call it with an input array, get its outputs by name.

    Tensors are re-allocated only when the input shape changes: LiteRT's signature runner re-allocates on
    every call, which measured 1.9 ms a call, as long as the call itself for MTCNN's small networks.
    An interpreter is not thread-safe: calls are serialised (each call already uses every core).
    """

    def __init__(self, model: Path | bytes) -> None:
        from ai_edge_litert.interpreter import Interpreter

        if isinstance(model, Path):
            interpreter = Interpreter(model_path=str(model), num_threads=_threads)
        else:
            interpreter = Interpreter(model_content=model, num_threads=_threads)
        runner = interpreter.get_signature_runner()
        ((_, details),) = runner.get_input_details().items()
        self._input = details["index"]
        self._outputs = {name: d["index"] for name, d in runner.get_output_details().items()}
        self._interpreter = interpreter
        self._shape: tuple[int, ...] | None = None
        self._lock = threading.Lock()

    @property
    def output_names(self) -> list[str]:
        return list(self._outputs)

    def __call__(self, x: np.ndarray) -> dict[str, np.ndarray]:
        x = np.ascontiguousarray(x, np.float32)
        with self._lock:
            if x.shape != self._shape:
                self._interpreter.resize_tensor_input(self._input, x.shape)
                self._interpreter.allocate_tensors()
                self._shape = x.shape
            self._interpreter.set_tensor(self._input, x)
            self._interpreter.invoke()
            return {name: self._interpreter.get_tensor(index) for name, index in self._outputs.items()}  # copies
