"""Check and save files uploaded from the browser: photos, zips, videos for a search; size-limited, zip-slip safe.

Every refusal raises `UploadRefused` with a message fit to show the user as is. Nothing outside the
upload's own folder is ever written: zip entry names are resolved and checked before extraction, and
entries are streamed with a running size check so a zip bomb stops at the limit.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import shutil
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

try:  # HEIC/HEIF photos where the optional plugin is installed (as model.imaging does).
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - optional dependency
    pass

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".webp", ".avif", ".bmp", ".gif", ".tif", ".tiff", ".heic", ".heif"}
)
ZIP_SUFFIXES = frozenset({".zip"})
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".3gp", ".mpg", ".mpeg", ".wmv"})

MAX_NAME_BYTES = 200  # a file or folder name, in UTF-8 bytes: most file systems allow 255
# One upload as sent by the browser: a photo or a zip, and on the Library page all the files of one drop together
# (sent in one request, which the server limits to this much, base64-encoded: MAX_CONTENT_LENGTH).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
MAX_EXTRACTED_BYTES = 2 * 1024 * 1024 * 1024  # all photos of one zip once extracted
MAX_ZIP_ENTRIES = 20_000
KEPT_SEARCHES = 20  # "find a person" folders kept (their videos and frames can be large)


class UploadRefused(ValueError):
    """An upload that was not accepted; the message says why, in words for the user."""


@dataclass
class SavedUpload:
    """What one upload batch put on disk: the folder to ingest and what was skipped and why."""

    folder: Path
    saved: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "name: reason"


def _human(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} bytes"  # pragma: no cover


def decode_data_url(contents: str, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """The bytes of a `dcc.Upload` data URL ("data:<type>;base64,<data>"), refused when too large."""
    if not contents or "," not in contents:
        raise UploadRefused(f"{filename}: the upload is empty or damaged")
    encoded = contents.split(",", 1)[1]
    # Check the size before decoding: base64 is 4 characters per 3 bytes.
    if len(encoded) * 3 // 4 > max_bytes:
        raise UploadRefused(f"{filename}: too large (limit {_human(max_bytes)} per upload)")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UploadRefused(f"{filename}: the upload is damaged ({exc})") from exc
    if not data:
        raise UploadRefused(f"{filename}: the file is empty")
    return data


def safe_name(filename: str) -> str:
    """A plain file name from what the browser sent: no folders, no leading dots, no odd characters."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    cleaned = "".join(c if c.isalnum() or c in "._- " else "_" for c in name).strip(" .")
    return fit_name(cleaned) or "upload"


