"""How well new photos' faces join the people a user named: precision and recall of the join, on the album.

The user's way with a library, measured on `album-celeba-wild` (641 photos, 60 people, each photo's largest face
labelled): half the photos are added and grouped; the user names every group of 3+ labelled faces after the person
most of them are (two groups of one person get the same name, which merges them) and moves each face that is not
them out to Unsorted; then the other half is added and grouped. Of that half's labelled faces, those that joined a
named person: how many joined the right one (precision), and how many of the faces of the named people joined them
(recall). Prints a table and, last, one JSON line.

    python benchmarks/bench_named_join.py [--work /tmp/named-join]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "album-celeba-wild"

MIN_LABELLED = 3  # the groups a user names: those with a few faces they know


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/named-join"), help="made anew: album halves, library")
    parser.add_argument("--images", type=Path, default=DATA / "photos")
    parser.add_argument("--truth", type=Path, default=DATA / "identity_CelebA.txt")
    args = parser.parse_args()

    from dashapp.clustering import recluster
    from dashapp.commands import largest_labelled_faces, read_identities
    from dashapp.config import load_config
    from dashapp.ingest import IngestOptions, ingest
    from dashapp.store import Store

    truth = read_identities(args.truth)
    shutil.rmtree(args.work, ignore_errors=True)
    halves = [args.work / "first", args.work / "second"]
    for folder in halves:
        folder.mkdir(parents=True)
    for i, name in enumerate(sorted(truth)):
        shutil.copy(args.images / name, halves[i % 2] / name)
    config = load_config(args.work / "library")
    store = Store.open(config)
    start = time.monotonic()

    def labelled(folder: Path) -> dict[int, str]:
        face_ids, identities, _, _ = largest_labelled_faces(store, folder, {n: truth[n] for n in truth
                                                                             if (folder / n).exists()})
        return dict(zip(face_ids, identities))

    ingest(store, config, [halves[0]], IngestOptions())
    recluster(store, project=False)
    first = labelled(halves[0])
    named: set[str] = set()
    for person in store.people.list():
        known = [first[f] for f in store.people.face_ids(person.id) if f in first]
        if len(known) < MIN_LABELLED:
            continue
        identity = Counter(known).most_common(1)[0][0]
        pid = store.people.rename(person.id, identity)  # the same name twice merges the two groups
        wrong = [f for f in store.people.face_ids(pid) if f in first and first[f] != identity]
        if wrong:
            store.people.move_faces(wrong, None)
        named.add(identity)

    ingest(store, config, [halves[1]], IngestOptions())
    recluster(store, project=False)
    second = labelled(halves[1])
    name_of = {p.id: p.name for p in store.people.list() if p.name}
    owner = store.assignments.person_of(list(second))
    joined = {f: name_of[p] for f, p in owner.items() if p in name_of}
    right = sum(joined[f] == second[f] for f in joined)
    theirs = [f for f, identity in second.items() if identity in named]
    precision = right / len(joined) if joined else 0.0
    recall = sum(joined.get(f) == second[f] for f in theirs) / len(theirs) if theirs else 0.0
    result = {
        "named_people": len(named), "new_labelled_faces": len(second), "new_faces_of_named_people": len(theirs),
        "joined_named": len(joined), "joined_right": right, "join_precision": round(precision, 4),
        "join_recall": round(recall, 4), "seconds": round(time.monotonic() - start, 1),
    }
    print(f"named {len(named)} people from the first half; of the second half's {len(second)} labelled faces, "
          f"{len(theirs)} are theirs")
    print(f"joined a named person: {len(joined)}, the right one: {right} (precision {precision:.3f}); "
          f"of theirs, joined them: {recall:.3f}")
    print(json.dumps(result))
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
