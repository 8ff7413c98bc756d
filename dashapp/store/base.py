"""Shared plumbing of the store's repositories: transactions and time."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, Select, func, literal_column, select
from sqlalchemy.engine import Connection


def now() -> float:
    """Unix time in seconds."""
    return time.time()


class Repo:
    """A group of related queries over one engine. Each public method is one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction holding the database write lock from its start; commits or rolls back."""
        with self.engine.connect() as conn:
            conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn


def id_list(ids: Iterable[int]) -> Select:
    """`ids` for `column.in_(...)` as one bound parameter, a JSON list read by SQLite's `json_each`: one statement for
    any number of ids, where a list of values is one parameter each (SQLite bounds them, so chunks of statements)."""
    return select(literal_column("value")).select_from(func.json_each(json.dumps([int(i) for i in ids])))


def chunks(items: list, size: int = 500) -> Iterator[list]:
    """Slices of at most `size` items (SQLite limits the number of bound parameters)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
