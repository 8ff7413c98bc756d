"""Where a library lives: the data directory and the paths inside it.

The data directory is chosen by `--data-dir`, else the `FACEALBUM_DATA_DIR` environment variable,
else `~/.local/share/facealbum` (respecting `XDG_DATA_HOME`). Everything the app writes goes there:
the SQLite database, face thumbnails, the ingest lock and numba's compilation cache.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "FACEALBUM_DATA_DIR"


def default_data_dir() -> Path:
    """The per-user default library folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "facealbum"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data directory from the argument, the environment, or the default (absolute, not created)."""
    chosen = data_dir if data_dir is not None else os.environ.get(ENV_VAR) or default_data_dir()
    return Path(chosen).expanduser().resolve()


@dataclass(frozen=True)
class Config:
    """Paths of one library. Build it with `load_config`."""

    data_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "library.sqlite3"

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"

    @property
    def thumbs_dir(self) -> Path:
        """Face thumbnails (small JPEG crops); `faces.thumb_path` is relative to `data_dir`."""
        return self.data_dir / "thumbs"

    @property
    def numba_cache_dir(self) -> Path:
        return self.data_dir / "numba-cache"

    @property
    def ingest_lock_path(self) -> Path:
        """Held (flock) by the one ingest that may run on this library at a time."""
        return self.data_dir / "ingest.lock"

    @property
    def finds_dir(self) -> Path:
        """"Find a person" searches: each in its own folder (query photo, videos, result, frame thumbnails)."""
        return self.data_dir / "finds"

    @property
    def uploads_dir(self) -> Path:
        """Where the dashboard puts uploaded photos before ingesting them."""
        return self.data_dir / "uploads"


def _make_folder(folder: Path) -> None:
    """Create a library folder; a place where it cannot be made (permissions, a file in the way) is the user's to
    fix, so it is said in words (ValueError)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (PermissionError, NotADirectoryError, FileExistsError) as exc:
        raise ValueError(f"cannot make the library folder {folder}: {exc.strerror or exc}"
                         + (f" ({exc.filename})" if exc.filename and str(exc.filename) != str(folder) else "")) from exc


def load_config(data_dir: str | Path | None = None, create: bool = True) -> Config:
    """The library's Config; creates the library folder (`create`) and points numba's cache into it.

    Only the library folder itself is made here: the folders inside it are made by what first writes there
    (ingest its thumbnails, numba its cache), so a library refused on opening (a damaged database, a newer
    version's) is left exactly as it was found.
    NUMBA_CACHE_DIR is read when numba is first imported (by umap/pynndescent), so it is set here,
    before any of them is imported; an explicit environment setting wins.
    """
    config = Config(resolve_data_dir(data_dir))
    if config.data_dir.exists() and not config.data_dir.is_dir():
        raise ValueError(f"{config.data_dir} is a file: the library needs a folder (--data-dir)")
    if create:
        _make_folder(config.data_dir)
    os.environ.setdefault("NUMBA_CACHE_DIR", str(config.numba_cache_dir))
    return config
