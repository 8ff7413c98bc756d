"""The library the dashboard shows: config, store and the UI's read queries, shared by callbacks and routes.

One web process serves one library. `create_app` calls `use_library`; callbacks (and their unit
tests, which call them as plain functions) get it back with `library()`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dashapp.config import Config, load_config
from dashapp.store import Store
from dashapp.store.ui_queries import UIQueries


@dataclass
class Library:
    """Everything a callback needs to read or change the library."""

    config: Config
    store: Store
    queries: UIQueries
    # The database file opened (device, inode): a library deleted or replaced while the dashboard runs is noticed.
    opened: tuple[int, int] | None = field(default=None)

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir


class LibraryGone(RuntimeError):
    """The library's database was deleted, moved or replaced while the dashboard ran."""


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _check_still_there(lib: Library) -> None:
    """LibraryGone when the database file the dashboard opened is no longer at its path: SQLite would go on
    reading and writing the deleted file, so changes would seem saved and be lost with it."""
    if lib.opened is not None and _file_id(lib.config.db_path) != lib.opened:
        raise LibraryGone(f"the library at {lib.data_dir} was deleted, moved or replaced while the dashboard ran: "
                          "nothing more can be saved to it; restart the dashboard (python app.py serve)")


_lock = threading.Lock()
_current: Library | None = None


def use_library(data_dir: str | Path | None = None) -> Library:
    """Open the library at `data_dir` (created if needed) and make it the one the UI shows."""
    global _current
    config = load_config(data_dir)
    with _lock:
        if _current is not None and _current.data_dir == config.data_dir:
            return _current
    store = Store.open(config)
    with _lock:
        if _current is not None:
            _current.store.close()
        _current = Library(config, store, UIQueries(store.engine), _file_id(config.db_path))
        return _current


def library() -> Library:
    """The library the UI shows (the default library if none was chosen)."""
    with _lock:
        current = _current
    if current is None:
        return use_library(None)
    _check_still_there(current)
    return current
