"""Incremental, crash-safe ingest of photo folders into the library.

scan -> stat fast path (size + mtime unchanged: skip) -> sha256 (same content already in the library:
a moved file keeps its row, a duplicate copies its faces; no model work) -> decode, detect, align,
embed in worker processes (and read the EXIF date taken) -> each photo's faces, date and status written
in ONE transaction -> deleted files swept -> orphan thumbnails removed. Photos analysed before dates
were read get theirs in the fast path, once, from the file's header.

A `kill -9` at any moment leaves every photo either fully stored or still 'pending'; the next run
picks the pending ones up, so no face is lost or stored twice.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import multiprocessing
import os
import stat as stat_mod
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from dashapp.config import Config
from dashapp.store import NewFace, Store
from dashapp.store.folders import is_under
from dashapp.store.schema import NOT_A_PHOTO
from model.mtcnn_cascade import ensure_network_files

log = logging.getLogger(__name__)

# Files with these suffixes are analysed; anything else is recorded as 'unsupported'.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff", ".heic", ".heif", ".avif"}
)
MAX_FILE_BYTES = 200 * 1024 * 1024  # bigger files are not photos an album should decode
THUMB_QUALITY = 85
# A file that could not be read (permissions, a drive unplugged mid-run): the next run tries it again, as it does
# the rows of the "hash" stage, which libraries made before recorded read failures in.
READ_FAILED = ("read", "unreadable")
RETRIED_STAGES = ("read", "hash")
HASH_CHUNK = 8  # files hashed between looks at Cancel: it stops within a few files, whatever their size
BATCH_PHOTOS = 8  # photos per worker task (measured: embedding 8 photos' faces at once is ~35% faster per photo)


@dataclass
class IngestOptions:
    """Knobs of one ingest run."""

    workers: int | None = None  # worker processes (default: CPU count)
    max_file_bytes: int = MAX_FILE_BYTES
    weights: Path | None = None  # face model weights (default: the bundled model)
    # An already loaded FaceAnalyzer: analyse in this process, no workers (tests, notebooks).
    analyzer: object | None = None


@dataclass
class IngestReport:
    """What one run did."""

    n_files: int = 0  # files found by the scan
    n_unchanged: int = 0  # skipped: size and time unchanged, or only the time (same content, same model)
    n_moved: int = 0  # renamed/moved files that kept their faces
    n_copied: int = 0  # duplicates whose faces were copied
    n_to_analyze: int = 0  # photos this run had to put through the model
    n_analyzed: int = 0  # photos that went through the model
    n_errors: int = 0  # photos recorded as unusable in this run
    not_photos: Counter[str] = field(default_factory=Counter)  # files of other types (recorded too), by suffix
    n_faces: int = 0  # faces stored by this run's analysis
    n_swept: int = 0  # photos deleted because their files are gone
    n_kept_unseen: int = 0  # photos not seen but kept: their folder could not be read, or was empty
    unreadable_folders: list[str] = field(default_factory=list)
    broken_links: list[tuple[str, str]] = field(default_factory=list)  # (link, where it leads): see ScanResult
    bad_names: list[str] = field(default_factory=list)  # files skipped: their names are not UTF-8
    cancelled: bool = False
    seconds: float = 0.0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (path, kind, detail)

    @property
    def changed(self) -> bool:
        return bool(self.n_moved or self.n_copied or self.n_analyzed or self.n_swept or self.n_errors)

    def notes(self) -> list[str]:
        """What the user should know beyond the counts: folders not read, photos kept, files skipped by name."""
        notes = [f"could not read the folder {folder}" for folder in self.unreadable_folders[:5]]
        if len(self.unreadable_folders) > 5:
            notes.append(f"... and {len(self.unreadable_folders) - 5} more folders could not be read")
        notes += [f"the link {link} leads to {target}, which is not there or cannot be read"
                  for link, target in self.broken_links[:5]]
        if len(self.broken_links) > 5:
            notes.append(f"... and {len(self.broken_links) - 5} more links lead nowhere")
        if self.n_kept_unseen:
            notes.append(f"{self.n_kept_unseen} photos kept although not found: their folder could not be read, "
                         "is empty or is reached through a link that leads nowhere (a drive not connected?); remove "
                         "the folder from the library to let them go")
        if self.bad_names:
            notes.append(f"{len(self.bad_names)} files skipped, their names are not UTF-8 text (rename them to add "
                         f"them): {', '.join(self.bad_names[:3])}{' ...' if len(self.bad_names) > 3 else ''}")
        return notes


def file_types(counts: Mapping[str, int], most: int = 8) -> str:
    """Counts of files by type in words, most first: ".json 200, .mp4 40, .xmp 3"."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{suffix} {n:,}" for suffix, n in ranked[:most])
    return text + (f" and {len(ranked) - most} more types" if len(ranked) > most else "")


