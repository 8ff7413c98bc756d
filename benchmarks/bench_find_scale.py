"""How many strangers Find lists as a library grows: people never seen in training, among up to 20,000 faces.

    .venv/bin/python app.py ingest --data-dir /tmp/find-big ../shared/data/celeba-faces-val/images \
        ../shared/data/album-celeba-wild/photos ../shared/data/celeba-aligned/images ../shared/data/glint-24
    .venv/bin/python benchmarks/bench_find_scale.py --library /tmp/find-big [--queries 800] [--faces K]

The queries are labelled faces of `celeba-faces-val`'s people (never seen in training) that have another
labelled photo in the library; with `--faces K`, the template (`model.matching.template`) of K photos of such a
person, as a person card's Find or a search given K photos searches. Each is searched for as Find searches (by
distance, over every face of the current model) among the library's labelled faces (each photo's largest face,
labelled by its dataset: CelebA identities, Glint's folders) and among random parts of the library of 1,000 and
5,000 faces (each with every photo of the query's person). Printed per library size and level, with the thresholds a
search of that size uses ("this size"), with the pair-measured ones ("pair": those of a library of up to 1,000
faces), and expanded by the library faces surest to be them as Find searches ("expanded": `expand_query`, then the
thresholds of that many faces at that size): the share of the person's other photos found (recall), and the
strangers listed per search (mean, and median in brackets).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"


def identity_of_path() -> dict[str, str]:
    """Every labelled image of the shared data by its resolved path: CelebA's identity files, Glint's folders."""
    from dashapp.commands import read_identities

    labels = {}
    for folder, images in (("celeba-aligned", "images"), ("celeba-faces-val", "images"),
                           ("album-celeba-wild", "photos")):
        for name, identity in read_identities(DATA / folder / "identity_CelebA.txt").items():
            labels[str((DATA / folder / images / name).resolve())] = f"celeba {identity}"
    for path in (DATA / "glint-24").glob("*/*.jpg"):
        labels[str(path.resolve())] = f"glint {path.parent.name}"
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--library", type=Path, required=True, help="a library holding celeba-faces-val and more")
    parser.add_argument("--queries", type=int, default=800, help="faces searched for (a random sample)")
    parser.add_argument("--faces", type=int, default=1, help="searched for with the template of this many photos")
    args = parser.parse_args()

    from dashapp.config import load_config
    from dashapp.store import Store
    from model.faces import FaceAnalyzer
    from dashapp.find import SAME_FACE_DISTANCE
    from model.matching import STRICTNESS, expand_query, template

    store = Store.open(load_config(args.library))
    analyzer = FaceAnalyzer()
    labels = identity_of_path()
    face_ids, identities, photo_is_val = [], [], []
    for photo in store.photos.index().values():
        identity = labels.get(str(Path(photo.path).resolve()))
        faces = store.faces.of_photo(photo.id)  # largest first
        if identity and faces and faces[0].model_version == analyzer.model_version:
            face_ids.append(faces[0].id)
            identities.append(identity)
            photo_is_val.append("celeba-faces-val" in photo.path)
    matrix = store.faces.matrix()
    row_of = {int(f): i for i, f in enumerate(matrix.ids)}
    embeddings = matrix.embeddings[[row_of[f] for f in face_ids]]
    identities = np.array(identities)
    people, counts = np.unique(identities, return_counts=True)
    with_others = np.isin(identities, people[counts > args.faces]) & np.array(photo_is_val)
    rng = np.random.default_rng(0)
    queries = rng.permutation(np.flatnonzero(with_others))[:args.queries]
    print(f"{len(face_ids):,} labelled faces, {len(queries)} queries of {len(set(identities[queries]))} people, "
          f"model {analyzer.model_version}")

    searches = ("pair", "this size", "expanded")
    print(f"{'faces':>7} {'level':<9} " + " ".join(f"{name + ': recall, strangers (median)':>36}" for name in searches))
    for size in (1000, 5000, len(face_ids)):
        found = {}  # (level, search) -> [(recall, strangers)]
        for q in queries:
            theirs = identities == identities[q]
            others = np.flatnonzero(~theirs)
            strangers = rng.choice(others, min(len(others), size - theirs.sum()), replace=False)
            given = [q, *rng.choice(np.flatnonzero(theirs & (np.arange(len(theirs)) != q)), args.faces - 1,
                                    replace=False)]
            part = np.setdiff1d(np.r_[np.flatnonzero(theirs), strangers], given)
            center, this_size = template(embeddings[given]), analyzer.search_thresholds(args.faces, size)
            expanded, added = expand_query(embeddings[given], embeddings[part], this_size.stricter, SAME_FACE_DISTANCE)
            plans = {"pair": (center, analyzer.search_thresholds(args.faces)), "this size": (center, this_size),
                     "expanded": (expanded, analyzer.search_thresholds(args.faces + len(added), size))}
            same = theirs[part]
            for name, (query, thresholds) in plans.items():
                distances = np.linalg.norm(embeddings[part] - query, axis=1)
                for level in STRICTNESS:
                    hit = distances <= thresholds.get(level)
                    found.setdefault((level, name), []).append((hit[same].mean(), hit[~same].sum()))
        for level in STRICTNESS:
            cells = []
            for name in searches:
                recall, strangers = np.array(found[level, name]).T
                cells.append(f"{recall.mean():.3f}, {strangers.mean():7.1f} ({np.median(strangers):4.0f})")
            print(f"{size:>7,} {level:<9} " + " ".join(f"{cell:>36}" for cell in cells))

if __name__ == "__main__":
    main()
