"""How often "Maybe the same person" pairs really are one person, on albums of people the model never saw.

    .venv/bin/python benchmarks/bench_merge_suggestions.py [--people 60 --albums 5]

The 3,682 images of `celeba-faces-val` (190 people, none trained on) are analysed once (largest face of
each). Each album is the faces of `--people` random people, clustered with the defaults
(`model.clustering.cluster_faces`, every image its own photo); the groups are labelled by the person most of
their faces show. A suggested pair is right when both groups show the same person. Printed per album and
on average: how many groups, how many pairs of groups are one person split in two, and of the suggestions,
how many are right among the first 8 (what the People page shows) and the first 20, with the pairs ranked
by the shipped measure (`group_linkage`: the faces' root mean squared distance) and, for comparison, by
the distance of the groups' centroids; the average precision of each ranking over all pairs of groups.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "celeba-faces-val"
SHOWN = 8  # suggestions on the People page (`callbacks.people.render_merge_suggestions`)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=Path, default=DATA)
    parser.add_argument("--truth", type=Path, default=DATA / "identity_CelebA.txt")
    parser.add_argument("--people", type=int, default=60, help="people per album")
    parser.add_argument("--albums", type=int, default=5)
    args = parser.parse_args()

    from sklearn.metrics import average_precision_score

    from dashapp.commands import read_identities
    from model.clustering import centroids, cluster_faces, group_linkage, normalize
    from model.evaluate import largest_faces
    from model.faces import FaceAnalyzer

    truth = read_identities(args.truth)
    paths = sorted(p for p in args.images.rglob("*.jpg") if p.name in truth)
    embeddings, _, _ = largest_faces(FaceAnalyzer(), paths)
    identities = np.array([truth[p.name] for p in paths])
    x_all = normalize(embeddings)

    rng = np.random.default_rng(0)
    print(f"{'album':>5} {'faces':>6} {'groups':>6} {'split':>6} {'shown ok':>9} {'top20 ok':>9} {'AP':>6}"
          f" {'centroid: shown ok':>19} {'top20 ok':>9} {'AP':>6}")
    totals = []
    for album in range(args.albums):
        rows = np.flatnonzero(np.isin(identities, rng.choice(np.unique(identities), args.people, replace=False)))
        x, who = x_all[rows], identities[rows]
        out = cluster_faces(x, np.arange(len(rows)))
        live = np.unique(out.labels[out.labels >= 0])
        person = np.array([Counter(who[out.labels == g]).most_common(1)[0][0] for g in live])
        a, b = np.triu_indices(len(live), 1)
        same = person[a] == person[b]
        cents = centroids(x, out.labels, int(live.max()) + 1)[live]
        row = [len(rows), len(live), int(same.sum())]
        for distance in (group_linkage(x, out.labels, live), np.linalg.norm(cents[:, None] - cents[None], axis=2)):
            order = np.argsort(distance[a, b])
            row += [int(same[order[:SHOWN]].sum()), int(same[order[:20]].sum()),
                    average_precision_score(same, -distance[a, b])]
        totals.append(row)
        print(f"{album:>5} {row[0]:>6} {row[1]:>6} {row[2]:>6} {row[3]:>9} {row[4]:>9} {row[5]:>6.3f}"
              f" {row[6]:>19} {row[7]:>9} {row[8]:>6.3f}")
    mean = np.mean(totals, axis=0)
    print(f"{'mean':>5} {mean[0]:>6.0f} {mean[1]:>6.1f} {mean[2]:>6.1f} {mean[3]:>9.1f} {mean[4]:>9.1f} {mean[5]:>6.3f}"
          f" {mean[6]:>19.1f} {mean[7]:>9.1f} {mean[8]:>6.3f}")


if __name__ == "__main__":
    main()