# Progress callback: (phase, done, total, n_errors, n_faces); cancel check: () -> bool.
ProgressFn = Callable[[str, int, int | None, int, int], None]


@dataclass
class ScanResult:
    """What a scan found under the folders (and files) it was given."""

    roots: list[Path]
    # {absolute path: stat} of every regular file; one reached through a link (to a folder or to the file) has the
    # link's path, as the album shows it, so it counts as the album's, and is let go when it leaves the album.
    files: dict[str, os.stat_result]
    # Folders that could not be listed (permissions, a drive gone mid-scan) and folders given, or linked into them,
    # that held no file (a drive not connected can leave an empty folder): the photos the library has under them
    # are kept.
    unreadable: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    # Links that lead nowhere, (link, where it leads): a folder on a drive not connected, a deleted one, a link to
    # itself. Their photos are kept, as an unreadable folder's.
    broken_links: list[tuple[str, str]] = field(default_factory=list)
    bad_names: list[str] = field(default_factory=list)  # files whose names are not UTF-8 (with escapes), skipped

    @property
    def keep(self) -> list[str]:
        """Where the photos the scan did not find are kept: folders not read, found empty, or behind a broken link."""
        return self.unreadable + self.empty + [link for link, _ in self.broken_links]


def scan(paths: Iterable[str | Path], skip: Path | None = None, elsewhere: Iterable[str | Path] = (),
         uploads: Path | None = None) -> ScanResult:
    """All regular files under `paths` (hidden files and folders, and the folder `skip`, left out), with their stat.

    `uploads`: the folder of `skip` that holds uploaded photos. A folder given inside it is read with its subfolders
    (an uploaded zip keeps the folders it was made of); any other folder of `skip` given (the face thumbnails, the
    searches' photos) is not: its files are the library's own, never photos of the album.

    Links inside them, to folders and to files, are followed, but each folder and file is read once, by its real
    path: a link to a folder around it (a loop), to a folder already read or to a file already found is passed over,
    and of two links to one folder the first is followed. Links are followed after the folders given are read, so a
    photo inside them is found under its own path, not a link's.

    `elsewhere`: the library's other folders. A link into one of them is passed over too, as a scan of all the
    library's folders passes it over (that folder is read by its own path): checking one folder then finds the same
    files as checking them all, instead of copies of that folder's photos that the next check of all lets go.

    Raises FileNotFoundError for a missing root.
    """
    roots = []
    for p in paths:
        root = Path(p).expanduser().resolve()
        if not root.exists():
            raise FileNotFoundError(f"no such file or folder: {p}")
        roots.append(root)
    others = [os.path.realpath(e) for e in elsewhere if os.path.isdir(e)]  # a folder not there leaves its links broken
    scanner = _Scanner(str(skip.resolve()) if skip is not None else None,
                       [o for o in others if not any(is_under(o, str(r)) for r in roots)],
                       str(uploads.resolve()) if uploads is not None else None)
    for root in roots:
        scanner.add_root(root)
    scanner.follow_links()
    return scanner.finish()


