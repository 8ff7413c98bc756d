"""Job processes: the one-ingest-per-library lock, spawning jobs for the UI, progress reporting.

Heavy work never runs in the web process: the server calls `spawn_ingest` (or `spawn_find`), which
starts `python app.py ingest --job-id N ...` as a separate process; that process reports progress into the
job's row (`JobReporter`) and polls the row's cancel flag, which the UI sets with
`store.jobs.request_cancel(job_id)`.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dashapp.config import Config
from dashapp.store import Job, Store

log = logging.getLogger(__name__)

APP_PY = Path(__file__).resolve().parents[1] / "app.py"


class IngestBusy(RuntimeError):
    """Another ingest is already running on this library."""


# Said by the command and by the Library page (a job started there): "start it again" fits both.
DISK_FULL = ("the disk holding the library is full: free some space, then start it again "
             "(what was done so far is kept)")


def is_disk_full(exc: BaseException) -> bool:
    """Whether `exc` (or an exception it was raised from) says the disk is full: an OSError "no space left on
    device" (a thumbnail, a cache file) or SQLite's "database or disk is full"."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "database or disk is full" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def failure_message(exc: BaseException) -> str:
    """What a failed job says: the disk-full advice, or the exception as it is."""
    return DISK_FULL if is_disk_full(exc) else f"{type(exc).__name__}: {exc}"


@contextmanager
def ingest_lock(config: Config, doing: str = "an ingest") -> Iterator[None]:
    """Hold the library's ingest lock, or raise IngestBusy at once, saying what holds it (`doing`, in the lock file).

    An OS file lock (flock): the kernel drops it when the process dies, even by `kill -9`, so a
    crashed ingest never blocks the next one.
    """
    config.data_dir.mkdir(parents=True, exist_ok=True)
    with open(config.ingest_lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            if holder.startswith("pid "):  # written by a version that held it only to ingest
                holder = f"an ingest, {holder}"
            raise IngestBusy(
                f"{holder or 'an ingest'} is already running on this library; wait for it or cancel it"
            ) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{doing}, pid {os.getpid()}")
            handle.flush()
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ingest_running(config: Config) -> bool:
    """Whether some process holds the ingest lock right now."""
    try:
        with ingest_lock(config):
            return False
    except IngestBusy:
        return True


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own exited child not reaped yet) counts as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


# How much later than its job's start a process may seem to have started and still be the job's own: the two clocks
# read differ (the job's row has the time of day; a process's start is counted from the boot), and a clock set
# forward while a job runs moves one and not the other.
PID_START_SLACK_S = 120.0


