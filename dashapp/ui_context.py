"""The library the dashboard shows: config, store and the UI's read queries, shared by callbacks and routes.

One web process serves one library. `create_app` calls `use_library`; callbacks (and their unit
tests, which call them as plain functions) get it back with `library()`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
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

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir


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
        _current = Library(config, store, UIQueries(store.engine))
        return _current


def library() -> Library:
    """The library the UI shows (the default library if none was chosen)."""
    with _lock:
        current = _current
    return current if current is not None else use_library(None)