class _Scanner:
    """One scan: what it found so far, and the real paths of the folders and files read (each is read once)."""

    def __init__(self, skip: str | None, elsewhere: Sequence[str] = (), uploads: str | None = None) -> None:
        self.out = ScanResult([], {})
        self.skip = skip  # the library's own folder (real path)
        self.uploads = uploads  # its folder of uploaded photos (real path)
        self.asked_inside: list[str] = []  # folders given in the uploads: read whole, subfolders too
        self.elsewhere = list(elsewhere)  # the library's other folders, not read in this scan (real paths)
        self.real_dirs: set[str] = set()
        self.real_files: set[str] = set()
        # Links met, in the order met, each with the real path of its folder: followed once the folders given are read.
        self.links: deque[tuple[str, str]] = deque()
        self.tops: list[str] = []  # the folders given and the links to folders followed: each found empty or not

    def add_root(self, root: Path) -> None:
        self.out.roots.append(root)
        # Only uploads: the thumbnails' folder given by name must not turn every face into a photo.
        if self.uploads is not None and is_under(str(root), self.uploads):
            self.asked_inside.append(str(root))
        if root.is_file():
            self._add_file(str(root), str(root), root.stat())
        else:
            self.tops.append(str(root))
            self._walk(str(root), str(root))

    def _skipped(self, real: str) -> bool:
        """The library's own folder holds face thumbnails and uploads: never photos of the album it may sit in. A folder
        of it given by name is read with its subfolders: an uploaded zip keeps the folders it was made of."""
        return (self.skip is not None and is_under(real, self.skip)
                and not any(is_under(real, inside) for inside in self.asked_inside))

    def _elsewhere(self, real: str) -> bool:
        """Whether a folder or file is in another folder of the library, which its own scan reads."""
        return any(is_under(real, other) for other in self.elsewhere)

    def _walk(self, top: str, real_top: str, linked: bool = False) -> None:
        """Read the folder `top` (real path `real_top`) and the folders inside it, links set aside for later; in a
        `linked` folder, those that are another folder of the library's are passed over."""
        for folder, dirs, files in os.walk(top, onerror=lambda exc: self.out.unreadable.append(exc.filename)):
            real = real_top + folder[len(top):]  # no link is followed below `top`
            self.real_dirs.add(real)
            dirs[:] = [d for d in sorted(dirs) if self._enter(folder, real, d)
                       and not (linked and self._elsewhere(os.path.join(real, d)))]
            for name in sorted(files):
                self._file(folder, real, name)

    def _enter(self, folder: str, real: str, name: str) -> bool:
        """Whether the walk goes into the folder `name` now (a link to a folder is kept for later)."""
        if name.startswith("."):
            return False
        if os.path.islink(os.path.join(folder, name)):
            self.links.append((os.path.join(folder, name), real))
            return False
        inside = os.path.join(real, name)
        return inside not in self.real_dirs and not self._skipped(inside)

    def _file(self, folder: str, real: str, name: str) -> None:
        if name.startswith("."):
            return
        full = os.path.join(folder, name)
        try:
            full.encode("utf-8")
        except UnicodeEncodeError:  # bytes of another encoding (an old zip, a Latin-1 disk): no text path
            self.out.bad_names.append(full.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"))
            return
        try:
            st = os.lstat(full)
        except OSError as exc:  # vanished or unreadable: it is simply not there
            log.warning("cannot stat %s: %s", full, exc)
            return
        if stat_mod.S_ISLNK(st.st_mode):  # to a file, or to a folder that is not there (os.walk lists those here)
            self.links.append((full, real))
        elif stat_mod.S_ISREG(st.st_mode):
            self._add_file(full, os.path.join(real, name), st)

    def _add_file(self, path: str, real: str, st: os.stat_result) -> None:
        if real not in self.real_files:
            self.real_files.add(real)
            self.out.files[path] = st

    def follow_links(self) -> None:
        """Follow the links met: those to folders first, with the links met inside them, then those to files (a
        photo in a linked folder is found under the folder's path, not a link to it)."""
        to_files: list[tuple[str, str, os.stat_result]] = []
        while self.links:
            link, where = self.links.popleft()
            try:
                real = os.path.realpath(link, strict=True)
                st = os.stat(real)
            except OSError as exc:  # leads nowhere (a drive not connected, a deleted folder, a loop of links)
                log.warning("the link %s leads to nothing readable: %s", link, exc)
                self.out.broken_links.append((link, _link_target(link)))
                continue
            if self._skipped(real) or self._elsewhere(real):
                continue
            if stat_mod.S_ISDIR(st.st_mode):
                # A folder around the link's own is a loop (album/all/album/all/...); one read already is there once.
                if not is_under(where, real) and real not in self.real_dirs:
                    self.tops.append(link)
                    self._walk(link, real, linked=True)
            elif stat_mod.S_ISREG(st.st_mode):
                to_files.append((link, real, st))
        for link, real, st in to_files:
            self._add_file(link, real, st)

    def finish(self) -> ScanResult:
        """The result, with the folders given or followed that turned out to hold no file (found by any path)."""
        # The paths in order: those under a folder lie together, from the first one at or after its prefix (one look-up
        # per folder, not a pass over every file for each of a thousand linked folders).
        paths = sorted(self.out.files)
        for top in dict.fromkeys(self.tops):
            prefix = top.rstrip(os.sep) + os.sep
            at = bisect.bisect_left(paths, prefix)
            if top not in self.out.unreadable and not (at < len(paths) and paths[at].startswith(prefix)):
                self.out.empty.append(top)
        return self.out


def _link_target(link: str) -> str:
    """Where a link leads, as an absolute path (its target may be written relative to the link's folder)."""
    try:
        return os.path.normpath(os.path.join(os.path.dirname(link), os.readlink(link)))
    except OSError:
        return "?"


def sha256_file(path: str) -> str:
    """Hex sha256 of a file's content (read in 1 MiB blocks; hashlib releases the GIL)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def thumb_relpath(sha256: str, idx: int) -> str:
    """Thumbnails are named by content, so duplicates and moved files share them."""
    return f"thumbs/{sha256[:2]}/{sha256}_{idx}.jpg"


# ---------------------------------------------------------------- worker process side

_ANALYZER = None
_DATA_DIR: Path | None = None


def _worker_init(weights: str | None, data_dir: str, threads: int) -> None:
    """Runs once in each worker: limit LiteRT's threads, load the model (no TensorFlow: `model.runtime`)."""
    global _ANALYZER, _DATA_DIR
    from model.faces import FaceAnalyzer
    from model.runtime import set_threads

    # Each worker gets its share of the cores; oversubscription slows every worker down.
    set_threads(threads)
    _ANALYZER = FaceAnalyzer(weights)
    _DATA_DIR = Path(data_dir)


def _analyze_batch(items: list[tuple[int, str, str]]) -> list[dict]:
    """Worker task: analyse a few photos with this worker's model."""
    return analyze_photos(_ANALYZER, _DATA_DIR, items)


def analyze_photos(analyzer, data_dir: Path, items: list[tuple[int, str, str]]) -> list[dict]:
    """Decode, detect, align and embed photos (photo_id, path, sha256); write thumbnails; return plain data.

    The photos' faces are embedded in one batch: the network's per-call cost is paid once.
    A photo that fails gets an error result; the others go on.
    """
    from model.imaging import ImageLoadError, load_image_reduced

    results: dict[int, dict] = {}
    loaded: list[_Loaded] = []
    for item in items:
        photo_id, path, _ = item
        try:
            loaded.append(_Loaded(item, *load_image_reduced(path, DECODE_SIDE)))
        except ImageLoadError as exc:
            results[photo_id] = dict(photo_id=photo_id, error=("decode", exc.kind.value, exc.detail))
        except OSError as exc:  # unreadable file (permissions, vanished): tried again by the next run
            results[photo_id] = dict(photo_id=photo_id, error=(READ_FAILED[0], READ_FAILED[1], f"cannot read: {exc}"))
        except Exception as exc:  # noqa: BLE001 - whatever else a damaged file raises: this photo fails, the run goes on
            results[photo_id] = dict(photo_id=photo_id, error=("decode", "corrupt", f"{type(exc).__name__}: {exc}"))
    try:
        found_all = _faces(analyzer, loaded)
    except Exception:  # noqa: BLE001 - find the photo that fails, one at a time
        found_all = [None] * len(loaded)
    for photo, found in zip(loaded, found_all):
        photo_id = photo.item[0]
        if found is None:
            try:
                [found] = _faces(analyzer, [photo])
            except Exception as exc:  # noqa: BLE001 - a model failure on one photo must not stop the run
                results[photo_id] = dict(photo_id=photo_id, error=("detect", "failed", f"{type(exc).__name__}: {exc}"))
                continue
        results[photo_id] = _photo_result(analyzer, data_dir, photo, found)
    return [results[item[0]] for item in items]


# Large JPEGs are decoded at a fraction of their size (their longest side still >= this; detection sees 1024 px):
# a 12-megapixel photo's analysis takes half the time.
DECODE_SIDE = 1600
# A face smaller than this (box side, pixels) in a photo decoded reduced is cropped from the photo decoded in full:
# its 112-pixel aligned crop would otherwise be enlarged from fewer pixels than the photo has.
SMALL_FACE = 90


@dataclass
class _Loaded:
    """A decoded photo: (photo_id, path, sha256), its pixels, and the photo's own size (width, height), which
    its pixels may be reduced from."""

    item: tuple[int, str, str]
    image: np.ndarray
    size: tuple[int, int]

    @property
    def factor(self) -> tuple[float, float]:
        """From the decoded image's pixels to the photo's own."""
        return self.size[0] / self.image.shape[1], self.size[1] / self.image.shape[0]


def _faces(analyzer, photos: list[_Loaded]) -> list[list]:
    """The faces of decoded photos, in each decoded image's pixels. A reduced photo with a small face is decoded
    again in full (in place, in `photos`) before its faces are aligned, so that no crop loses detail."""
    from model.imaging import load_image

    detections = analyzer.detector.detect_many([p.image for p in photos])
    for photo, found in zip(photos, detections):
        fx, fy = photo.factor
        if fx > 1 and any(min(d.box[2], d.box[3]) < SMALL_FACE for d in found):
            photo.image = load_image(photo.item[1])
            found[:] = [replace(d, box=(d.box[0] * fx, d.box[1] * fy, d.box[2] * fx, d.box[3] * fy),
                                landmarks=d.landmarks * (fx, fy)) for d in found]
    return analyzer.describe([p.image for p in photos], detections)


def _photo_result(analyzer, data_dir: Path, photo: _Loaded, found: list) -> dict:
    from PIL import Image

    from model.imaging import taken_time

    photo_id, path, sha256 = photo.item
    fx, fy = photo.factor
    found = sorted(found, key=lambda f: -f.area)  # idx 0 = the largest face
    faces = []
    for idx, face in enumerate(found):
        rel = thumb_relpath(sha256, idx)
        target = data_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        Image.fromarray(face.crop).save(tmp, "JPEG", quality=THUMB_QUALITY)
        os.replace(tmp, target)  # atomic: a reader never sees half a thumbnail
        x, y, w, h = face.box
        faces.append(
            NewFace(
                box=(float(x * fx), float(y * fy), float(w * fx), float(h * fy)), score=float(face.score),
                landmarks=face.landmarks * (fx, fy), embedding=face.embedding, attributes=face.attributes,
                thumb_path=rel,
            )
        )
    return dict(
        photo_id=photo_id, faces=faces, width=photo.size[0], height=photo.size[1],
        model_version=analyzer.model_version, taken=taken_time(path) or "",
    )


# ---------------------------------------------------------------- orchestration


def remove_orphan_thumbnails(store: Store, config: Config) -> None:
    """Delete thumbnails no face refers to any more (photos deleted, changed or removed from the library)."""
    used = store.faces.thumb_paths()
    if not config.thumbs_dir.exists():
        return
    # os.walk and plain strings, not Path.rglob or a Path per file: listing the 20,000 thumbnails of a large library
    # so took 0.5 s, and making a Path of each of the 10,000 a removed folder leaves 0.4 s, the page waiting on it.
    for folder, _subfolders, names in os.walk(config.thumbs_dir):
        rel_folder = Path(folder).relative_to(config.data_dir).as_posix()
        for name in names:
            if f"{rel_folder}/{name}" in used:
                continue
            file = os.path.join(folder, name)
            try:
                # Temporary files of a live worker are left alone; others are stale.
                if not (name.endswith(".tmp") and time.time() - os.stat(file).st_mtime < 3600):
                    os.unlink(file)
            except FileNotFoundError:  # gone meanwhile
                pass


def current_model_version(weights: Path | None) -> str:
    """The model version new faces get, read from the model card (does not load TensorFlow)."""
    from model.faces import FaceAnalyzer

    return FaceAnalyzer(weights).model_version


class Ingest:
    """One ingest run over some folders. Use `run()`; see the module docstring for the steps."""

    def __init__(
        self,
        store: Store,
        config: Config,
        options: IngestOptions | None = None,
        progress: ProgressFn | None = None,
        should_cancel: Callable[[], bool] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.options = options or IngestOptions()
        self.progress = progress or (lambda *a: None)
        self.should_cancel = should_cancel or (lambda: False)
        self.report = IngestReport()
        self._scanned: dict[str, os.stat_result] = {}  # the files as the scan saw them

    def _error_as_scanned(self, path: str, stage: str, kind: str, detail: str) -> None:
        """Record a file's error with its size and time as scanned: a file still being written then is looked at
        again by the next run (it is no longer as it was)."""
        st = self._scanned.get(path)
        self._error(path, st.st_size if st else 0, st.st_mtime_ns if st else 0, stage, kind, detail)

    def _error(
        self, path: str, size: int, mtime_ns: int, stage: str, kind: str, detail: str, sha256: str | None = None
    ) -> None:
        self.store.photos.save_error(path, size, mtime_ns, stage, kind, detail, sha256)
        self.report.n_errors += 1
        self.report.errors.append((path, kind, detail))
        log.debug("%s: %s (%s)", path, kind, detail)

    def _not_a_photo(self, path: str, st: os.stat_result, suffix: str) -> None:
        """Record a file of another type (a video, a sidecar, a document) with its reason; it is counted apart from
        unreadable photos."""
        kind = suffix or "no extension"  # as `UIQueries.not_photo_types` counts them
        detail = f"'{kind}' is not a photo file type"
        self.store.photos.save_error(path, st.st_size, st.st_mtime_ns, *NOT_A_PHOTO, detail)
        self.report.not_photos[kind] += 1

    def run(self, paths: Sequence[str | Path]) -> IngestReport:
        start = time.monotonic()
        self.progress("scan", 0, None, 0, 0)
        scanned = scan(paths, skip=self.config.data_dir, elsewhere=self.store.folders.paths(),
                       uploads=self.config.uploads_dir)
        found = self._scanned = scanned.files
        self.report.n_files = len(found)
        self.report.unreadable_folders, self.report.bad_names = scanned.unreadable, scanned.bad_names
        self.report.broken_links = scanned.broken_links
        for name in scanned.bad_names:
            log.warning("skipped %s: its name is not UTF-8 text", name)
        analyzer = self.options.analyzer
        version = analyzer.model_version if analyzer is not None else current_model_version(self.options.weights)
        to_hash = self._fast_path(found, version)
        to_analyze, copies = self._hash_and_match(to_hash, version)
        if not self.report.cancelled:
            self._analyze(to_analyze)
        if not self.report.cancelled:
            self._copy_duplicates(copies)
            n = self.report.n_to_analyze
            self.progress("sweep", n, n, self.report.n_errors, self.report.n_faces)
            self.report.n_swept, self.report.n_kept_unseen = self.store.photos.sweep(
                scanned.roots, set(found), keep=scanned.keep,
                library_dir=self.config.data_dir.resolve())
            self.store.folders.forget_vanished()
            remove_orphan_thumbnails(self.store, self.config)
        self.report.seconds = time.monotonic() - start
        return self.report

    def _fast_path(self, found: dict[str, os.stat_result], version: str) -> list[tuple[str, os.stat_result]]:
        """Skip unchanged files, record non-photos at once; return the files to hash."""
        index = self.store.photos.index()
        to_hash = []
        undated: dict[int, str] = {}
        for path, st in found.items():
            row = index.get(path)
            unchanged = row is not None and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns
            # A file that could not be read (its permissions, a drive) is tried again; a bad file is not.
            lasting_error = row is not None and row.status == "error" and row.error_stage not in RETRIED_STAGES
            if unchanged and (lasting_error or (row.status == "done" and row.model_version == version)):
                self.report.n_unchanged += 1
                if row.status == "done" and row.taken is None:  # analysed before dates were read
                    undated[row.id] = path
                continue
            suffix = Path(path).suffix.lower()
            if suffix not in IMAGE_SUFFIXES:
                self._not_a_photo(path, st, suffix)
            elif st.st_size == 0:
                self._error(path, 0, st.st_mtime_ns, "stat", "empty", "the file has no bytes")
            elif st.st_size > self.options.max_file_bytes:
                self._error(path, st.st_size, st.st_mtime_ns, "stat", "too large",
                            f"{st.st_size:,} bytes is more than the {self.options.max_file_bytes:,} allowed")
            else:
                to_hash.append((path, st))
        if undated:
            self._read_dates(undated)
        return to_hash

    def _read_dates(self, undated: dict[int, str], chunk: int = 500) -> None:
        """The EXIF dates of photos analysed before dates were read: once per library, headers only."""
        from model.imaging import taken_time

        items = list(undated.items())
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            self.store.photos.set_taken({pid: taken_time(path) or "" for pid, path in part})
            self.progress("dates", start + len(part), len(items), self.report.n_errors, 0)

    def _hash_and_match(self, to_hash, version: str) -> tuple[list[tuple[int, str, str]], list[tuple[str, os.stat_result, str]]]:
        """Hash changed/new files; reuse stored faces where the content is known."""
        index = self.store.photos.index()
        by_hash: dict[str, list] = {}
        bad_hash: dict[str, object] = {}  # content that failed to decode: fails again, no need to try
        for row in index.values():
            if row.sha256 and row.status == "done":
                by_hash.setdefault(row.sha256, []).append(row)
            elif row.sha256 and row.status == "error" and row.error_stage == "decode":
                bad_hash[row.sha256] = row
        to_analyze: list[tuple[int, str, str]] = []
        analyzing: set[str] = set()
        copies: list[tuple[str, os.stat_result, str]] = []
        for (path, st), digest in self._hashes(to_hash):
            row = index.get(path)
            if row is not None and row.sha256 != digest:
                # The row at this path is about to hold what the file holds now, so it is no source for a copy or a
                # move of its old content (two files that swapped names: the second must not copy the first's faces).
                _forget(by_hash, row)
            if isinstance(digest, OSError):
                self._error(path, st.st_size, st.st_mtime_ns, *READ_FAILED, f"cannot read: {digest}")
                continue
            if row is not None and row.sha256 == digest and row.status == "done":
                self.store.photos.touch(row.id, st.st_size, st.st_mtime_ns)
                if row.model_version != version:
                    # Same content, older model: re-analyse in place (face ids, names are kept).
                    to_analyze.append((row.id, path, digest))
                else:  # only its time changed (copied, synced, touched): counted, or the summary's counts fell short
                    self.report.n_unchanged += 1
                continue
            known = by_hash.get(digest, [])
            # A row whose file is gone, or is this very file by another path (found through a link before its folder
            # was added to the library), is this file's: no copy of its faces.
            moved = next((r for r in known if r.path != path and (
                not os.path.exists(r.path) or os.path.realpath(r.path) == os.path.realpath(path))), None)
            if moved is not None:
                # The row follows the file, so its faces keep their names and manual moves.
                self.store.photos.relocate(moved.id, path, st.st_size, st.st_mtime_ns)
                by_hash[digest] = [r for r in known if r.id != moved.id] + [_moved_row(moved, path, st)]
                index.pop(moved.path, None)  # no row is at its old path now
                self.report.n_moved += 1
                if moved.model_version != version:
                    to_analyze.append((moved.id, path, digest))
                continue
            same = [r for r in known if r.model_version == version]
            if same:
                self.store.photos.copy_from(same[0].id, path, st.st_size, st.st_mtime_ns)
                self.report.n_copied += 1
                continue
            if digest in bad_hash:
                bad = bad_hash[digest]
                self._error(path, st.st_size, st.st_mtime_ns, "decode", bad.error_kind, bad.error_detail or "", digest)
                continue
            if digest in analyzing:  # a duplicate of a photo this run analyses: copy it afterwards
                copies.append((path, st, digest))
                continue
            photo_id = self.store.photos.upsert_pending(path, st.st_size, st.st_mtime_ns, digest)
            analyzing.add(digest)
            to_analyze.append((photo_id, path, digest))
        return to_analyze, copies

    def _hashes(self, to_hash: list[tuple[str, os.stat_result]]) -> Iterator[tuple[tuple[str, os.stat_result], str | OSError]]:
        """Each file with its hash (or the error reading it), hashed two at a time; Cancel is looked at between
        chunks of HASH_CHUNK files, so it stops within a few files, not after hashing the whole folder."""
        total = len(to_hash)
        with ThreadPoolExecutor(max_workers=2) as pool:
            for start in range(0, total, HASH_CHUNK):
                self.progress("hash", start, total, self.report.n_errors, 0)
                if self.should_cancel():
                    self.report.cancelled = True
                    return
                chunk = to_hash[start : start + HASH_CHUNK]
                yield from zip(chunk, pool.map(lambda item: _safe_hash(item[0]), chunk))

    def _workers(self, n_photos: int) -> int:
        wanted = self.options.workers or os.cpu_count() or 1
        # Each worker pays a model load (seconds): not worth it for a handful of photos.
        return max(1, min(wanted, (n_photos + 7) // 8))

    def _analyze(self, todo: list[tuple[int, str, str]]) -> None:
        """Run the model on `todo` in worker processes; store each photo as its result arrives."""
        self.report.n_to_analyze = len(todo)
        if not todo:
            return
        if self.options.analyzer is not None:
            self._analyze_inline(todo)
            return
        workers = self._workers(len(todo))
        threads = max(1, (os.cpu_count() or 1) // workers)
        # A few photos per task: their faces share one network call. Small runs use smaller
        # batches so that both workers get work.
        batch = max(1, min(BATCH_PHOTOS, -(-len(todo) // (4 * workers))))
        ensure_network_files()  # a first run converts MTCNN's networks here, once, not in every worker
        attempts: dict[int, int] = {}
        queue = list(reversed(todo))
        progress = [0]
        self.progress("analyze", 0, len(todo), self.report.n_errors, self.report.n_faces)
        while queue and not self.report.cancelled:
            ctx = multiprocessing.get_context("spawn")  # fork after a conversion's TensorFlow threads can deadlock
            init = (str(self.options.weights) if self.options.weights else None, str(self.config.data_dir), threads)
            with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init, initargs=init) as pool:
                # One task queued beyond one per worker: enough to keep them busy, little to wait
                # for when the job is cancelled.
                broken = self._drain(pool, queue, attempts, batch, workers + 1, progress, len(todo))
            if broken:
                log.warning("a worker process died; restarting the workers")

    def _drain(self, pool, queue: list, attempts: dict[int, int], batch: int, depth: int, progress: list, total: int) -> bool:
        """Feed the pool from `queue` until empty or cancelled; True if a worker died."""
        inflight: dict[Future, list[tuple[int, str, str]]] = {}
        broken = False
        while queue or inflight:
            while queue and len(inflight) < depth and not self.report.cancelled and not broken:
                items = [queue.pop()]
                # Photos that were in a crashed batch go alone, to find the one that crashes.
                while queue and len(items) < batch and not attempts.get(items[0][0]) and not attempts.get(queue[-1][0]):
                    items.append(queue.pop())
                for item in items:
                    attempts[item[0]] = attempts.get(item[0], 0) + 1
                inflight[pool.submit(_analyze_batch, items)] = items
            if not inflight:
                break
            finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
            for fut in finished:
                items = inflight.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    broken = True
                    for item in items:
                        self._retry_or_fail(item, attempts, queue)
                    continue
                for item, result in zip(items, results):
                    self._store_result(item, result)
                    progress[0] += 1
                    self.progress("analyze", progress[0], total, self.report.n_errors, self.report.n_faces)
            if self.should_cancel():
                self.report.cancelled = True
            if broken:
                for items in inflight.values():  # lost with the pool: try again
                    for item in items:
                        self._retry_or_fail(item, attempts, queue)
                return True
        return False

    def _analyze_inline(self, todo: list[tuple[int, str, str]]) -> None:
        analyzer = self.options.analyzer
        for start in range(0, len(todo), BATCH_PHOTOS):
            items = todo[start : start + BATCH_PHOTOS]
            for item, result in zip(items, analyze_photos(analyzer, self.config.data_dir, items)):
                self._store_result(item, result)
            self.progress("analyze", start + len(items), len(todo), self.report.n_errors, self.report.n_faces)
            if self.should_cancel():
                self.report.cancelled = True
                return

    def _retry_or_fail(self, item, attempts: dict[int, int], queue: list) -> None:
        photo_id, path, _ = item
        if attempts.get(photo_id, 0) >= 2:
            self._error_as_scanned(path, "detect", "failed", "the analysis process crashed on this photo twice")
        else:
            queue.append(item)

    def _store_result(self, item, result: dict) -> None:
        photo_id, path, _ = item
        if "error" in result:
            self._error_as_scanned(path, *result["error"])
            return
        self.store.photos.save_analysis(
            photo_id, result["faces"], result["width"], result["height"], result["model_version"], result["taken"]
        )
        self.report.n_analyzed += 1
        self.report.n_faces += len(result["faces"])

    def _copy_duplicates(self, copies) -> None:
        for path, st, digest in copies:
            source = self.store.photos.with_hash(digest)
            if source:
                self.store.photos.copy_from(source[0].id, path, st.st_size, st.st_mtime_ns)
                self.report.n_copied += 1
            # else: the original failed to load; the duplicate gets its own error on the next run
            else:
                orig = next((p for p in self.store.photos.all("error") if p.sha256 == digest), None)
                detail = orig.error_detail if orig else "its content could not be analysed"
                self._error(path, st.st_size, st.st_mtime_ns, "decode", orig.error_kind if orig else "failed", detail)


def _safe_hash(path: str) -> str | OSError:
    try:
        return sha256_file(path)
    except OSError as exc:
        return exc


def _forget(by_hash: dict[str, list], row) -> None:
    """Take a photo row out of the rows known by their content."""
    if row.sha256 in by_hash:
        by_hash[row.sha256] = [r for r in by_hash[row.sha256] if r.id != row.id]


def _moved_row(row, path: str, st: os.stat_result):
    from dataclasses import replace

    return replace(row, path=path, size=st.st_size, mtime_ns=st.st_mtime_ns)


def ingest(
    store: Store,
    config: Config,
    paths: Sequence[str | Path],
    options: IngestOptions | None = None,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> IngestReport:
    """Ingest folders/files into the library (the caller holds the ingest lock). See `Ingest`."""
    return Ingest(store, config, options, progress, should_cancel).run(paths)
