"""`app.py eval verify` and `app.py eval attributes` give exactly the right metrics on tiny known sets."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from itertools import combinations

import numpy as np
import pytest

from app import main
from model.evaluate import largest_faces
from model.labels import read_attribute_file, read_identity_file
from model.matching import TEMPLATE_FACES, measure_template_search
from tests.conftest import MODEL_FIXTURES

PEOPLE = MODEL_FIXTURES / "people"
ONE_PERSON = MODEL_FIXTURES / "one_person"  # seven more photos of identity 4931
ATTRS = MODEL_FIXTURES / "attributes"


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def _embeddings(analyzer, paths) -> dict:
    """Largest-face embeddings as the eval commands compute them (MTCNN batches them the same way)."""
    unique = sorted(set(paths))
    embeddings, attributes, _ = largest_faces(analyzer, unique)
    return {p: (e, a) for p, e, a in zip(unique, embeddings, attributes)}


def _best_threshold(d: np.ndarray, same: np.ndarray) -> float:
    """Brute force: the smallest distance cut with the best accuracy, moved halfway to the next distance."""
    cuts = np.sort(np.unique(d))
    accuracy = [np.mean((d <= t) == same) for t in cuts]
    t = cuts[int(np.argmax(accuracy))]
    larger = cuts[cuts > t]
    return (t + larger[0]) / 2 if len(larger) else t


@pytest.fixture(scope="module")
def people_pairs():
    ids = read_identity_file(PEOPLE / "identity_CelebA.txt")
    files = sorted(ids)
    pairs = [(a, b, int(ids[a] == ids[b])) for a, b in combinations(files, 2)]
    same = [p for p in pairs if p[2]][:6]
    different = [p for p in pairs if not p[2]][::9][:6]
    return same + different


def test_eval_verify_csv(analyzer, people_pairs, tmp_path, capsys):
    pairs_file = tmp_path / "pairs.csv"
    pairs_file.write_text("path1,path2,same\n" + "".join(f"{a},{b},{s}\n" for a, b, s in people_pairs))
    assert main(["eval", "verify", "--pairs", str(pairs_file), "--images", str(PEOPLE)]) == 0
    got = _last_json(capsys)

    emb = _embeddings(analyzer, [PEOPLE / f for p in people_pairs for f in p[:2]])
    d = np.array([np.linalg.norm(emb[PEOPLE / a][0] - emb[PEOPLE / b][0]) for a, b, _ in people_pairs])
    same = np.array([s == 1 for *_, s in people_pairs])
    t = _best_threshold(d, same)  # fewer than 20 pairs: one fold, threshold chosen on all of them
    assert got["n_pairs"] == 12 and got["n_no_face"] == 0 and "person_search" not in got  # no --identities
    assert got["accuracy"] == pytest.approx(np.mean((d <= t) == same), abs=1e-9)
    assert got["accuracy_std"] == 0
    assert got["threshold"] == pytest.approx(t, abs=1e-4)
    assert got["far"] == pytest.approx(np.mean(d[~same] <= t), abs=1e-9)
    assert got["frr"] == pytest.approx(np.mean(d[same] > t), abs=1e-9)
    strict = d[~same].min()  # TAR at FAR 1e-3 with 6 negatives: accept only below every impostor
    assert got["tar_at_far_1e-3"] == pytest.approx(np.mean(d[same] < strict), abs=1e-9)


def test_eval_verify_measures_searching_with_a_persons_faces(analyzer, tmp_path, capsys):
    """`--identities`: templates of 1 to TEMPLATE_FACES faces of each person with more, over the pair images."""
    images = tmp_path / "images"
    images.mkdir()
    ids = read_identity_file(PEOPLE / "identity_CelebA.txt") | {p.name: "4931" for p in ONE_PERSON.glob("*.jpg")}
    for f in ids:
        shutil.copy((PEOPLE if (PEOPLE / f).exists() else ONE_PERSON) / f, images / f)
    files = sorted(ids)
    (tmp_path / "identities.txt").write_text("image identity\n" + "".join(f"{f} {ids[f]}\n" for f in files))
    pairs = [(a, b, int(ids[a] == ids[b])) for a, b in zip(files, files[1:] + files[:1])]  # every image in a pair
    (tmp_path / "pairs.csv").write_text("path1,path2,same\n" + "".join(f"{a},{b},{s}\n" for a, b, s in pairs))
    assert main(["eval", "verify", "--pairs", str(tmp_path / "pairs.csv"), "--images", str(images),
                 "--identities", str(tmp_path / "identities.txt")]) == 0
    got = _last_json(capsys)["person_search"]

    emb = _embeddings(analyzer, [images / f for f in files])
    embeddings, people = np.stack([emb[images / f][0] for f in files]), [ids[f] for f in files]
    assert got["n_images"] == 19 and list(got["by_faces"]) == [str(n) for n in range(1, TEMPLATE_FACES + 1)]
    assert got["by_faces"][str(TEMPLATE_FACES)]["n_people"] == 1  # only identity 4931 has more than that
    for n in range(1, TEMPLATE_FACES + 1):
        expected = measure_template_search(embeddings, people, n)
        assert got["by_faces"][str(n)] == {"n_people": expected.n_people, "thresholds": asdict(expected.thresholds),
                                           "tar": expected.tar, "far": expected.far,
                                           "far_curve": [list(point) for point in expected.far_curve]}


def test_eval_verify_lfw_folds(analyzer, people_pairs, tmp_path, capsys):
    images = tmp_path / "lfw"
    ids = read_identity_file(PEOPLE / "identity_CelebA.txt")
    number = {}
    for f in sorted(ids):  # LFW layout: DIR/name/name_%04d.jpg
        name = f"person_{ids[f]}"
        number[f] = sum(1 for g in number if ids[g] == ids[f]) + 1
        (images / name).mkdir(parents=True, exist_ok=True)
        shutil.copy(PEOPLE / f, images / name / f"{name}_{number[f]:04d}.jpg")
    same = [p for p in people_pairs if p[2]]
    different = [p for p in people_pairs if not p[2]]
    lines = ["2\t3"]  # 2 folds of 3 same + 3 different pairs
    for fold in range(2):
        for a, b, _ in same[fold * 3 : fold * 3 + 3]:
            lines.append(f"person_{ids[a]}\t{number[a]}\t{number[b]}")
        for a, b, _ in different[fold * 3 : fold * 3 + 3]:
            lines.append(f"person_{ids[a]}\t{number[a]}\tperson_{ids[b]}\t{number[b]}")
    pairs_file = tmp_path / "pairs.txt"
    pairs_file.write_text("\n".join(lines) + "\n")
    assert main(["eval", "verify", "--pairs", str(pairs_file), "--images", str(images)]) == 0
    got = _last_json(capsys)

    ordered = same[:3] + different[:3] + same[3:6] + different[3:6]
    path = {f: images / f"person_{ids[f]}" / f"person_{ids[f]}_{number[f]:04d}.jpg" for p in ordered for f in p[:2]}
    emb = _embeddings(analyzer, list(path.values()))
    d = np.array([np.linalg.norm(emb[path[a]][0] - emb[path[b]][0]) for a, b, _ in ordered])
    truth = np.array([s == 1 for *_, s in ordered])
    folds = np.repeat([0, 1], 6)
    accuracies = []
    for f in (0, 1):
        t = _best_threshold(d[folds != f], truth[folds != f])
        accuracies.append(np.mean((d[folds == f] <= t) == truth[folds == f]))
    assert got["n_pairs"] == 12
    assert got["accuracy"] == pytest.approx(np.mean(accuracies), abs=1e-9)
    assert got["accuracy_std"] == pytest.approx(np.std(accuracies), abs=1e-9)


def test_eval_attributes(analyzer, capsys):
    labels_file = ATTRS / "list_attr_celeba.txt"
    assert main(["eval", "attributes", "--labels", str(labels_file), "--images", str(ATTRS)]) == 0
    got = _last_json(capsys)

    names, labels = read_attribute_file(labels_file)
    files = sorted(labels)
    emb = _embeddings(analyzer, [ATTRS / f for f in files])
    probs = np.stack([emb[ATTRS / f][1] for f in files])
    truth = np.stack([labels[f] for f in files]) > 0
    assert got["n_images"] == len(files) and got["n_no_face"] == 0
    for j, name in enumerate(names):
        pred = probs[:, j] > analyzer.attribute_base_rates[j]
        y = truth[:, j]
        row = got["per_attribute"][name]
        assert row["accuracy"] == pytest.approx(np.mean(pred == y), abs=1e-9)
        assert row["majority_baseline"] == pytest.approx(max(y.mean(), 1 - y.mean()), abs=1e-9)
        assert row["labelled_share"] == pytest.approx(y.mean()) and row["mean_probability"] == pytest.approx(probs[:, j].mean())
        if 0 < y.sum() < len(y):
            recall_pos, recall_neg = pred[y].mean(), (~pred[~y]).mean()
            assert row["balanced_accuracy"] == pytest.approx((recall_pos + recall_neg) / 2, abs=1e-9)
    assert got["mean_accuracy"] == pytest.approx(np.mean([v["accuracy"] for v in got["per_attribute"].values()]))


def test_bad_pairs_file_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "pairs.txt"
    bad.write_text("this is not a pairs file\n")
    assert main(["eval", "verify", "--pairs", str(bad), "--images", str(tmp_path)]) == 2
    assert "error:" in capsys.readouterr().err


def test_an_unusable_identity_file_is_a_clear_error_before_any_model_work(tmp_path, capsys):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("path1,path2,same\n183006.jpg,183034.jpg,1\n")
    missing = main(["eval", "verify", "--pairs", str(pairs), "--images", str(PEOPLE), "--identities",
                    str(tmp_path / "nope.txt")])
    assert missing == 2 and "nope.txt" in capsys.readouterr().err
    other = tmp_path / "identities.txt"
    other.write_text("image identity\n000001.jpg 1\n")
    assert main(["eval", "verify", "--pairs", str(pairs), "--images", str(PEOPLE), "--identities", str(other)]) == 2
    assert "labels none of the pair images" in capsys.readouterr().err


def test_pairs_of_one_kind_or_none_are_refused_before_any_model_work(tmp_path, capsys):
    different = tmp_path / "different.csv"
    different.write_text("path1,path2,same\n183006.jpg,183034.jpg,0\n183034.jpg,183006.jpg,0\n")
    assert main(["eval", "verify", "--pairs", str(different), "--images", str(PEOPLE)]) == 2
    assert capsys.readouterr().err == (f"error: {different} has only different-person pairs: verification needs "
                                       "both same-person and different-person pairs\n")
    for header in ("path1,path2,same\n", "10\t300\n"):  # a CSV header, an LFW header
        empty = tmp_path / "header-only.txt"
        empty.write_text(header)
        assert main(["eval", "verify", "--pairs", str(empty), "--images", str(PEOPLE)]) == 2
        assert capsys.readouterr().err == f"error: {empty} has no pairs, only its header\n"
    assert main(["eval", "verify", "--pairs", str(tmp_path), "--images", str(PEOPLE)]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path} is a folder: give the pairs file")
