"""Clustering runs: when, with which parameters, and what came out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, update

from dashapp.store.base import Repo, now
from dashapp.store.schema import cluster_runs, faces


@dataclass(frozen=True)
class ClusterRun:
    id: int
    status: str
    params: dict[str, Any]
    model_version: str | None
    n_faces: int | None
    n_people: int | None
    n_unsorted: int | None
    seconds: float | None
    started_at: float
    finished_at: float | None


def _run(r) -> ClusterRun:
    m = dict(r._mapping)
    m["params"] = json.loads(m["params"])
    return ClusterRun(**m)


class ClusterRunRepo(Repo):
    def start(self, params: dict[str, Any], model_version: str | None) -> int:
        with self._write() as conn:
            return conn.execute(
                insert(cluster_runs).values(
                    status="running", params=json.dumps(params, default=str), model_version=model_version, started_at=now()
                )
            ).inserted_primary_key[0]

    def finish(self, run_id: int, status: str, **stats: Any) -> None:
        """End a run ('done', 'failed' or 'cancelled') with n_faces, n_people, n_unsorted, seconds."""
        with self._write() as conn:
            conn.execute(update(cluster_runs).where(cluster_runs.c.id == run_id).values(status=status, finished_at=now(), **stats))

    def latest(self) -> ClusterRun | None:
        """The most recent finished ('done') run."""
        with self._read() as conn:
            r = conn.execute(
                select(cluster_runs).where(cluster_runs.c.status == "done").order_by(cluster_runs.c.id.desc()).limit(1)
            ).first()
        return _run(r) if r else None

    def behind(self) -> bool:
        """Whether the library has faces that the last clustering did not group: the newest run did not finish
        (interrupted, killed or failed; a killed one stays 'running'), or a face was added after the last finished
        run began (an ingest with --no-cluster, or one stopped before it clustered). False without faces."""
        with self._read() as conn:
            newest_face = conn.execute(select(func.max(faces.c.created_at))).scalar()
            if newest_face is None:
                return False
            newest = conn.execute(select(cluster_runs).order_by(cluster_runs.c.id.desc()).limit(1)).first()
            done = conn.execute(
                select(func.max(cluster_runs.c.started_at)).where(cluster_runs.c.status == "done")
            ).scalar()
        return newest is None or newest.status != "done" or newest_face > done
