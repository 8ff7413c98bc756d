"""Read a video file as upright RGB frames sampled at a fixed interval (PyAV, which bundles FFmpeg).

Bad files raise `VideoLoadError` with a kind, as `model.imaging` does for photos: empty, not a video,
corrupt, unsupported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

# Demuxers that read a single still image: PyAV opens a JPEG as a one-frame "video", which is not one.
_STILL_IMAGE_FORMATS = ("image2", "gif")


class VideoErrorKind(str, Enum):
    """Why a file could not be used as a video."""

    EMPTY = "empty"
    NOT_A_VIDEO = "not a video"
    CORRUPT = "corrupt"
    UNSUPPORTED = "unsupported"


class VideoLoadError(ValueError):
    """A file that is not a usable video; `kind` says why, the message says so in words."""

    def __init__(self, kind: VideoErrorKind, detail: str) -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream."""

    duration: float | None  # seconds, None when the container does not say
    width: int
    height: int
    fps: float | None
    format: str
    codec: str


@dataclass(frozen=True)
class Frame:
    """One sampled frame: its time in seconds and the upright (H, W, 3) uint8 RGB image."""

    time: float
    image: np.ndarray


def _open(path: Path):
    """The opened container and its first video stream, or VideoLoadError."""
    import av

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such video file: {path}")
    if path.stat().st_size == 0:
        raise VideoLoadError(VideoErrorKind.EMPTY, f"{path.name} has no bytes")
    try:
        container = av.open(str(path))
    except av.error.InvalidDataError as exc:
        raise VideoLoadError(VideoErrorKind.NOT_A_VIDEO, f"{path.name} is not a video FFmpeg can read") from exc
    except av.error.FFmpegError as exc:
        raise VideoLoadError(VideoErrorKind.CORRUPT, f"{path.name}: {exc}") from exc
    format_names = container.format.name.split(",")
    if not container.streams.video or any(n in _STILL_IMAGE_FORMATS or n.endswith("_pipe") for n in format_names):
        container.close()
        raise VideoLoadError(VideoErrorKind.NOT_A_VIDEO, f"{path.name} has no video stream (a still image or audio?)")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.name:
        container.close()
        raise VideoLoadError(VideoErrorKind.UNSUPPORTED, f"{path.name}: no decoder for its video codec")
    return container, stream


def probe_video(path: Path | str) -> VideoInfo:
    """The duration, size and frame rate of a video; VideoLoadError when it is not a usable one."""
    container, stream = _open(Path(path))
    with container:
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000  # microseconds (av.time_base)
        fps = float(stream.average_rate) if stream.average_rate else None
        return VideoInfo(duration, stream.codec_context.width, stream.codec_context.height, fps,
                         container.format.name, stream.codec_context.name)


def _upright(image: np.ndarray, rotation: int) -> np.ndarray:
    """Apply the stream's display rotation (phones store portrait videos as rotated landscape frames)."""
    quarter_turns = int(round(rotation / 90)) % 4
    return np.ascontiguousarray(np.rot90(image, quarter_turns)) if quarter_turns else image


def sample_frames(path: Path | str, every_s: float = 1.0) -> Iterator[Frame]:
    """Frames at 0, every_s, 2*every_s, ... seconds (the first decoded frame at or after each time).

    Raises VideoLoadError when the file cannot be opened or decoding fails; damage part-way raises it
    after the frames before the damage were yielded (the caller keeps them and reports the error).
    """
    import av

    if not every_s > 0:
        raise ValueError(f"the sampling interval must be positive, not {every_s}")
    path = Path(path)
    container, stream = _open(path)
    stream.thread_type = "AUTO"  # frame-parallel decoding
    n = 0
    next_time = 0.0
    with container:
        try:
            for frame in container.decode(stream):
                t = frame.time
                if t is None or t + 1e-6 < next_time:
                    continue
                image = frame.to_ndarray(format="rgb24")
                yield Frame(float(t), _upright(image, getattr(frame, "rotation", 0) or 0))
                n += 1
                # The next sample is the first multiple of every_s after this frame (no burst after a gap).
                next_time = (np.floor(t / every_s + 1e-9) + 1) * every_s
        except av.error.FFmpegError as exc:
            if n == 0:
                unsupported = isinstance(exc, av.error.PatchWelcomeError)
                kind = VideoErrorKind.UNSUPPORTED if unsupported else VideoErrorKind.CORRUPT
                raise VideoLoadError(kind, f"{path.name}: {exc}") from exc
            detail = f"{path.name} is damaged after {next_time:.0f} s: {exc}"
            raise VideoLoadError(VideoErrorKind.CORRUPT, detail) from exc
    if n == 0:
        raise VideoLoadError(VideoErrorKind.CORRUPT, f"{path.name}: no frame could be decoded")
