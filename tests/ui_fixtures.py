"""A synthetic but complete library for dashboard tests and the UI benchmark.

Written only through the store's public API (no SQL here): photos with faces, a clustering result
(groups, unsorted faces with suggestions, merge suggestions) and map coordinates. Vectors are
random (seeded); the dashboard only reads them. Photo paths may point at real images (tests of the
media routes) or at names that do not exist (timing only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.conftest import GROUP_PHOTOS  # noqa: F401 - re-exported for the UI tests and benchmarks
from dashapp.store import ClusterWrite, NewFace, Store


@dataclass
class SyntheticLibrary:
    photo_ids: list[int]
    face_ids: list[int]
    person_ids: list[int]  # people created by the clustering result, largest first
    unsorted: list[int]  # face ids left unsorted (with suggestions)


def build_library(
    store: Store,
    n_faces: int = 60,
    faces_per_photo: int = 3,
    n_people: int = 5,
    unsorted_share: float = 0.1,
    photo_files: list[Path] | None = None,
    seed: int = 0,
) -> SyntheticLibrary:
    """Fill `store` with `n_faces` faces in photos, grouped into `n_people` people plus unsorted faces.

    With `photo_files`, photos use those real files (cycled; each path is used once, so at most
    len(photo_files) photos); otherwise paths are fake and unique.
    """
    rng = np.random.default_rng(seed)
    n_photos = int(np.ceil(n_faces / faces_per_photo))
    if photo_files is not None:
        n_photos = min(n_photos, len(photo_files))
    photo_ids, face_ids, owners = [], [], []
    centres = rng.normal(size=(n_people, 2)) * 10
    attr_base = rng.uniform(0.05, 0.95, size=(n_people, 40))
    # Each person's faces lie around their own direction, as a face model puts them (own generator, so the
    # library's other random draws stay as they were).
    person_dirs = np.random.default_rng(seed + 1).normal(size=(n_people, 128))
    made = 0
    for p in range(n_photos):
        path = str(photo_files[p]) if photo_files is not None else f"/synthetic/album/photo_{p:06d}.jpg"
        width, height = 800, 600
        if photo_files is not None:
            from PIL import Image

            with Image.open(photo_files[p]) as img:
                width, height = img.size
        pid = store.photos.upsert_pending(path, 1000 + p, 1_700_000_000_000_000_000 + p, f"{p:064x}")
        k = faces_per_photo if photo_files is None else max(1, min(faces_per_photo, n_faces - made))
        faces = []
        for i in range(k):
            # Faces of one photo belong to different people, as in a real album.
            owner = (p + i) % n_people
            owners.append(owner)
            w = width / (k + 2)
            box = (w * (i + 0.5), height * 0.3, w, w * 1.2)
            emb = (person_dirs[owner] + 0.6 * rng.normal(size=128)).astype(np.float32)
            emb /= np.linalg.norm(emb)
            attrs = np.clip(attr_base[owner] + rng.normal(scale=0.1, size=40), 0, 1).astype(np.float32)
            landmarks = np.array(box[:2], np.float32) + rng.uniform(0, w, size=(5, 2)).astype(np.float32)
            faces.append(NewFace(box=box, score=float(rng.uniform(0.9, 1.0)), landmarks=landmarks, embedding=emb,
                                 attributes=attrs))
        ids = store.photos.save_analysis(pid, faces, width, height, "synthetic")
        photo_ids.append(pid)
        face_ids += ids
        made += k
        if made >= n_faces:
            break
    owners_arr = np.array(owners)
    is_unsorted = rng.uniform(size=len(face_ids)) < unsorted_share
    write = ClusterWrite(kept=set())  # a new library: nobody to keep
    for f, owner, loose in zip(face_ids, owners_arr, is_unsorted):
        ref = -(int(owner) + 1)
        if loose:
            write.suggestions.append((f, ref, 0, 0.5))
        else:
            write.assigned.append((f, ref, 0.3))
    if n_people >= 4:
        write.merges += [(-1, -2, 0.6), (-3, -4, 0.7)]
    run_id = store.runs.start({"synthetic": True}, "synthetic")
    mapping = store.assignments.apply(run_id, write)
    store.runs.finish(run_id, "done")
    xy = centres[owners_arr] + rng.normal(size=(len(face_ids), 2))
    store.faces.set_map_coords(face_ids, xy)
    sizes = np.bincount(owners_arr[~is_unsorted], minlength=n_people)
    people = [mapping[-(int(k) + 1)] for k in np.argsort(-sizes, kind="stable") if -(int(k) + 1) in mapping]
    return SyntheticLibrary(photo_ids, face_ids, people, [f for f, u in zip(face_ids, is_unsorted) if u])
