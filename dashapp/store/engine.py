"""Engine creation (SQLite pragmas) and step-by-step schema migrations."""

from __future__ import annotations

import json
import logging
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DatabaseError, OperationalError

from dashapp.store import schema
from dashapp.store.folders import outermost
from dashapp.store.people import name_key, tidy_name

log = logging.getLogger(__name__)


class LibraryUnusable(ValueError):
    """The database is not a library this program can open: damaged, another program's, or from a newer version.
    Raised before anything is written to it; the message says so in words for the user."""


class LibraryNotWritable(PermissionError):
    """The library's folder or database file cannot be written (permissions, a read-only drive): SQLite needs to
    write beside the database (WAL) even to read it. The library itself is fine."""


def _unwritable(db_path: Path) -> str | None:
    """Why the library at `db_path` cannot be written, in words, or None when its folder and file can be. Tried
    for real (a probe file, opening for writing): permission bits do not tell for root or an immutable folder."""
    folder = db_path.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return (f"cannot write in the library's folder {folder} ({exc.strerror}): SQLite writes beside the database "
                "even to read it. Give yourself write permission there (or copy the library to a folder you can "
                "write and use --data-dir); the library is not damaged")
    try:
        with open(db_path, "r+b"):
            pass
    except OSError as exc:
        return (f"cannot write the library file {db_path} ({exc.strerror}). Give yourself write permission on it; "
                "the library is not damaged")
    return None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Per-connection settings. (WAL is the database file's own setting: `migrate` turns it on once the file is
    known to be a library, so another program's database is never changed.)"""
    # synchronous=NORMAL in WAL mode survives any process crash (kill -9); only an OS crash may
    # lose the last commits, never corrupt the file. busy_timeout waits for the other writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()


WAL_SWITCH_WAIT_S = 60.0  # as long as busy_timeout lets a write wait for another


def _use_wal(engine: Engine) -> None:
    """Put a SQLite library in WAL mode (kept in the file; a no-op when it is already): readers (the web process)
    never block the writer (an ingest job) and vice versa."""
    if engine.dialect.name != "sqlite":
        return
    deadline = time.monotonic() + WAL_SWITCH_WAIT_S
    while True:
        raw = engine.raw_connection()
        try:  # on the DBAPI connection: SQLite cannot change the journal mode inside a transaction
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            # Two processes opening a new library at once may both switch it; the one SQLite turns away (it would
            # wait for the other forever) tries again, and then finds the file in WAL mode already.
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        finally:
            raw.close()
        time.sleep(0.05)


def make_engine(url: str) -> Engine:
    """An engine for the library database; SQLite gets foreign keys and a busy timeout (and WAL: `migrate`)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling is replaced (SQLAlchemy's documented recipe) so that
        # write transactions can say BEGIN IMMEDIATE: they take the write lock up front and wait
        # for it (busy_timeout) instead of failing half-way when a reader's snapshot is stale.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(url)


# --- migrations: each step takes the schema from version N-1 to N, inside one transaction. ---


def _v1(conn: Connection) -> None:
    """Version 1: the tables. A new database gets the current tables here, so each later step changes
    only what an older database lacks."""
    schema.metadata.create_all(conn)


def _v2(conn: Connection) -> None:
    """Version 2: `photos.taken`, the EXIF date (ingest reads it for photos analysed before)."""
    if "taken" not in {c["name"] for c in inspect(conn).get_columns("photos")}:
        conn.execute(text("ALTER TABLE photos ADD COLUMN taken VARCHAR(19)"))
        conn.execute(text("CREATE INDEX ix_photos_taken ON photos (taken)"))


def _v3(conn: Connection) -> None:
    """Version 3: `undo_steps`, the undo history of actions on people."""
    schema.undo_steps.create(conn, checkfirst=True)


def _v4(conn: Connection) -> None:
    """Version 4: `folders`, the folders the user added, remembered from the library's past ingests."""
    schema.folders.create(conn, checkfirst=True)
    uploads = str(Path(conn.engine.url.database or ".").resolve().parent / "uploads")
    scanned: dict[str, float | None] = {}  # folder -> when a finished ingest last scanned it
    jobs = conn.execute(select(schema.jobs.c.args, schema.jobs.c.status, schema.jobs.c.finished_at)
                        .where(schema.jobs.c.kind == "ingest")).all()
    for args, status, finished in jobs:
        for path in json.loads(args or "{}").get("paths", []):
            if not Path(path).is_absolute():
                continue
            # The dashboard's uploads (one folder each) are its library's uploads/ folder.
            path = uploads if str(Path(path).parent) == uploads else path
            done = finished if status == "done" else None
            scanned[path] = max((t for t in (scanned.get(path), done) if t is not None), default=None)
    t = time.time()
    for path in outermost(scanned):
        conn.execute(insert(schema.folders).values(path=path, added_at=t, scanned_at=scanned[path]))


def _v5(conn: Connection) -> None:
    """Version 5: names compared in their Unicode normal form (`people.name_key`): each stored name and key made
    before is brought to it, and so are the names the undo history would put back."""
    people = schema.people
    named = conn.execute(select(people.c.id, people.c.name, people.c.name_key)
                         .where(people.c.name.is_not(None)).order_by(people.c.id)).all()
    normal = _normal_names([(pid, name) for pid, name, _key in named])
    changed = {pid: normal[pid] for pid, name, key in named if normal[pid] != (name, key)}
    # Keys let go of first: a name may take the key another one is leaving (the unique index checks each row).
    conn.execute(update(people).where(people.c.id.in_(changed)).values(name_key=None))
    for pid, (name, key) in changed.items():
        conn.execute(update(people).where(people.c.id == pid).values(name=name, name_key=key))
    owner = {key: pid for pid, (_name, key) in normal.items()}
    for step_id, payload in conn.execute(select(schema.undo_steps.c.id, schema.undo_steps.c.payload)).all():
        saved = json.loads(payload)
        for row in saved["rows"]["people"]:
            if row.get("name") is not None:
                row["name"] = _unclaimed(tidy_name(row["name"]), row["id"], owner)
                row["name_key"] = name_key(row["name"])
        conn.execute(update(schema.undo_steps).where(schema.undo_steps.c.id == step_id)
                     .values(payload=json.dumps(saved)))


def _unclaimed(name: str, person_id: int, owner: dict[str, int]) -> str:
    """`name` for an undo step to give back to `person_id`, numbered as `_normal_names` numbers a clash when
    someone else holds it in its normal form now (undo would otherwise refuse to put it back)."""
    number, candidate = 2, name
    while owner.get(name_key(candidate), person_id) != person_id:
        candidate, number = f"{name} ({number})", number + 1
    return tidy_name(candidate)


def _normal_names(named: list[tuple[int, str]]) -> dict[int, tuple[str, str]]:
    """(name, key) of each person in the normal form. Two people whose names were told apart only by their form
    (NFC "Zoé" and NFD "Zoé") both stay, with their faces: the older keeps the name, the other gets a number
    ("Zoé (2)"), which the user sees and may merge or rename."""
    taken: set[str] = set()
    out: dict[int, tuple[str, str]] = {}
    for pid, name in named:  # oldest first
        if name_key(name) not in taken:
            taken.add(name_key(name))
            out[pid] = (tidy_name(name), name_key(name))
    for pid, name in named:
        if pid in out:
            continue
        number = 2
        while name_key(f"{name} ({number})") in taken:
            number += 1
        renamed = tidy_name(f"{name} ({number})")
        taken.add(name_key(renamed))
        out[pid] = (renamed, name_key(renamed))
    return out


def _v6(conn: Connection) -> None:
    """Version 6: `jobs.phase_since` and `jobs.phase_since_done`, where a job's current phase's ETA is measured from."""
    present = {c["name"] for c in inspect(conn).get_columns("jobs")}
    if "phase_since" not in present:
        conn.execute(text("ALTER TABLE jobs ADD COLUMN phase_since FLOAT"))
    if "phase_since_done" not in present:
        conn.execute(text("ALTER TABLE jobs ADD COLUMN phase_since_done INTEGER"))


def _v7(conn: Connection) -> None:
    """Version 7: `removed_decisions`, the user's decisions about the faces of removed folders' photos; and dates
    read from placeholder EXIF dates ("0001:01:01", stored as "1-01-01 ..." before such dates were ignored) are
    read again by the next ingest (NULL: not read yet): the pages take a date's first four characters as its year."""
    schema.removed_decisions.create(conn, checkfirst=True)
    photos = schema.photos
    conn.execute(update(photos).where(photos.c.taken != "", (func.length(photos.c.taken) != 19)
                                      | (photos.c.taken < "1826")).values(taken=None))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1, 2: _v2, 3: _v3, 4: _v4, 5: _v5, 6: _v6, 7: _v7}


