"""Jobs: rows that a job process (ingest, cluster) updates with its progress and the UI reads.

The UI asks a job to stop with `request_cancel`; the job polls `cancel_requested` between photos.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select, update

from dashapp.store.base import Repo, now
from dashapp.store.schema import jobs

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled", "interrupted")


def phase_eta(done: int, total: int | None, since: float | None, since_done: int | None,
              at: float | None = None) -> float | None:
    """Seconds left in a phase at its own pace since it first reported work done (`since`, `since_done`), or None
    while that cannot be told: no total, or no work done since then."""
    if not total or since is None or since_done is None or done <= since_done:
        return None
    seconds = (time.time() if at is None else at) - since
    return max(0.0, seconds / (done - since_done) * max(0, total - done))


@dataclass(frozen=True)
class Job:
    """A job's state as the UI shows it."""

    id: int
    kind: str
    status: str
    args: dict[str, Any]
    pid: int | None
    done: int
    total: int | None
    n_errors: int
    n_faces: int
    phase: str | None
    message: str | None
    cancel_requested: bool
    created_at: float
    started_at: float | None
    updated_at: float
    finished_at: float | None
    phase_since: float | None
    phase_since_done: int | None

    @property
    def fraction(self) -> float | None:
        """Progress 0..1, or None while the total is unknown."""
        return None if not self.total else min(1.0, self.done / self.total)

    @property
    def eta_seconds(self) -> float | None:
        """Remaining seconds of the current phase at its pace so far, or None when unknown."""
        if self.status != "running":
            return None
        return phase_eta(self.done, self.total, self.phase_since, self.phase_since_done)


def _pace_mark(phase: str | None, since: float | None, fields: dict[str, Any], t: float) -> dict[str, Any]:
    """The phase_since columns to write with a progress update: cleared when the phase changes, set at the phase's
    first update with work done (its pace is measured from there: model loading before it is not the pace)."""
    mark: dict[str, Any] = {}
    if "phase" in fields and fields["phase"] != phase:
        since = None
        mark = dict(phase_since=None, phase_since_done=None)
    if since is None and (fields.get("done") or 0) > 0:
        mark = dict(phase_since=t, phase_since_done=fields["done"])
    return mark


def _job(r) -> Job:
    m = dict(r._mapping)
    m["args"] = json.loads(m["args"] or "{}")
    m["cancel_requested"] = bool(m["cancel_requested"])
    return Job(**m)


class JobRepo(Repo):
    """Create, update and read job rows."""

    def create(self, kind: str, args: dict[str, Any] | None = None, status: str = "queued") -> int:
        t = now()
        with self._write() as conn:
            return conn.execute(
                insert(jobs).values(
                    kind=kind, status=status, args=json.dumps(args or {}, default=str), created_at=t, updated_at=t
                )
            ).inserted_primary_key[0]

    def start(self, job_id: int, pid: int) -> None:
        """Mark the job running in process `pid`."""
        t = now()
        with self._write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(status="running", pid=pid, started_at=t, updated_at=t))

    def progress(self, job_id: int, **fields: Any) -> None:
        """Update any of: done, total, n_errors, n_faces, phase, message; a new phase starts its ETA afresh."""
        allowed = {"done", "total", "n_errors", "n_faces", "phase", "message"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown job fields: {sorted(unknown)}")
        t = now()
        with self._write() as conn:
            row = conn.execute(select(jobs.c.phase, jobs.c.phase_since).where(jobs.c.id == job_id)).first()
            values = dict(fields, updated_at=t)
            if row is not None:
                values.update(_pace_mark(row.phase, row.phase_since, fields, t))
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))

    def finish(self, job_id: int, status: str, message: str | None = None) -> None:
        """End a job: 'done', 'failed', 'cancelled' or 'interrupted'."""
        if status not in FINISHED:
            raise ValueError(f"not a final job status: {status}")
        t = now()
        values: dict[str, Any] = dict(status=status, finished_at=t, updated_at=t)
        if message is not None:
            values["message"] = message
        with self._write() as conn:
            conn.execute(update(jobs).where(jobs.c.id == job_id).values(**values))

    def request_cancel(self, job_id: int) -> None:
        """Ask a queued or running job to stop (it stops after the photo it is on)."""
        with self._write() as conn:
            conn.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE)).values(cancel_requested=True, updated_at=now())
            )

    def cancel_requested(self, job_id: int) -> bool:
        with self._read() as conn:
            return bool(conn.execute(select(jobs.c.cancel_requested).where(jobs.c.id == job_id)).scalar())

    def get(self, job_id: int) -> Job | None:
        with self._read() as conn:
            r = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return _job(r) if r else None

    def latest(self, kind: str | None = None, limit: int = 20) -> list[Job]:
        """Most recent jobs first."""
        query = select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if kind:
            query = query.where(jobs.c.kind == kind)
        with self._read() as conn:
            return [_job(r) for r in conn.execute(query)]

    def active(self, kind: str | None = None) -> list[Job]:
        """Queued or running jobs."""
        query = select(jobs).where(jobs.c.status.in_(ACTIVE)).order_by(jobs.c.id)
        if kind:
            query = query.where(jobs.c.kind == kind)
        with self._read() as conn:
            return [_job(r) for r in conn.execute(query)]
