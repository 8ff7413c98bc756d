"""How well "Find" from a person card finds a person's photos in a real album: one face against their template.

    .venv/bin/python app.py eval cluster --images ../shared/data/album-celeba-wild/photos \
        --truth ../shared/data/album-celeba-wild/identity_CelebA.txt --library /tmp/album-lib
    .venv/bin/python benchmarks/bench_find.py --library /tmp/album-lib [--images DIR --truth FILE]

For each group of the library with 2 or more faces (of the current face model) whose labelled faces mostly
show one identity, the search a person card's Find link runs (`dashapp.find`: the group's template at the
thresholds of its number of faces), the one a single photo of them would run ("one face": their most typical
face, expanded by the library faces surest to be them, `expand_query`) and that face alone ("face alone", the
one-face thresholds) are scored at each strictness level against that identity's labelled photos:
recall (their photos found) and precision (found photos that are theirs), averaged over the groups. The
photos beyond "stricter" are what the page sets apart as "Less sure": their precision is printed too.
Each labelled photo counts by its largest face, as `eval cluster` does.
"""

from __future__ import annotations

import argparse
from collections import Counter

import numpy as np

from album_library import add_library_arguments, open_library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_library_arguments(parser)
    args = parser.parse_args()

    from dashapp.find import person_template, search_library, typical_face
    from model.faces import FaceAnalyzer
    from model.matching import STRICTNESS

    library = open_library(args)
    store, face_ids, identities = library.store, library.face_ids, library.identities
    analyzer = FaceAnalyzer()
    identity_of_face = dict(zip(face_ids, identities))
    identity_of_photo = {store.faces.get(f).photo_id: i for f, i in identity_of_face.items()}
    n_photos_of = Counter(identity_of_photo.values())

    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    less_sure: dict[str, list[bool]] = {"one face": [], "face alone": [], "template": []}
    n_groups = 0
    for person in store.people.list():
        found = person_template(store, person.id, analyzer.model_version)
        labels = [identity_of_face[f] for f in store.people.face_ids(person.id) if f in identity_of_face]
        if found is None or found[0].n_faces < 2 or not labels:
            continue  # one face: its template is that face, nothing to compare
        identity, n = Counter(labels).most_common(1)[0]
        if n * 2 <= len(labels):
            continue  # no identity makes up most of the group
        n_groups += 1
        (searched, center), face = found, typical_face(store, person.id, analyzer.model_version)
        sure = lambda n_compared: analyzer.search_thresholds(1, n_compared).stricter  # noqa: E731
        searches = {"one face": (face.embedding, 1, sure), "face alone": (face.embedding, 1, None),
                    "template": (center, searched.n_faces, None)}
        for name, (query, n_faces, sure_up_to) in searches.items():
            search = search_library(store, query, analyzer.model_version, sure_up_to=sure_up_to)
            thresholds = analyzer.search_thresholds(n_faces + len(search.added), search.n_compared)
            matches = [(m.distance, identity_of_photo[m.photo_id] == identity)
                       for m in search.matches if m.photo_id in identity_of_photo]
            for level in STRICTNESS:
                hits = [theirs for d, theirs in matches if d <= thresholds.get(level)]
                recall = sum(hits) / n_photos_of[identity]
                rows.setdefault((name, level), []).append((recall, float(np.mean(hits)) if hits else 1.0))
            less_sure[name] += [theirs for d, theirs in matches if thresholds.stricter < d <= thresholds.default]

    print(f"{n_groups} groups with 2+ faces and a majority identity, {len(identity_of_photo)} labelled photos, "
          f"model {analyzer.model_version}")
    print(f"{'search':<10} {'level':<9} {'recall':>7} {'precision':>10}")
    for (name, level), values in rows.items():
        recall, precision = np.mean(values, axis=0)
        print(f"{name:<10} {level:<9} {recall:>7.3f} {precision:>10.3f}")
    for name, theirs in less_sure.items():
        share = f"{np.mean(theirs):.3f}" if theirs else "-"
        print(f"{name}: photos between 'stricter' and 'default' ('Less sure' on the page): {len(theirs)}, "
              f"theirs {share}")


if __name__ == "__main__":
    main()
