"""Image loading: every mode and orientation becomes upright RGB; every bad file gets its clear reason."""

from __future__ import annotations

import io
import zlib
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from model.imaging import ImageErrorKind, ImageLoadError, load_image, load_image_reduced, taken_time
from tests.conftest import MODEL_FIXTURES

PHOTO = MODEL_FIXTURES / "group" / "astronaut.jpg"


def _save(img: Image.Image, path: Path, **kwargs) -> Path:
    img.save(path, **kwargs)
    return path


@pytest.mark.parametrize(
    "mode, fmt",
    [("L", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("CMYK", "JPEG"), ("I;16", "PNG"), ("LA", "PNG"), ("RGB", "WEBP"),
     ("RGB", "BMP"), ("RGB", "TIFF"), ("P", "GIF")],
)
def test_every_mode_loads_as_rgb_uint8(tmp_path, mode, fmt):
    source = Image.open(PHOTO).resize((64, 48))
    img = source.convert(mode) if mode != "I;16" else Image.fromarray(
        np.asarray(source.convert("L"), np.uint16) * 257  # a real 16-bit greyscale image
    )
    assert img.mode == mode
    path = _save(img, tmp_path / f"photo.{fmt.lower()}", format=fmt)
    arr = load_image(path)
    assert arr.shape == (48, 64, 3) and arr.dtype == np.uint8
    assert arr.std() > 10  # the picture survived conversion (16-bit is rescaled, not clipped to white)


def test_exif_orientation_is_applied(tmp_path):
    upright = Image.open(PHOTO)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the stored pixels lie on their side
    path = _save(upright.transpose(Image.Transpose.ROTATE_90), tmp_path / "rotated.jpg", exif=exif, quality=95)
    arr = load_image(path)
    assert arr.shape == np.asarray(upright).shape
    assert np.abs(arr.astype(int) - np.asarray(upright, int)).mean() < 8



def test_a_large_jpeg_is_decoded_reduced_and_says_its_own_size(tmp_path):
    large = Image.open(PHOTO).resize((4000, 4000 * 3 // 4))  # stored on its side, to be turned upright
    exif = Image.Exif()
    exif[0x0112] = 6
    path = _save(large, tmp_path / "large.jpg", exif=exif, quality=90)
    image, size = load_image_reduced(path, 1600)
    assert image.shape == (2000, 1500, 3) and size == (3000, 4000)  # half of each side, upright; its own upright size
    full, size = load_image_reduced(path, None)
    assert full.shape == (4000, 3000, 3) and size == (3000, 4000)
    half = np.asarray(Image.fromarray(full).resize((1500, 2000), Image.Resampling.BOX), int)
    assert np.abs(image.astype(int) - half).mean() < 4  # the same picture
    for small in (_save(large.resize((2400, 1800)), tmp_path / "small.jpg"), _save(large, tmp_path / "large.png")):
        image, size = load_image_reduced(small, 1600)  # under twice the side, or not a JPEG: every pixel
        assert image.shape[:2] == size[::-1]

def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * width
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * 8)) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"", ImageErrorKind.EMPTY),
        (bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)), ImageErrorKind.NOT_AN_IMAGE),
        (b"just some notes, not a photo\n" * 20, ImageErrorKind.NOT_AN_IMAGE),
        (PHOTO.read_bytes()[:5000], ImageErrorKind.TRUNCATED),
        (_bomb_png(30000, 30000), ImageErrorKind.TOO_LARGE),
    ],
    ids=["empty", "random-bytes", "text", "truncated-jpeg", "decompression-bomb"],
)
def test_bad_files_raise_a_typed_error_with_reason(tmp_path, content, kind):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageLoadError) as err:
        load_image(path)
    assert err.value.kind == kind
    assert str(err.value).startswith(kind.value)


def test_bytes_and_file_objects_are_accepted():
    data = PHOTO.read_bytes()
    assert load_image(data).shape == load_image(io.BytesIO(data)).shape == load_image(str(PHOTO)).shape


def _with_exif(path: Path, original: str | None = None, changed: str | None = None) -> Path:
    """A small JPEG whose EXIF holds DateTimeOriginal and/or DateTime (IFD0)."""
    exif = Image.Exif()
    if changed is not None:
        exif[0x0132] = changed
    if original is not None:
        exif.get_ifd(0x8769)[0x9003] = original
    Image.new("RGB", (32, 32), "gray").save(path, "JPEG", exif=exif)
    return path


def test_date_taken_is_read_from_exif(tmp_path):
    # DateTimeOriginal wins over DateTime (which editors rewrite); DateTime is the fallback.
    assert taken_time(_with_exif(tmp_path / "a.jpg", "2019:08:12 14:03:55", "2023:01:01 00:00:00")) == "2019-08-12 14:03:55"
    assert taken_time(_with_exif(tmp_path / "b.jpg", changed="2021:12:24 18:30:00")) == "2021-12-24 18:30:00"
    assert taken_time(_with_exif(tmp_path / "c.jpg", "2020-02-29 07:00:00\x00")) == "2020-02-29 07:00:00"


@pytest.mark.parametrize("original", [None, "0000:00:00 00:00:00", "0001:01:01 00:00:00", "    :  :     :  :  ", "yesterday"])
def test_no_or_a_malformed_date_is_none(tmp_path, original):
    assert taken_time(_with_exif(tmp_path / "a.jpg", original)) is None


def test_date_of_a_file_that_is_not_an_image_is_none(tmp_path):
    (tmp_path / "notes.jpg").write_text("not a photo")
    assert taken_time(tmp_path / "notes.jpg") is None and taken_time(tmp_path / "missing.jpg") is None
