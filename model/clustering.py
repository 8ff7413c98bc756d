"""Grouping face embeddings into people: pure numpy in, labels out (no store, no SQL).

The steps (`cluster_faces`):
1. k-nearest-neighbour graph of the L2-normalised embeddings (Euclidean ~ cosine; exact up to 50k faces);
2. HDBSCAN on that sparse graph (the `hdbscan` package's precomputed sparse path: an MST of the
   mutual-reachability graph, so 100k faces take seconds instead of minutes in 128 dimensions);
3. a cluster holding two faces of one photo is two people merged: it is cut in two around them;
4. kept people (named, hidden or hand-edited: their faces are fixed) keep every face they have; a
   cluster holding faces of a kept person hands its free faces to that person;
5. cannot-link: two faces of one photo never share a person (the closer one stays);
6. outliers far from their group's centroid go back to noise; then attach: noise faces close
   enough to a person join it (same cannot-link rule), the rest stay unsorted; how close is
   measured on HDBSCAN's own clusters, so a loose person the user made changes no one else's;
7. (optional, join_scale > 0) new groups with very close centroids are joined;
8. suggestions (nearest people for each unsorted face) and merge suggestions (close groups that
   share no photo).

The kNN graph is returned too, so the 2-D projection (UMAP) reuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

FREE = -1  # `fixed` value of a face clustering may place
EXCLUDED = -2  # `fixed` value of a face the user put in unsorted: it stays there
NOISE = -1  # label of an unsorted face


@dataclass(frozen=True)
class ClusterParams:
    """Defaults suit albums of 100 to 100,000 faces.

    Chosen on album-celeba-wild (real embeddings; 641 photos, 60 people) and synthetic 10k-50k
    albums; thresholds are relative to the data, so they carry over between model versions.
    """

    min_cluster_size: int = 3
    min_samples: int = 2
    n_neighbors: int = 15  # kNN graph size (shared with the projection)
    selection: str = "eom"  # HDBSCAN cluster selection: 'eom' or 'leaf'
    # A noise face joins the nearest person when its distance to that person's centroid is below
    # attach_quantile of the clustered faces' own centroid distances times attach_scale.
    attach_quantile: float = 0.9
    attach_scale: float = 1.3
    max_attach_distance: float = 1.2  # never attach beyond this (Euclidean on the unit sphere)
    # HDBSCAN keeps outliers that fell out of a cluster after its birth as members: faces farther
    # than eject_scale x the attach distance from their group's centroid go back to unsorted.
    eject_scale: float = 1.5
    # New groups whose centroids are closer than join_scale x the attach distance are one person
    # split by HDBSCAN: they are joined (unless that would put two faces of one photo together).
    join_scale: float = 0.0
    # A cluster holding two faces of one photo is cut in two around them (split_conflicting_clusters).
    split_shared_photos: bool = True
    # HDBSCAN never returns its root, so faces that are all one person make no group at all. Then the faces it
    # keeps together when allowed one cluster are a group if their median distance to their centre is below
    # this. On album-celeba-wild: a person's 10-12 faces alone keep 3-7 together at 0.25-0.66 (10 of 12 people
    # pass); 10 or 20 strangers keep 3-19 together at 0.63-1.19 (none of 20 sets passes).
    single_group_spread: float = 0.6
    n_suggestions: int = 3
    merge_scale: float = 1.6  # groups whose faces lie closer (group_linkage) than this x the attach distance
    max_merge_suggestions: int = 200  # kept, closest first, of those the user has not dismissed (the store keeps them)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ClusterOutput:
    """Result for N faces and P kept people.

    labels[i]: 0..P-1 = kept person `kept[labels[i]]`, P.. = new groups, -1 = unsorted.
    """

    labels: np.ndarray  # (N,) int
    distances: np.ndarray  # (N,) distance to the assigned person's centroid (nan for unsorted)
    n_kept: int
    suggestions: list[tuple[int, int, int, float]] = field(default_factory=list)  # (face, label, rank, dist)
    merges: list[tuple[int, int, float]] = field(default_factory=list)  # (label a, label b, distance)
    attach_distance: float = float("nan")
    knn_indices: np.ndarray | None = None  # (N, k) incl. self, for the projection
    knn_distances: np.ndarray | None = None

    @property
    def n_groups(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) and self.labels.max() >= 0 else 0


def normalize(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


# Up to here the k nearest neighbours are exact: brute force compares every two faces, ~1 s for 10,000 faces and
# ~8 s for 50,000 on 2 cores, growing with the square of the faces (~30-45 s for 100,000). Beyond, an approximate
# index: ~6 s for 100,000 faces plus ~12 s compiling its main loop in each process (numba cannot cache it), so
# the two cost about the same at ~70,000 faces.
EXACT_KNN_MAX_FACES = 50_000
# The approximate index looks for this many times k neighbours and keeps the k nearest: on 100,000 synthetic faces
# 91% of them are the exact ones against 84% when it looks for k, and the BCubed F is the exact graph's (0.981
# against 0.980; 0.979 looking for k).
APPROX_KNN_OVERSHOOT = 2


def knn(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """k nearest neighbours (self first) by Euclidean distance: (indices, distances), (N, k).

    Exact up to EXACT_KNN_MAX_FACES faces; beyond, pynndescent's NN-descent (the index UMAP builds for itself).
    It is seeded, so the same faces give the same graph (on as many CPU threads).
    """
    k = min(k, len(x))
    if len(x) <= EXACT_KNN_MAX_FACES:
        from sklearn.neighbors import NearestNeighbors

        dist, ind = NearestNeighbors(n_neighbors=k, algorithm="brute", n_jobs=-1).fit(x).kneighbors(x)
    else:
        import warnings

        import pynndescent
        from numba.core.errors import NumbaWarning

        from model.numba_cache import cache_compiled_code

        # Cached, most of its code loads instead of compiling (~12 s more); its main loop cannot be (numba warns).
        cache_compiled_code("pynndescent")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumbaWarning)
            index = pynndescent.NNDescent(
                x, metric="euclidean", n_neighbors=min(int(APPROX_KNN_OVERSHOOT * k), len(x)), random_state=0, n_jobs=-1,
            )
            ind, dist = (a[:, :k] for a in index.neighbor_graph)
    return ind.astype(np.int64), dist.astype(np.float32)


def _sparse_graph(ind: np.ndarray, dist: np.ndarray):
    """Symmetric sparse distance matrix of the kNN graph, made connected for HDBSCAN."""
    from scipy.sparse import coo_matrix, csgraph

    n, k = ind.shape
    rows = np.repeat(np.arange(n), k - 1)
    cols = ind[:, 1:].ravel()
    # Sparse matrices drop zeros: identical embeddings (duplicate photos) need a tiny distance.
    vals = dist[:, 1:].ravel().astype(np.float64) + 1e-6
    keep = rows != cols
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    # Each edge both ways. One found from both ends appears twice: keep one copy (the shorter, should rounding
    # differ). Edges as one number each (row * n + col): one sort of them, not a 3-key lexsort (2 s at 100k faces).
    pair = np.r_[rows * n + cols, cols * n + rows]
    edges, slot = np.unique(pair, return_inverse=True)
    shortest = np.full(len(edges), np.inf)
    np.minimum.at(shortest, slot, np.r_[vals, vals])
    graph = coo_matrix((shortest, (edges // n, edges % n)), shape=(n, n)).tocsr()
    n_comp, comp = csgraph.connected_components(graph, directed=False)
    if n_comp > 1:
        # HDBSCAN's sparse path needs one connected graph. Islands are joined just beyond the
        # farthest kNN distance, so the bridges sit at the top of the hierarchy like real gaps.
        bridge = float(vals.max()) * 1.01 if len(vals) else 1.0
        heads = np.unique(comp, return_index=True)[1]
        a, b = heads[:-1], heads[1:]
        extra = coo_matrix((np.full(2 * len(a), bridge), (np.r_[a, b], np.r_[b, a])), shape=(n, n))
        graph = (graph + extra).tocsr()
    return graph


def hdbscan_labels(
    x: np.ndarray, params: ClusterParams, neighbors: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """HDBSCAN labels (-1 = noise) of normalised embeddings, computed on their kNN graph (the `hdbscan`
    package; scikit-learn's port gives the same labels and builds the mutual-reachability graph faster, ~1 s
    against ~10 s of 100,000 faces, but the package is the one this project is designed on)."""
    import hdbscan

    n = len(x)
    if n < max(params.min_cluster_size, 2):
        return np.full(n, NOISE)
    ind, dist = neighbors if neighbors is not None else knn(x, params.n_neighbors + 1)
    if ind.shape[1] <= params.min_samples:
        return np.full(n, NOISE)
    graph = _sparse_graph(ind, dist)

    def fit(allow_single_cluster: bool) -> np.ndarray:
        return hdbscan.HDBSCAN(
            metric="precomputed",
            min_cluster_size=params.min_cluster_size,
            min_samples=params.min_samples,
            cluster_selection_method=params.selection,
            allow_single_cluster=allow_single_cluster,
        ).fit(graph).labels_.astype(np.int64)

    labels = fit(False)
    if labels.max() < 0:  # no group: one person's faces (an album of one child, say), or strangers
        labels = fit(True)
        members = np.flatnonzero(labels >= 0)  # its densest core: the rest may join it later (attach)
        if len(members) < params.min_cluster_size or _spread(x[members]) > params.single_group_spread:
            labels[:] = NOISE
    return labels


def _spread(x: np.ndarray) -> float:
    """The median distance of normalised embeddings to their (normalised) mean."""
    centre = normalize(x.mean(axis=0, keepdims=True))
    return float(np.median(np.linalg.norm(x - centre, axis=1)))


def _label_sums(x: np.ndarray, labels: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Sum of the embeddings and number of faces of each label 0..n_labels-1."""
    from scipy.sparse import csr_matrix

    ok = np.flatnonzero(labels >= 0)
    # A (labels x faces) indicator matrix times the embeddings: 20x faster than np.add.at at 50k faces.
    members = csr_matrix((np.ones(len(ok)), (labels[ok], ok)), shape=(n_labels, len(x)))
    return members @ np.asarray(x, np.float64), np.bincount(labels[ok], minlength=n_labels)