def schema_version(conn: Connection) -> int:
    """The database's schema version (0 for an empty database)."""
    if not inspect(conn).has_table("meta"):
        return 0
    value = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()
    return int(value) if value is not None else 0


def _not_writable(exc: Exception, where: str) -> None:
    """Raise LibraryNotWritable when `exc` (a failed open or write) comes from a folder or file that cannot be
    written, not from the database itself."""
    if isinstance(exc, (OperationalError, sqlite3.OperationalError)):
        unwritable = _unwritable(Path(where))
        if unwritable:
            raise LibraryNotWritable(unwritable) from exc


def _library_version(engine: Engine, where: str) -> int:
    """The schema version of the database, once it is known to be a library this program can open (reads only);
    LibraryUnusable if it is not: damaged, another program's database, or a newer version's library."""
    try:
        with engine.begin() as conn:
            version = schema_version(conn)
            tables = inspect(conn).get_table_names()
    except DatabaseError as exc:  # e.g. "file is not a database"
        _not_writable(exc, where)
        raise LibraryUnusable(
            f"{where} cannot be opened as a library ({exc.orig}); nothing was changed. Move it away to start a new "
            "library there, or use another --data-dir"
        ) from exc
    if version == 0 and tables:  # never add our tables to another program's database
        raise LibraryUnusable(f"{where} is a database of another program, not a library; nothing was changed")
    if version > schema.SCHEMA_VERSION:
        raise LibraryUnusable(
            f"the library's schema version {version} is newer than this program's ({schema.SCHEMA_VERSION}); "
            "nothing was changed. Update Face Album to open it"
        )
    return version


