"""What cutting a group at two faces of one photo gains and costs, on a real album's embeddings.

    .venv/bin/python app.py eval cluster --images ../shared/data/album-celeba-wild/photos \
        --truth ../shared/data/album-celeba-wild/identity_CelebA.txt --library /tmp/album-lib
    .venv/bin/python benchmarks/bench_shared_photos.py --library /tmp/album-lib [--images DIR --truth FILE]

album-celeba-wild has one labelled person per photo, so its photos never show two known people.
This rewires which photo each labelled (largest) face belongs to and clusters with the default
settings, with and without `split_shared_photos`, printing BCubed F (mean of 5 random draws):
- look-alikes photographed together: each pair of people that the default clustering merges into
  one group shares 1-3 photos (siblings, couples);
- one person twice in a photo (a mirror, a poster): that many people get one such photo each.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace

import numpy as np

from album_library import add_library_arguments, open_library


def bcubed_f(x: np.ndarray, identities: np.ndarray, photos: np.ndarray, split: bool) -> float:
    from model.cluster_metrics import cluster_scores
    from model.clustering import ClusterParams, cluster_faces

    out = cluster_faces(x, photos, params=replace(ClusterParams(), split_shared_photos=split))
    return cluster_scores(list(identities), list(out.labels))["bcubed_f"]


def merged_pairs(x: np.ndarray, identities: np.ndarray) -> list[tuple[str, str]]:
    """The two largest identities of each group the default clustering made of several people."""
    from model.clustering import cluster_faces

    labels = cluster_faces(x, np.arange(len(x))).labels
    pairs, used = [], set()
    for group in sorted(set(labels.tolist()) - {-1}):
        top = Counter(identities[labels == group].tolist()).most_common(2)
        if len(top) == 2 and top[1][1] >= 2 and not {top[0][0], top[1][0]} & used:
            pairs.append((top[0][0], top[1][0]))
            used |= {top[0][0], top[1][0]}
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_library_arguments(parser)
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()

    x, identities = open_library(args).embeddings()
    people = [p for p, n in Counter(identities.tolist()).items() if n >= 9]
    pairs = merged_pairs(x, identities)
    base = np.arange(len(x)) * 10  # one photo per face; a shared photo reuses another face's id
    print(f"{len(x)} labelled faces, {len(set(identities.tolist()))} people, {len(pairs)} merged pairs of people")
    print(f"{'album':44}{'split off':>10}{'split on':>10}")
    print(f"{'as it is (no photo shows two labelled faces)':44}{bcubed_f(x, identities, base, False):10.3f}"
          f"{bcubed_f(x, identities, base, True):10.3f}")
    rng = np.random.default_rng(0)
    scenarios = [(f"merged look-alikes share {k} photo{'s' * (k > 1)}", "pairs", k) for k in (1, 2, 3)]
    scenarios += [(f"{k} people seen twice in one photo", "twice", k) for k in (5, 20, len(people))]
    for title, kind, k in scenarios:
        scores = {False: [], True: []}
        for _ in range(args.draws):
            photos = base.copy()
            if kind == "pairs":
                for a, b in pairs:
                    fa = rng.permutation(np.flatnonzero(identities == a))[:k]
                    fb = rng.permutation(np.flatnonzero(identities == b))[:k]
                    photos[fb] = photos[fa]
            else:
                for person in rng.choice(people, k, replace=False):
                    first, second = rng.permutation(np.flatnonzero(identities == person))[:2]
                    photos[second] = photos[first]
            for split in scores:
                scores[split].append(bcubed_f(x, identities, photos, split))
        print(f"{title:44}{np.mean(scores[False]):10.3f}{np.mean(scores[True]):10.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