def fit_name(name: str) -> str:
    """`name` shortened to MAX_NAME_BYTES (its suffix kept), so that no file system refuses it."""
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    suffix = Path(name).suffix if len(Path(name).suffix) <= 10 else ""
    stem = name[: len(name) - len(suffix)]
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def check_image_bytes(data: bytes, filename: str, zips: bool = True) -> None:
    """Refuse anything that is not a photo Pillow recognises (the extension alone is not trusted); `zips`: whether
    the refusal names zips as accepted (they are on the Library page, not as a search's photos)."""
    suffix = Path(filename).suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        allowed = ", ".join(sorted(s.lstrip(".") for s in IMAGE_SUFFIXES | (ZIP_SUFFIXES if zips else set())))
        raise UploadRefused(f"{filename}: not a photo{' or zip' if zips else ''} (accepted: {allowed})")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except UnidentifiedImageError as exc:
        raise UploadRefused(f"{filename}: not a readable image (no image format recognises this file)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(f"{filename}: not a readable image ({exc or type(exc).__name__})") from exc
    except Image.DecompressionBombError as exc:  # pragma: no cover - Pillow raises it as an Exception
        raise UploadRefused(f"{filename}: image too large") from exc


def check_decodes(data: bytes, filename: str) -> None:
    """Refuse a photo whose pixels cannot be read (cut short, corrupt), though its header can: a search's photo is
    read at once, and a search started on it would only fail, showing a broken picture."""
    from model.imaging import ImageLoadError, load_image_reduced

    try:
        load_image_reduced(data, 64)  # a JPEG is decoded at a fraction of its size, yet read to its end
    except ImageLoadError as exc:
        raise UploadRefused(f"{filename}: the photo cannot be read ({exc})") from exc


def _unique_path(folder: Path, name: str) -> Path:
    path = folder / name
    stem, suffix, n = path.stem, path.suffix, 1
    while path.exists():
        path = folder / f"{stem}-{n}{suffix}"
        n += 1
    return path


def _zip_member_target(folder: Path, member: zipfile.ZipInfo) -> Path:
    """Where a zip entry may go inside `folder`; refuses absolute paths, `..`, drive letters, links."""
    name = member.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        raise UploadRefused(f"zip entry {member.filename!r} points outside its folder: archive refused")
    # Unix mode in the high 16 bits: 0o120000 is a symbolic link.
    if (member.external_attr >> 16) & 0o170000 == 0o120000:
        raise UploadRefused(f"zip entry {member.filename!r} is a symbolic link: archive refused")
    target = (folder / Path(*[fit_name(part) for part in parts])).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise UploadRefused(f"zip entry {member.filename!r} points outside its folder: archive refused")
    return target


def extract_zip(
    data: bytes,
    folder: Path,
    filename: str = "archive.zip",
    max_extracted: int = MAX_EXTRACTED_BYTES,
) -> SavedUpload:
    """Extract the photos of a zip into `folder`; other entries are skipped with a reason.

    The whole archive is checked before anything is written, so a malicious archive leaves nothing. An entry
    that cannot be extracted (encrypted, damaged, compressed in a way Python cannot read) is skipped with its
    reason and leaves nothing either; two entries of one name are both kept.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadRefused(f"{filename}: not a valid zip archive") from exc
    result = SavedUpload(folder=folder)
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_ENTRIES:
            raise UploadRefused(f"{filename}: too many entries ({len(members)}, limit {MAX_ZIP_ENTRIES})")
        planned: list[tuple[zipfile.ZipInfo, Path]] = []
        for member in members:
            target = _zip_member_target(folder, member)  # raises for any unsafe entry
            if member.is_dir() or _is_metadata(member.filename):
                continue
            if Path(member.filename).suffix.lower() not in IMAGE_SUFFIXES:
                result.skipped.append(f"{member.filename}: not a photo")
                continue
            planned.append((member, target))
        declared = sum(m.file_size for m, _ in planned)
        if declared > max_extracted:
            raise UploadRefused(f"{filename}: photos too large once extracted (limit {_human(max_extracted)})")
        written = [0]
        for member, place in planned:
            target = None
            try:
                place.parent.mkdir(parents=True, exist_ok=True)
                target = _unique_path(place.parent, place.name)
                _extract_member(archive, member, target, written, max_extracted, filename)
            except UploadRefused:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError) as exc:
                if target is not None:
                    target.unlink(missing_ok=True)
                result.skipped.append(f"{member.filename}: {_entry_problem(exc)}")
                continue
            result.saved.append(target)
    return result


def _is_metadata(name: str) -> bool:
    """Entries that are another program's bookkeeping, not photos: macOS's __MACOSX/ and ._ files, hidden files."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(part == "__MACOSX" or part.startswith(".") for part in parts)


def _extract_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, written: list[int],
                    max_extracted: int, filename: str) -> None:
    """Stream one entry to `target`, counting real bytes into `written[0]`: `file_size` in the header can lie."""
    with archive.open(member) as src, open(target, "wb") as dst:
        while chunk := src.read(1 << 20):
            written[0] += len(chunk)
            if written[0] > max_extracted:
                raise UploadRefused(f"{filename}: photos too large once extracted (limit {_human(max_extracted)})")
            dst.write(chunk)


