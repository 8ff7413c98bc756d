"""The library store: the only place with SQL (SQLAlchemy Core; SQLite in WAL mode by default).

Usage::

    from dashapp.config import load_config
    from dashapp.store import Store

    store = Store.open(load_config(data_dir))    # creates/migrates the database
    store.people.list()                          # people with face counts
    store.people.rename(person_id, "Ada")        # existing name -> merge into that person
    store.people.undo()                          # take that back
    store.jobs.latest("ingest")

Repositories (each public method is one transaction):
    folders      FolderRepo       the folders the user added, with their counts; removing one (its faces'
                                  decisions remembered for the same photos' return: `store.removed`)
    photos       PhotoRepo        files, status per file, atomic write of a photo's faces
    faces        FaceRepo         face rows, embedding matrix, map coordinates, where faces are (search), export
    people       PeopleRepo       people and every user action (name, merge, move, hide, bulk assign, undo)
    assignments  AssignmentRepo   clustering's reads and its atomic result write
    jobs         JobRepo          job progress and cancel flags
    runs         ClusterRunRepo   clustering runs
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from dashapp.config import Config
from dashapp.store.assignments import AssignmentRepo, ClusterWrite
from dashapp.store.engine import make_engine, migrate
from dashapp.store.faces import ExportedFace, FaceMatrix, FacePlace, FaceRepo, FaceRow
from dashapp.store.folders import Folder, FolderRepo
from dashapp.store.jobs import Job, JobRepo
from dashapp.store.people import Person, PeopleRepo
from dashapp.store.photos import NewFace, PhotoRepo, PhotoRow
from dashapp.store.runs import ClusterRun, ClusterRunRepo

__all__ = [
    "Store", "ClusterWrite", "ExportedFace", "Folder", "FaceMatrix", "FacePlace", "FaceRow", "Job", "Person", "NewFace", "PhotoRow", "ClusterRun",
]


class Store:
    """One library's database. Cheap to create; safe to share between threads of one process."""

    def __init__(self, engine: Engine, data_dir: Path | None = None) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.folders = FolderRepo(engine)
        self.photos = PhotoRepo(engine)
        self.faces = FaceRepo(engine)
        self.people = PeopleRepo(engine)
        self.assignments = AssignmentRepo(engine)
        self.jobs = JobRepo(engine)
        self.runs = ClusterRunRepo(engine)

    @classmethod
    def open(cls, config: Config) -> "Store":
        """Open (creating and migrating as needed) the library database of `config`."""
        config.data_dir.mkdir(parents=True, exist_ok=True)
        return cls.from_url(config.db_url, config.data_dir)

    @classmethod
    def from_url(cls, url: str, data_dir: Path | None = None) -> "Store":
        """Open a database by SQLAlchemy URL (migrated to the current schema)."""
        engine = make_engine(url)
        try:
            migrate(engine)
        except Exception:
            engine.dispose()  # a refused library: close its file now, so no -wal/-shm files are left beside it
            raise
        return cls(engine, data_dir)

    def close(self) -> None:
        self.engine.dispose()