def _process_start(pid: int) -> float | None:
    """When process `pid` started (Unix time, to a second), or None where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            ticks = int(f.read().rsplit(") ", 1)[1].split()[19])  # field 22, starttime: clock ticks after the boot
        with open("/proc/stat") as f:
            boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    except (OSError, IndexError, ValueError, StopIteration):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _pid_taken_since(job: Job) -> bool:
    """Whether the job's pid belongs to a process that started after the job did: its own process died (a crash,
    `kill -9`, a restart of the machine or its container) and the pid went to another one."""
    started = _process_start(job.pid) if job.pid else None
    return started is not None and job.started_at is not None and started > job.started_at + PID_START_SLACK_S


def _job_alive(job: Job, config: Config) -> bool:
    """Whether a running job's process is still at work: its pid is alive and was not given to another process
    since the job started (a search or a clustering left 'running' by a reboot would block the next ones forever).
    An ingest also needs someone to hold the ingest lock."""
    if not _pid_alive(job.pid) or _pid_taken_since(job):
        return False
    return job.kind != "ingest" or ingest_running(config)


def refresh_stale(store: Store, config: Config, queued_grace_s: float = 120.0) -> int:
    """Mark jobs whose process died (crash, kill -9, reboot) as 'interrupted'; returns how many."""
    n = 0
    for job in store.jobs.active():
        dead = (job.status == "running" and not _job_alive(job, config)) or (
            job.status == "queued" and time.time() - job.created_at > queued_grace_s
        )
        if dead:
            store.jobs.finish(job.id, "interrupted", "the job process stopped before finishing; run it again to resume")
            n += 1
    return n


def _spawn(config: Config, argv: Sequence[str], job_id: int) -> None:
    log_path = config.data_dir / "jobs" / f"job-{job_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        # A new session: the job outlives a restart of the web server and gets no terminal signals.
        subprocess.Popen(
            [sys.executable, str(APP_PY), *argv],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            cwd=str(APP_PY.parent), env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )


def spawn_ingest(
    config: Config, store: Store, paths: Sequence[str | Path], cluster: bool = True, outdated: bool = False
) -> int:
    """Start an ingest job process for these folders/files (and, with `outdated`, every photo analysed by
    an older face model); returns the job id.

    Raises IngestBusy if an ingest is already running, FileNotFoundError for a missing path.
    """
    resolved = [Path(p).expanduser().resolve() for p in paths]
    missing = [str(p) for p in resolved if not p.exists()]
    if missing:
        raise FileNotFoundError(f"no such file or folder: {', '.join(missing)}")
    refresh_stale(store, config)
    if ingest_running(config) or store.jobs.active("ingest"):
        raise IngestBusy("an ingest is already running on this library; wait for it or cancel it")
    job_id = store.jobs.create("ingest", {"paths": [str(p) for p in resolved], "cluster": cluster, "outdated": outdated})
    argv = ["ingest", "--data-dir", str(config.data_dir), "--job-id", str(job_id), *map(str, resolved)]
    if not cluster:
        argv.append("--no-cluster")
    if outdated:
        argv.append("--outdated")
    _spawn(config, argv, job_id)
    return job_id


def spawn_cluster(config: Config, store: Store) -> int:
    """Start a clustering job process (`app.py cluster`: people and the map); returns the job id."""
    refresh_stale(store, config)
    job_id = store.jobs.create("cluster", {})
    _spawn(config, ["cluster", "--data-dir", str(config.data_dir), "--job-id", str(job_id)], job_id)
    return job_id


class FindBusy(RuntimeError):
    """A "find a person" search is already running on this library."""


def spawn_find(config: Config, store: Store, query: Path, out: Path, face: int | None = None,
               videos: Sequence[Path] = (), every_s: float = 1.0, person: int | None = None,
               also: Sequence[Path] = ()) -> int:
    """Start a "find a person" job process (`app.py find ... --job-id N --out DIR`); returns the job id.

    `face` is 0-based (None: the largest). With `person`, the job searches for that library person (`--person`)
    and `query` is the copy of their typical face's photo that the page shows; `also`: more photos of the person
    in `query` (`--also`). Raises FindBusy while another search runs.
    """
    refresh_stale(store, config)
    if store.jobs.active("find"):
        raise FindBusy("a search is already running; wait for it to finish")
    args = {"query": str(query), "out": str(out), "face": face, "videos": [str(v) for v in videos], "every": every_s,
            "person": person, "also": [str(p) for p in also]}
    job_id = store.jobs.create("find", args)
    argv = ["find", "--data-dir", str(config.data_dir), "--job-id", str(job_id), "--out", str(out),
            "--every", str(every_s)]
    if person is not None:
        argv += ["--person", f"#{person}"]  # by id, even when someone else's name is these digits
    else:
        argv += [str(query)] + (["--face", str(face + 1)] if face is not None else [])
        for photo in also:
            argv += ["--also", str(photo)]
    for video in videos:
        argv += ["--video", str(video)]
    _spawn(config, argv, job_id)
    return job_id


class JobReporter:
    """Progress of one job into its row, throttled so that the store is not written per photo."""

    def __init__(self, store: Store, job_id: int, every_s: float = 0.5) -> None:
        self.store = store
        self.job_id = job_id
        self.every_s = every_s
        self._last = 0.0
        self._cancel = False
        self._phase: str | None = None

    def start(self) -> None:
        self.store.jobs.start(self.job_id, os.getpid())

    def update(self, force: bool = False, **fields) -> None:
        """Write progress fields (done, total, phase, ...) at most every `every_s` unless forced; a new phase is
        written at once (the page shows it, and the phase's ETA is measured from its own start)."""
        t = time.monotonic()
        new_phase = "phase" in fields and fields["phase"] != self._phase
        if force or new_phase or t - self._last >= self.every_s:
            self._last = t
            self._phase = fields.get("phase", self._phase)
            self.store.jobs.progress(self.job_id, **fields)
            self._cancel = self.store.jobs.cancel_requested(self.job_id)

    def cancelled(self) -> bool:
        """Whether the UI asked this job to stop (as of the last update)."""
        return self._cancel

    def cancel_requested(self) -> bool:
        """Whether the UI asked this job to stop, read now: between long steps that report no progress."""
        self._cancel = self.store.jobs.cancel_requested(self.job_id)
        return self._cancel

    def finish(self, status: str, message: str | None = None) -> None:
        self.store.jobs.finish(self.job_id, status, message)