def _entry_problem(exc: Exception) -> str:
    """Why a zip entry could not be extracted, in words."""
    if isinstance(exc, RuntimeError) and ("password" in str(exc) or "encrypted" in str(exc)):
        return "encrypted (password protected)"
    if isinstance(exc, zipfile.BadZipFile):
        return "damaged in the archive"
    if isinstance(exc, NotImplementedError):
        return "compressed in a way that cannot be read"
    if isinstance(exc, OSError):
        return f"cannot be written ({exc.strerror or exc})"
    return f"cannot be extracted ({exc})"


def new_upload_folder(uploads_dir: Path) -> Path:
    """A fresh folder for one upload batch (or one search), named by time so they list in order."""
    folder = uploads_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    folder.mkdir(parents=True, exist_ok=False)
    return folder


def save_uploads(
    files: list[tuple[str, str]],
    uploads_dir: Path,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_extracted: int = MAX_EXTRACTED_BYTES,
) -> SavedUpload:
    """Save a batch of `(filename, data_url)` uploads into a new folder under `uploads_dir`.

    Each file is checked on its own: refused files are listed in `skipped` with the reason and the
    rest are kept. If nothing usable remains, the folder is removed and `UploadRefused` is raised
    with every reason.
    """
    folder = new_upload_folder(uploads_dir)
    result = SavedUpload(folder=folder)
    for filename, contents in files:
        try:
            data = decode_data_url(contents, filename, max_bytes)
            if Path(filename).suffix.lower() in ZIP_SUFFIXES:
                sub = _unique_path(folder, Path(safe_name(filename)).stem)
                part = extract_zip(data, sub, filename, max_extracted)
                result.saved += part.saved
                result.skipped += part.skipped
            else:
                check_image_bytes(data, filename)
                target = _unique_path(folder, safe_name(filename))
                target.write_bytes(data)
                result.saved.append(target)
        except UploadRefused as exc:
            log.info("upload refused: %s", exc)
            result.skipped.append(str(exc))
        except OSError as exc:  # the library's disk (full, read-only): this file is not saved, the others may be
            result.skipped.append(f"{filename}: cannot be saved ({exc.strerror or exc})")
    if not result.saved:
        shutil.rmtree(folder, ignore_errors=True)
        reasons = "; ".join(result.skipped) or "no files"
        raise UploadRefused(f"Nothing was added: {reasons}")
    return result


MAX_QUERY_PHOTOS = 10  # a template gains little beyond five faces (model.matching.TEMPLATE_FACES)


