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


def _moving_picture_streams(container) -> list:
    """The container's video streams less attached pictures: FFmpeg shows the cover art of a song or podcast
    (MP3, M4A) as a one-frame video stream, which would make an audio file a "video" of one still frame."""
    import av

    return [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]


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
        raise VideoLoadError(VideoErrorKind.NOT_A_VIDEO, f"FFmpeg cannot read {path.name}") from exc
    except av.error.FFmpegError as exc:
        raise VideoLoadError(VideoErrorKind.CORRUPT, f"{path.name}: {exc}") from exc
    format_names = container.format.name.split(",")
    moving = _moving_picture_streams(container)
    if not moving or any(n in _STILL_IMAGE_FORMATS or n.endswith("_pipe") for n in format_names):
        container.close()
        raise VideoLoadError(VideoErrorKind.NOT_A_VIDEO, f"{path.name} has no video stream (a still image or audio?)")
    stream = moving[0]
    if stream.codec_context is None or not stream.codec_context.name:
        container.close()
        raise VideoLoadError(VideoErrorKind.UNSUPPORTED, f"{path.name}: no decoder for its video codec")
    return container, stream


def probe_video(path: Path | str) -> VideoInfo:
    """The duration, size and frame rate of a video; VideoLoadError when it is not a usable one."""
    container, stream = _open(Path(path))
    with container:
        return VideoInfo(_duration(container, stream), stream.codec_context.width, stream.codec_context.height,
                         _frame_rate(stream), container.format.name, stream.codec_context.name)


def _duration(container, stream) -> float | None:
    """Seconds the video lasts, as its stream or else its container says (None when neither does)."""
    if (seconds := _stream_duration(stream)) is not None:
        return seconds
    return container.duration / 1_000_000 if container.duration is not None else None  # in av.time_base


def _stream_duration(stream) -> float | None:
    """Seconds the video stream says it lasts (MP4 and MOV say, in their headers)."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return None


def _frame_rate(stream) -> float | None:
    rate = stream.average_rate or stream.guessed_rate
    return float(rate) if rate else None


class _Timeline:
    """Each decoded frame's time in seconds from the video's start, always moving on.

    A file's timestamps may start anywhere (a TV or camcorder recording at 1:00:00, a clip cut from a longer
    one), be missing (a raw H.264 stream), or start again from zero (clips joined end to end): times are
    counted from the first frame, a missing one is the last plus a frame, and one that goes back continues
    from the last.
    """

    def __init__(self, frame_rate: float | None) -> None:
        self.step = 1 / frame_rate if frame_rate else 1 / 25
        self.offset: float | None = None
        self.last: float | None = None

    def time_of(self, raw: float | None) -> float:
        if raw is None:
            t = 0.0 if self.last is None else self.last + self.step
        else:
            if self.offset is None:
                self.offset = raw
            t = raw - self.offset
            if self.last is not None and t < self.last:  # the timestamps started again: carry on from here
                self.offset = raw - (self.last + self.step)
                t = self.last + self.step
        self.last = t
        return t


def _display_transform(frame) -> tuple[int, bool]:
    """(quarter turns counterclockwise, mirrored before turning) that show a stored frame the way its display
    matrix says: phones store portrait videos as turned landscape frames, and front cameras or editors add a
    mirror. The matrix is FFmpeg's 3x3 (16.16 fixed point); its upper 2x2 is a turn, perhaps with a mirror."""
    import av

    matrix = next((bytes(s) for s in frame.side_data if s.type == av.sidedata.sidedata.Type.DISPLAYMATRIX), None)
    if matrix is None:
        return 0, False
    a, b, _, c, d, *_ = np.sign(np.frombuffer(matrix, np.int32)).tolist()
    mirrored = a * d - b * c < 0
    if mirrored:  # the mirror undone on the first row leaves the turn
        a, b = -a, -b
    return int(round(np.degrees(np.arctan2(-b, a)) / 90)) % 4, mirrored


def _upright(image: np.ndarray, turns: int, mirrored: bool) -> np.ndarray:
    """The frame as it is meant to be seen (see `_display_transform`)."""
    if mirrored:
        image = image[:, ::-1]
    return np.ascontiguousarray(np.rot90(image, turns)) if turns or mirrored else image


def sample_frames(path: Path | str, every_s: float = 1.0) -> Iterator[Frame]:
    """Frames at 0, every_s, 2*every_s, ... seconds from the video's start (the first decoded frame at or after
    each time).

    Raises VideoLoadError when the file cannot be opened or decoding fails; damage part-way raises it
    after the frames before the damage were yielded (the caller keeps them and reports the error), and so does
    a file that ends well before the duration it states (cut short while copied, say).
    """
    import av

    if not every_s > 0:
        raise ValueError(f"the sampling interval must be positive, not {every_s}")
    path = Path(path)
    container, stream = _open(path)
    stream.thread_type = "AUTO"  # frame-parallel decoding
    # For frames without timestamps (raw streams): the rate the stream's own headers give, where FFmpeg found it.
    timeline = _Timeline(float(stream.guessed_rate) if stream.guessed_rate else _frame_rate(stream))
    stretch = float(stream.sample_aspect_ratio or 1) or 1.0  # a pixel's width over its height, as shown
    n = 0
    next_time = 0.0
    shown_for: float | None = None
    # The display matrix is the track's (MP4/MOV headers), the same on every frame, and is read once: reading a
    # frame's side data ties the frame into a reference cycle that only a garbage collection frees, which frames
    # of 100 MB (8K) do not trigger (an 8K video's search held 1.4 GB of frames).
    transform: tuple[int, bool] | None = None
    with container:
        # The stream's own: a container's may count from a start time instead of the first frame.
        duration = _stream_duration(stream)
        try:
            for frame in container.decode(stream):
                t = timeline.time_of(frame.time)
                # How long the frame is shown: a screen recording or a slideshow may hold its last one for long.
                shown_for = float(frame.duration * frame.time_base) if frame.duration and frame.time_base else None
                if t + 1e-6 < next_time:
                    continue
                if transform is None:
                    transform = _display_transform(frame)
                if stretch != 1:  # anamorphic (HDV, DV widescreen): pixels shown wider or narrower than stored
                    frame = frame.reformat(width=max(2, round(frame.width * stretch)), height=frame.height)
                yield Frame(t, _upright(frame.to_ndarray(format="rgb24"), *transform))
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
    end = (timeline.last or 0.0) + (shown_for or timeline.step)
    if duration is not None and end < duration - max(1.0, 0.02 * duration):
        raise VideoLoadError(VideoErrorKind.CORRUPT, f"{path.name} ends after {end:.0f} s of the {duration:.0f} s it "
                                                     "says it lasts: damaged, or not copied whole")
