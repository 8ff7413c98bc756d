"""Load any photo Pillow can open as an upright RGB uint8 array, or fail with a clear reason."""

from __future__ import annotations

import io
import logging
import math
import warnings
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF where the optional plugin is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - optional dependency
    pass

log = logging.getLogger(__name__)

# 64 megapixels: a 9000x7000 photo still loads; a decompression bomb does not.
MAX_PIXELS = 64_000_000


class ImageErrorKind(str, Enum):
    """Why a file could not be used as a photo."""

    EMPTY = "empty"
    NOT_AN_IMAGE = "not an image"
    TRUNCATED = "truncated"
    CORRUPT = "corrupt"
    TOO_LARGE = "too large"
    UNSUPPORTED = "unsupported"


class ImageLoadError(ValueError):
    """A file that is not a usable photo; `kind` says why, the message says so in words."""

    def __init__(self, kind: ImageErrorKind, detail: str) -> None:
        super().__init__(f"{kind.value}: {detail}")
        self.kind = kind
        self.detail = detail


Source = str | Path | bytes | BinaryIO


def _open_bytes(source: Source) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source.read()


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any mode (L, P, CMYK, RGBA, I;16, F, ...) to 8-bit RGB."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # 16-bit / 32-bit greyscale: scale the real range to 0..255 instead of clipping.
        arr = np.asarray(img, dtype=np.float64)
        hi = arr.max() if arr.size else 0.0
        scale = 255.0 / hi if hi > 255 else 1.0
        img = Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8), mode="L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels become white, as a photo viewer would show them.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def load_image(source: Source, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode a photo, apply its EXIF orientation and return an (H, W, 3) uint8 RGB array.

    Raises ImageLoadError for empty, non-image, truncated, corrupt, oversized or unsupported files.
    """
    return load_image_reduced(source, None, max_pixels)[0]


def load_image_reduced(
    source: Source, min_side: int | None, max_pixels: int = MAX_PIXELS
) -> tuple[np.ndarray, tuple[int, int]]:
    """`load_image`, but a JPEG whose longest side is at least twice `min_side` is decoded at 1/2, 1/4 or 1/8 of
    its size (JPEG's scaled decoding, 2-3x faster than every pixel), its longest side still >= `min_side`.

    Returns the upright image and the photo's own upright size (width, height): their ratio maps the image's
    pixels to the photo's.
    """
    data = _open_bytes(source)
    if not data:
        raise ImageLoadError(ImageErrorKind.EMPTY, "the file has no bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                raise ImageLoadError(
                    ImageErrorKind.TOO_LARGE,
                    f"{width}x{height} pixels is more than the {max_pixels:,} allowed",
                )
            img.seek(0)  # first frame of animations
            if min_side and img.format == "JPEG" and max(width, height) >= 2 * min_side:
                scale = min_side / max(width, height)
                img.draft(img.mode, (math.ceil(width * scale), math.ceil(height * scale)))
            img.load()
    except ImageLoadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageLoadError(ImageErrorKind.TOO_LARGE, str(exc)) from exc
    except UnidentifiedImageError as exc:
        raise ImageLoadError(ImageErrorKind.NOT_AN_IMAGE, "no image format recognises this file") from exc
    except OSError as exc:
        message = str(exc)
        kind = ImageErrorKind.TRUNCATED if "truncated" in message.lower() else ImageErrorKind.CORRUPT
        if "not supported" in message.lower() or "unsupported" in message.lower():
            kind = ImageErrorKind.UNSUPPORTED
        raise ImageLoadError(kind, message) from exc
    except (ValueError, SyntaxError, EOFError) as exc:
        raise ImageLoadError(ImageErrorKind.CORRUPT, str(exc) or type(exc).__name__) from exc
    img, turned = _upright(img)
    try:
        rgb = _to_rgb(img)
    except (OSError, ValueError) as exc:
        raise ImageLoadError(ImageErrorKind.UNSUPPORTED, f"cannot convert mode {img.mode}: {exc}") from exc
    return np.asarray(rgb, dtype=np.uint8), (height, width) if turned else (width, height)


def _upright(img: Image.Image) -> tuple[Image.Image, bool]:
    """The image turned as its EXIF orientation says, and whether that is a quarter turn. A damaged EXIF block
    leaves it as stored: the pixels are fine, and a photo must not be lost to its header."""
    try:
        turned = img.getexif().get(ExifTags.Base.Orientation, 1) in _QUARTER_TURNS
        return ImageOps.exif_transpose(img), turned
    except Exception as exc:  # noqa: BLE001 - Pillow's EXIF parser raises struct.error, KeyError, TypeError, ...
        log.warning("ignoring a damaged EXIF orientation: %s: %s", type(exc).__name__, exc)
        return img, False


# EXIF orientations that turn the photo by a quarter: its upright width is its stored height.
_QUARTER_TURNS = (5, 6, 7, 8)


# EXIF tags that say when a photo was taken, best first: DateTimeOriginal and DateTimeDigitized (in the
# Exif IFD), then the file's DateTime (in IFD0), which editors may have rewritten.
_EXIF_IFD = 0x8769
_TAKEN_TAGS = ((_EXIF_IFD, 0x9003), (_EXIF_IFD, 0x9004), (None, 0x0132))


def taken_time(path: str | Path) -> str | None:
    """When the photo was taken per its EXIF, as "YYYY-MM-DD HH:MM:SS" camera-local time, or None.

    Reads only the file's header. A missing, blank or malformed date is None, never an error: the date
    only orders photos, and a photo without one is still a photo.
    """
    try:
        with Image.open(path) as img:
            exif = img.getexif()
            for ifd, tag in _TAKEN_TAGS:
                value = (exif.get_ifd(ifd) if ifd else exif).get(tag)
                if isinstance(value, bytes):
                    value = value.decode("ascii", "replace")
                if isinstance(value, str):
                    parsed = _parse_exif_time(value)
                    if parsed:
                        return parsed
    except Exception:  # noqa: BLE001 - any unreadable header just means "no date"
        return None
    return None


# No photo was taken before the first photograph (Niépce, 1826): an earlier EXIF date is a placeholder, such as
# .NET's DateTime.MinValue "0001:01:01 00:00:00" that some Windows tools write for "no date".
FIRST_PHOTO_YEAR = 1826


def _parse_exif_time(value: str) -> str | None:
    """EXIF's "YYYY:MM:DD HH:MM:SS" (some software writes dashes) as "YYYY-MM-DD HH:MM:SS"; None for blanks
    and nonsense (placeholders before `FIRST_PHOTO_YEAR` too: their year would not even have four digits, which
    the pages read the year from and order the photos by)."""
    from datetime import datetime

    text = value.strip("\x00 ")[:19]
    for layout in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            when = datetime.strptime(text, layout)
        except ValueError:
            continue
        return when.strftime("%Y-%m-%d %H:%M:%S") if when.year >= FIRST_PHOTO_YEAR else None
    return None