def save_query_photos(files: list[tuple[str, str]], finds_dir: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> SavedUpload:
    """Save the photos of a "find a person" search (`(filename, data_url)`, one person) in a new folder under
    `finds_dir`: `saved[0]` is the query photo (`query.*`), the rest more photos of them (`also-N.*`).

    Only photos are accepted (no zip); each is checked on its own, refused ones are listed in `skipped` with
    the reason. UploadRefused, with every reason, when none is usable (nothing is left on disk then).
    """
    usable: list[tuple[str, bytes]] = []
    skipped: list[str] = []
    for filename, contents in files:
        try:
            if len(usable) == MAX_QUERY_PHOTOS:
                raise UploadRefused(f"{filename}: a search takes at most {MAX_QUERY_PHOTOS} photos of the person")
            suffix = Path(filename).suffix.lower()
            if suffix in ZIP_SUFFIXES:
                raise UploadRefused(f"{filename}: give photos of the person, not a zip")
            if suffix in VIDEO_SUFFIXES:  # dropped on the photo's area instead of the videos' one below it
                raise UploadRefused(f"{filename}: a video; drop it on “Also look through videos”, once a photo of "
                                    "the person is searched")
            data = decode_data_url(contents, filename, max_bytes)
            check_image_bytes(data, filename, zips=False)
            check_decodes(data, filename)
            usable.append((filename, data))
        except UploadRefused as exc:
            skipped.append(str(exc))
    if not usable:
        raise UploadRefused("; ".join(skipped) or "no photo given")
    result = SavedUpload(folder=new_upload_folder(finds_dir), skipped=skipped)
    for i, (filename, data) in enumerate(usable):
        target = result.folder / f"{'query' if i == 0 else f'also-{i}'}{Path(safe_name(filename)).suffix.lower()}"
        target.write_bytes(data)
        result.saved.append(target)
    prune_old_searches(finds_dir)
    return result


def copy_query_photo(photo: Path, finds_dir: Path) -> Path:
    """A library photo as the photo of a new search, copied into its own folder (a search owns its files);
    UploadRefused when the file is gone."""
    if not photo.is_file():
        raise UploadRefused(f"{photo.name} is no longer in {photo.parent}; is the drive connected?")
    target = new_upload_folder(finds_dir) / f"query{Path(safe_name(photo.name)).suffix.lower()}"
    shutil.copyfile(photo, target)
    prune_old_searches(finds_dir)
    return target


def copy_query_face(thumb: Path | None, finds_dir: Path) -> Path:
    """A library face's thumbnail as the picture of a new search (a person none of whose photos is on disk: the
    search reads no photo, their faces are in the library). A thumbnail that is gone too leaves the search without
    a picture, not without a search."""
    target = new_upload_folder(finds_dir) / "query.jpg"  # thumbnails are JPEGs
    if thumb is not None and thumb.is_file():
        shutil.copyfile(thumb, target)
    prune_old_searches(finds_dir)
    return target


def prune_old_searches(finds_dir: Path, keep: int = KEPT_SEARCHES) -> int:
    """Delete all but the `keep` most recently used search folders; returns how many were deleted.

    A folder's modification time moves whenever a search in it runs again (a new `run-N`), so the search
    the page shows is never among the oldest.
    """
    if not finds_dir.is_dir():
        return 0
    folders = sorted((p for p in finds_dir.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime_ns)
    old = folders[: max(0, len(folders) - keep)]
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    if old:
        log.info("removed %d old searches from %s", len(old), finds_dir)
    return len(old)


def check_video_file(path: Path, filename: str) -> None:
    """Refuse anything that FFmpeg cannot read as a video (the extension alone is not trusted)."""
    from model.video import VideoLoadError, probe_video  # PyAV only: no model

    try:
        probe_video(path)
    except VideoLoadError as exc:  # it names the saved copy, which the user knows by their own file's name
        raise UploadRefused(str(exc).replace(path.name, filename)) from exc


def save_videos(files: list[tuple[str, str]], folder: Path, max_bytes: int = MAX_UPLOAD_BYTES) -> SavedUpload:
    """Save uploaded videos into `folder`; each is checked on its own (refused ones listed in `skipped`).

    Raises UploadRefused with every reason when none is usable.
    """
    folder.mkdir(parents=True, exist_ok=True)
    result = SavedUpload(folder=folder)
    for filename, contents in files:
        try:
            suffix = Path(filename).suffix.lower()
            if suffix in IMAGE_SUFFIXES:  # dropped on the videos' area instead of the photo's one above it
                raise UploadRefused(f"{filename}: a photo; drop photos of the person on “A photo of the person”")
            if suffix not in VIDEO_SUFFIXES:
                allowed = ", ".join(sorted(s.lstrip(".") for s in VIDEO_SUFFIXES))
                raise UploadRefused(f"{filename}: not a video (accepted: {allowed})")
            data = decode_data_url(contents, filename, max_bytes)
            target = _unique_path(folder, safe_name(filename))
            target.write_bytes(data)
            try:
                check_video_file(target, filename)
            except UploadRefused:
                target.unlink(missing_ok=True)
                raise
            result.saved.append(target)
        except UploadRefused as exc:
            log.info("upload refused: %s", exc)
            result.skipped.append(str(exc))
    if not result.saved:
        raise UploadRefused(f"No video was added: {'; '.join(result.skipped) or 'no files'}")
    return result