@contextmanager
def _migration(engine: Engine) -> Iterator[Connection]:
    """One migration step's transaction, holding the write lock from its start: two processes opening a new library
    at once (the server and an ingest) would otherwise both read the old version, and the one whose read turns
    into a write second fails at once with "database is locked" (SQLite cannot wait there without a deadlock)."""
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn


def migrate(engine: Engine) -> int:
    """Bring the database up to `schema.SCHEMA_VERSION`, one step per transaction; returns the version.
    A database that is not a library this program can open is refused before anything is written to it."""
    where = engine.url.database or str(engine.url)
    version = before = _library_version(engine, where)  # 0: a new, empty database
    try:
        _use_wal(engine)
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        _not_writable(exc, where)
        raise
    while version < schema.SCHEMA_VERSION:
        target = version + 1
        with _migration(engine) as conn:
            # Re-read under the write lock: another process may have migrated meanwhile.
            if schema_version(conn) >= target:
                version = schema_version(conn)
                continue
            MIGRATIONS[target](conn)
            if target == 1:
                conn.execute(insert(schema.meta).values(key="schema_version", value="1"))
            else:
                conn.execute(
                    update(schema.meta).where(schema.meta.c.key == "schema_version").values(value=str(target))
                )
        if before:  # a new library is made at the latest version: its steps are no news to the user
            log.info("library schema migrated to version %d", target)
        version = target
    if before == 0:
        log.info("made a new library at %s", where)
    return version