def centroids(x: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """Normalised mean embedding of each label 0..n_labels-1 (zero rows for empty labels)."""
    return normalize(_label_sums(x, labels, n_labels)[0])


def group_linkage(x: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """(G, G) root mean squared distance between the faces of each two of `groups` (unit vectors x).

    The mean over all pairs of members, exact from the groups' plain mean embeddings (for unit vectors
    |a - b|^2 = 2 - 2 a.b): unlike the centroids' distance, a loose group lies far from everyone. Ranks
    groups that are one person first more often (the merge suggestions of `cluster_faces`).
    """
    sums, counts = _label_sums(x, labels, int(groups.max()) + 1)
    means = sums[groups] / np.maximum(counts[groups], 1)[:, None]
    return _pairwise(means, means)  # its 2 - 2 a.b, with the plain means for a and b


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between rows of unit vectors a (N, D) and b (M, D)."""
    return np.sqrt(np.clip(2.0 - 2.0 * (a @ b.T), 0.0, 4.0))


def _smallest(d: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k smallest values, smallest first (k <= columns).

    A partial sort: sorting whole rows took 4 s for the 15,000 unsorted faces x 3,400 people of 100,000 faces.
    """
    top = np.argpartition(d, k - 1, axis=1)[:, :k]
    return np.take_along_axis(top, np.argsort(np.take_along_axis(d, top, axis=1), axis=1), axis=1)


def _enforce_cannot_link(labels, dist, photo_ids, locked) -> None:
    """In each label, keep one face per photo (locked faces first, then the closest); others -> noise."""
    order = np.lexsort((dist, ~locked, photo_ids, labels))
    lab, ph = labels[order], photo_ids[order]
    dup = np.r_[False, (lab[1:] == lab[:-1]) & (ph[1:] == ph[:-1])] & (lab >= 0)
    losers = order[dup & ~locked[order]]
    labels[losers] = NOISE
    dist[losers] = np.nan


def _farthest_same_photo_pair(x: np.ndarray, photo_ids: np.ndarray) -> tuple[int, int] | None:
    """The two faces of one photo that lie farthest apart (row indices), or None if no photo repeats."""
    photos, counts = np.unique(photo_ids, return_counts=True)
    best: tuple[float, int, int] | None = None
    for photo in photos[counts > 1]:
        rows = np.flatnonzero(photo_ids == photo)
        d = _pairwise(x[rows], x[rows])
        i, j = np.unravel_index(np.argmax(d), d.shape)
        if best is None or d[i, j] > best[0]:
            best = (float(d[i, j]), int(rows[i]), int(rows[j]))
    return None if best is None else best[1:]


def _split_around(x: np.ndarray, a: int, b: int, iterations: int = 10) -> np.ndarray:
    """2-means seeded with rows a and b, which stay on their sides: True = b's side."""
    cents = x[[a, b]]
    for _ in range(iterations):
        side = np.argmin(_pairwise(x, cents), axis=1)
        side[a], side[b] = 0, 1
        new = centroids(x, side, 2)
        if np.allclose(new, cents):
            break
        cents = new
    return side.astype(bool)


def _separated(x: np.ndarray, side: np.ndarray) -> bool:
    """Whether two sides' centres lie farther apart than their faces lie from them (on average)."""
    index = side.astype(np.int64)
    cents = centroids(x, index, 2)
    spread = np.linalg.norm(x - cents[index], axis=1).mean()
    return float(np.linalg.norm(cents[0] - cents[1])) > spread


def split_conflicting_clusters(x: np.ndarray, labels: np.ndarray, photo_ids: np.ndarray, min_part: int) -> np.ndarray:
    """Split clusters that hold two faces of one photo: two people merged (look-alikes, family).

    Two faces of one photo are two people, so the cluster is cut in two around the farthest such
    pair (2-means seeded with them) when each side keeps at least `min_part` faces and the sides
    are apart (`_separated`); each side is cut again while it holds such a pair. One person shown
    twice in a photo (a mirror, a poster) splits into halves whose centres lie close together
    relative to their spread, so a large cluster of one person stays whole; a small one may be cut
    (and its halves are not suggested for merging, as a photo shows both: the user merges them).
    """
    labels = labels.copy()
    next_label = int(labels.max()) + 1 if len(labels) else 0
    todo = [np.flatnonzero(labels == c) for c in range(next_label)]
    while todo:
        members = todo.pop()
        pair = _farthest_same_photo_pair(x[members], photo_ids[members]) if len(members) >= 2 * min_part else None
        if pair is None:
            continue
        side = _split_around(x[members], *pair)
        if min(side.sum(), (~side).sum()) < min_part or not _separated(x[members], side):
            continue  # no second person to cut out: the cannot-link step drops one of the two faces
        labels[members[side]] = next_label
        next_label += 1
        todo += [members[~side], members[side]]
    return labels


def _photos_of(labels: np.ndarray, photo_ids: np.ndarray) -> dict[int, set[int]]:
    """The photos each label's faces come from (unsorted faces left out)."""
    photos: dict[int, set[int]] = {}
    for label, photo in zip(labels[labels >= 0].tolist(), photo_ids[labels >= 0].tolist()):
        photos.setdefault(label, set()).add(photo)
    return photos


def _join_close_groups(x, labels, photo_ids, n_kept: int, n_labels: int, limit: float) -> None:
    """Join new groups (labels >= n_kept) whose centroids are within `limit`, closest pairs first."""
    cents = centroids(x, labels, n_labels)
    groups = np.arange(n_kept, n_labels)
    d = _pairwise(cents[groups], cents[groups])
    a, b = np.nonzero(np.triu(d < limit, 1))
    if len(a) == 0:
        return
    parent = {int(g): int(g) for g in groups}
    found = _photos_of(labels, photo_ids)
    photos = {int(g): found.get(int(g), set()) for g in groups}

    def root(g: int) -> int:
        while parent[g] != g:
            g = parent[g]
        return g

    for i in np.argsort(d[a, b]):
        ra, rb = root(int(groups[a[i]])), root(int(groups[b[i]]))
        if ra == rb or photos[ra] & photos[rb]:
            continue
        keep, gone = min(ra, rb), max(ra, rb)
        parent[gone] = keep
        photos[keep] |= photos.pop(gone)
    for g in groups:
        r = root(int(g))
        if r != g:
            labels[labels == g] = r


def _rule_out_people_in_the_photo(
    d: np.ndarray, rows: np.ndarray, photo_of_row: np.ndarray, taken: set[tuple[int, int]]
) -> None:
    """Set d[r, label] to inf where the person `label` already holds a face of row r's photo.

    A suggestion is accepted in bulk ("accept the suggestions of this page"): a person seen in the photo
    already would get two of its faces, which is never one person.
    """
    in_photo: dict[int, list[int]] = {}
    for label, photo in taken:
        in_photo.setdefault(photo, []).append(label)
    for r in rows:
        labels = in_photo.get(int(photo_of_row[r]))
        if labels:
            d[r, labels] = np.inf


def _attach_distance(x: np.ndarray, raw: np.ndarray, params: ClusterParams) -> float:
    """How far from a person's centre a face may lie and still join them: a quantile of how far the faces HDBSCAN
    clustered lie from their cluster's centroid, so it adapts to the model (capped, and a fixed fallback while
    nothing is clustered).

    Measured on HDBSCAN's clusters, not on the people: those the user made (two people merged by mistake, a wide
    lasso on the map) may be as loose as they like, and must not loosen every person's reach. On a 16,000-face
    library, one mistaken merge of two people's 596 faces raised it from 0.84 to 1.01, and the next clustering put
    5,140 of its 5,440 unsorted faces (strangers) into groups.
    """
    clustered = np.flatnonzero(raw >= 0)
    if len(clustered) < 5:
        return 0.9
    cents = centroids(x, raw, int(raw.max()) + 1)
    inside = np.linalg.norm(x[clustered] - cents[raw[clustered]], axis=1)
    return min(float(np.quantile(inside, params.attach_quantile)) * params.attach_scale, params.max_attach_distance)


def cluster_faces(
    embeddings: np.ndarray,
    photo_ids: np.ndarray,
    fixed: np.ndarray | None = None,
    params: ClusterParams | None = None,
) -> ClusterOutput:
    """Group faces into people.

    embeddings (N, D); photo_ids (N,) for the cannot-link rule; fixed (N,): 0..P-1 = the face
    belongs to kept person p (never moved), FREE = clustering decides, EXCLUDED = stays unsorted.

    The result does not depend on the order of the faces (in a library, the order its ingest workers
    happened to finish in): HDBSCAN breaks ties between equal mutual-reachability distances by position,
    which moved album-celeba-wild's BCubed F by up to 0.01 between orders. So the faces are clustered
    sorted by their embeddings, and the result is put back in the caller's order.
    """
    x = normalize(embeddings)
    n = len(x)
    photo_ids = np.asarray(photo_ids, np.int64)
    fixed = np.full(n, FREE, np.int64) if fixed is None else np.asarray(fixed, np.int64)
    order = np.lexsort(x.T[::-1])  # rows sorted by their first column, then the second, ...
    out = _cluster_sorted(x[order], photo_ids[order], fixed[order], params or ClusterParams())
    back = np.empty_like(order)
    back[order] = np.arange(n)
    knn = (order[out.knn_indices][back], out.knn_distances[back]) if out.knn_indices is not None else (None, None)
    return replace(
        out, labels=out.labels[back], distances=out.distances[back], knn_indices=knn[0], knn_distances=knn[1],
        suggestions=[(int(order[face]), label, rank, d) for face, label, rank, d in out.suggestions],
    )


def _cluster_sorted(x: np.ndarray, photo_ids: np.ndarray, fixed: np.ndarray, params: ClusterParams) -> ClusterOutput:
    """`cluster_faces` on normalised embeddings in a fixed order."""
    n = len(x)
    n_kept = int(fixed.max()) + 1 if n and fixed.max() >= 0 else 0
    if n == 0:
        return ClusterOutput(np.zeros(0, np.int64), np.zeros(0), n_kept)

    neighbors = knn(x, params.n_neighbors + 1) if n > 1 else (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.float32))
    raw = hdbscan_labels(x, params, neighbors) if n > 2 else np.full(n, NOISE)
    if params.split_shared_photos:
        raw = split_conflicting_clusters(x, raw, photo_ids, params.min_cluster_size)

    labels = np.where(fixed >= 0, fixed, NOISE).astype(np.int64)
    locked = fixed != FREE  # kept faces and excluded faces never move
    # Map HDBSCAN clusters to kept people or to new groups.
    next_label = n_kept
    kept_centroids = centroids(x, labels, n_kept) if n_kept else np.zeros((0, x.shape[1]), np.float32)
    for c in range(int(raw.max()) + 1 if raw.max() >= 0 else 0):
        members = np.flatnonzero(raw == c)
        free = members[fixed[members] == FREE]
        if len(free) == 0:
            continue
        owners = np.unique(fixed[members][fixed[members] >= 0])
        if len(owners) == 0:
            labels[free] = next_label
            next_label += 1
        elif len(owners) == 1:
            labels[free] = owners[0]
        else:  # a cluster spanning several kept people: each free face to the nearest of them
            d = _pairwise(x[free], kept_centroids[owners])
            labels[free] = owners[np.argmin(d, axis=1)]

    n_labels = next_label
    cents = centroids(x, labels, n_labels)
    dist = np.full(n, np.nan)
    assigned = labels >= 0
    dist[assigned] = np.linalg.norm(x[assigned] - cents[labels[assigned]], axis=1)
    _enforce_cannot_link(labels, dist, photo_ids, locked)

    attach = _attach_distance(x, raw, params)
    outliers = (labels >= 0) & ~locked & (np.nan_to_num(dist) > min(attach * params.eject_scale, params.max_attach_distance))
    labels[outliers] = NOISE
    dist[outliers] = np.nan

    if params.join_scale > 0 and n_labels - n_kept > 1:
        _join_close_groups(x, labels, photo_ids, n_kept, n_labels, attach * params.join_scale)
    cents = centroids(x, labels, n_labels)
    has_members = np.bincount(labels[labels >= 0], minlength=n_labels) > 0 if n_labels else np.zeros(0, bool)
    suggestions: list[tuple[int, int, int, float]] = []
    noise = np.flatnonzero((labels == NOISE) & (fixed == FREE))
    if n_labels and len(noise):
        d = _pairwise(x[noise], cents)
        d[:, ~has_members] = np.inf
        # Attach closest-first, so when two faces of one photo want one person, the closer wins.
        best = np.argmin(d, axis=1)
        best_d = d[np.arange(len(noise)), best]
        taken = {(int(l), int(p)) for l, p in zip(labels[labels >= 0], photo_ids[labels >= 0])}
        for j in np.argsort(best_d):
            if best_d[j] > attach:
                break
            face, lab = noise[j], int(best[j])
            if (lab, int(photo_ids[face])) in taken:
                continue
            labels[face] = lab
            dist[face] = best_d[j]
            taken.add((lab, int(photo_ids[face])))
        still = labels[noise] == NOISE
        k = min(params.n_suggestions, int(has_members.sum()))
        if k:
            rows = np.flatnonzero(still)
            _rule_out_people_in_the_photo(d, rows, photo_ids[noise], taken)
            top = _smallest(d[rows], k)
            for r, choices in zip(rows, top):
                for rank, lab in enumerate(choices):
                    if np.isfinite(d[r, lab]):
                        suggestions.append((int(noise[r]), int(lab), rank, float(d[r, lab])))

    merges: list[tuple[int, int, float]] = []
    live = np.flatnonzero(np.bincount(labels[labels >= 0], minlength=n_labels) > 0) if n_labels else np.zeros(0, int)
    if len(live) > 1:
        d = group_linkage(x, labels, live)
        np.fill_diagonal(d, np.inf)
        limit = attach * params.merge_scale
        a, b = np.nonzero(np.triu(d < limit, 1))
        photos_of = _photos_of(labels, photo_ids)
        for i in np.argsort(d[a, b]):
            first, second = int(live[a[i]]), int(live[b[i]])
            if photos_of[first] & photos_of[second]:
                continue  # a photo shows both: two people, whatever their faces' distance
            merges.append((first, second, float(d[a[i], b[i]])))

    return ClusterOutput(
        labels=labels, distances=dist, n_kept=n_kept, suggestions=suggestions, merges=merges,
        attach_distance=attach, knn_indices=neighbors[0], knn_distances=neighbors[1],
    )
