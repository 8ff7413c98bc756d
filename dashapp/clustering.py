"""Clustering orchestration: read the store, run the maths of `model.clustering`, write the result.

Names and manual work are never lost: named, hidden and hand-edited people ("kept") keep every
face they have and only gain faces (but for a face grouping placed beside one of the same photo that the user put
there: one photo shows a person once, and the user's choice wins); manual assignments are never overwritten (the store inserts
automatic rows only where no manual row exists, even one made while this ran).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dashapp.store import ClusterWrite, Store
from model.clustering import EXCLUDED, FREE, ClusterParams, cluster_faces

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterSummary:
    """What a run produced."""

    run_id: int
    n_faces: int
    n_people: int  # people and groups with at least one face, but the hidden ones
    n_unsorted: int
    n_merge_suggestions: int
    seconds: float
    cluster_seconds: float
    projection_seconds: float
    n_hidden: int = 0  # hidden people with at least one face (not counted in n_people)


class ClusteringStopped(Exception):
    """The user cancelled while people were grouped or the map made; the run is 'cancelled', so the next ingest
    groups them again (`store.runs.behind()`)."""


def _reuse_group_ids(new_refs: dict[int, np.ndarray], old_person: np.ndarray, reusable: set[int]) -> dict[int, int]:
    """Give each new group the id of the old unnamed group it mostly is, so ids stay stable."""
    taken: set[int] = set()
    out: dict[int, int] = {}
    for ref, members in sorted(new_refs.items(), key=lambda kv: -len(kv[1])):
        counts = Counter(int(p) for p in old_person[members] if p in reusable)
        for pid, n in counts.most_common(1):
            if n * 2 > len(members) and pid not in taken:
                out[ref] = pid
                taken.add(pid)
    return out


def _free_outvoted(fixed: np.ndarray, manual: np.ndarray, photo_ids: np.ndarray) -> None:
    """Free the faces grouping put into a kept person beside a face of the same photo the user put there: one
    photo shows a person once, and the user's choice wins, so the other face is grouped again (elsewhere)."""
    by_user = {(int(lab), int(ph)) for lab, ph in zip(fixed[manual], photo_ids[manual]) if lab >= 0}
    for i in np.flatnonzero((fixed >= 0) & ~manual):
        if (int(fixed[i]), int(photo_ids[i])) in by_user:
            fixed[i] = FREE


def recluster(
    store: Store,
    params: ClusterParams | None = None,
    project: bool = True,
    progress: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ClusterSummary:
    """Cluster every face of the library and (optionally) recompute the 2-D map; one run row.

    `should_stop` is asked between the steps (the clustering and the map cannot be cut short): when it says so,
    ClusteringStopped is raised before the next write.
    """
    params = params or ClusterParams()
    progress = progress or (lambda phase: None)

    def check_stop() -> None:
        if should_stop is not None and should_stop():
            raise ClusteringStopped()
    start = time.monotonic()
    matrix = store.faces.matrix()
    n = len(matrix.ids)
    versions = Counter(matrix.model_versions.tolist())
    if len(versions) > 1:
        log.warning("faces from several model versions %s: re-ingest to re-embed the old ones", dict(versions))
    run_id = store.runs.start(params.as_dict(), versions.most_common(1)[0][0] if versions else None)
    try:
        progress("cluster")
        current = {a.face_id: a for a in store.assignments.all()}
        kept = sorted(store.assignments.kept_people())
        kept_index = {pid: i for i, pid in enumerate(kept)}
        fixed = np.full(n, FREE, np.int64)
        old_person = np.full(n, -1, np.int64)
        manual = np.zeros(n, bool)
        for i, face_id in enumerate(matrix.ids.tolist()):
            a = current.get(face_id)
            if a is None:
                continue
            manual[i] = a.source == "manual"
            if a.person_id is None:
                fixed[i] = EXCLUDED if manual[i] else FREE
            else:
                old_person[i] = a.person_id
                if a.person_id in kept_index:
                    fixed[i] = kept_index[a.person_id]
        _free_outvoted(fixed, manual, matrix.photo_ids)
        check_stop()
        t0 = time.monotonic()
        out = cluster_faces(matrix.embeddings, matrix.photo_ids, fixed, params)
        cluster_seconds = time.monotonic() - t0
        check_stop()  # before writing: the groups stay as they were

        def ref(label: int) -> int:
            return kept[label] if label < out.n_kept else -(label - out.n_kept + 1)

        new_groups = {
            ref(int(lab)): np.flatnonzero(out.labels == lab) for lab in np.unique(out.labels) if lab >= out.n_kept
        }
        reusable = {int(p) for p in np.unique(old_person) if p >= 0 and p not in kept_index}
        reuse = _reuse_group_ids(new_groups, old_person, reusable)
        write = ClusterWrite(kept=set(kept), max_merges=params.max_merge_suggestions)
        for i in np.flatnonzero(out.labels >= 0):
            if not manual[i]:
                d = out.distances[i]
                write.assigned.append((int(matrix.ids[i]), ref(int(out.labels[i])), None if np.isnan(d) else float(d)))
        write.suggestions = [(int(matrix.ids[f]), ref(lab), rank, d) for f, lab, rank, d in out.suggestions]
        write.merges = [(ref(a), ref(b), d) for a, b, d in out.merges]
        store.assignments.apply(run_id, write, reuse)

        projection_seconds = 0.0
        if project and n:
            progress("project")
            check_stop()
            from model.projection import project_2d

            t0 = time.monotonic()
            xy = project_2d(matrix.embeddings, (out.knn_indices, out.knn_distances), previous=matrix.map_xy)
            check_stop()  # the map stays as it was
            store.faces.set_map_coords(matrix.ids.tolist(), xy)
            projection_seconds = time.monotonic() - t0

        n_unsorted = int(np.sum(out.labels < 0))
        hidden = {p.id for p in store.people.list(include_hidden=True) if p.hidden}
        found = np.unique(out.labels[out.labels >= 0])
        n_hidden = sum(1 for lab in found if lab < out.n_kept and kept[lab] in hidden)
        n_people = len(found) - n_hidden
        seconds = time.monotonic() - start
        store.runs.finish(run_id, "done", n_faces=n, n_people=n_people, n_unsorted=n_unsorted, seconds=seconds)
        log.info(
            "clustered %d faces into %d people/groups and %d hidden (%d unsorted) in %.1f s (+ map %.1f s)",
            n, n_people, n_hidden, n_unsorted, cluster_seconds, projection_seconds,
        )
        return ClusterSummary(
            run_id, n, n_people, n_unsorted, len(store.people.merge_suggestions(limit=params.max_merge_suggestions)),
            seconds, cluster_seconds, projection_seconds, n_hidden
        )
    except ClusteringStopped:
        store.runs.finish(run_id, "cancelled")
        raise
    except BaseException:
        store.runs.finish(run_id, "failed")
        raise
