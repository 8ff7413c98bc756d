"""`app.py train` end to end on 200 real images: crop cache, one epoch, exported model and card."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO


def test_train_command_smoke_run(shared_data, tmp_path):
    # With no --output the model goes in the run dir: the shipped model is replaced by hand only, once measured.
    output = tmp_path / "run" / "face_model.keras"
    shipped = REPO / "model" / "weights" / "face_model.keras"
    shipped_before = shipped.read_bytes()
    cmd = [
        sys.executable, "app.py", "train", "--data-root", str(shared_data), "--cache-dir", str(tmp_path / "crops"),
        "--run-dir", str(tmp_path / "run"), "--neighbour-weight", "0.5",
        "--bank-neighbour-weight", "0.5", "--student-bank-weight", "0.5", "--student-bank-momentum", "0.5",
        "--epochs", "1", "--limit", "200", "--batch-size", "32",
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert shipped.read_bytes() == shipped_before
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    assert metrics["epoch"] == 1 and np.isfinite(metrics["total"]) and metrics["neighbours"] > 0 and metrics["bank_neighbours"] > 0
    assert metrics["student_bank"] > 0
    assert 0 <= metrics["val_accuracy"] <= 1
    card = json.loads(output.with_suffix(".json").read_text())
    assert card["version"].startswith("mnv2-") and card["training_images"] > 100
    assert len(card["attribute_base_rates"]) == 40 and all(0 < r < 1 for r in card["attribute_base_rates"])
    history = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1

    from model.faces import FaceAnalyzer

    analyzer = FaceAnalyzer(weights=output)
    embeddings, attributes = analyzer.embed(np.zeros((3, 112, 112, 3), np.uint8))
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-4) and attributes.shape == (3, 40)

    # A second run with the same run dir resumes: one more epoch requested, one more epoch trained (its model
    # written only if it validates better).
    done = subprocess.run([*cmd[:-6], "--epochs", "2", "--limit", "200", "--batch-size", "32"], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 2


def test_warm_start_copies_the_shipped_weights_at_any_input_size():
    from model.faces import DEFAULT_WEIGHTS
    from model.network import build_core, load_inference_model
    from model.training.train import Recipe, _version, warm_start

    shipped = load_inference_model(DEFAULT_WEIGHTS).get_layer("face_core")
    stride = shipped.input_shape[1] // shipped.get_layer("gdc").kernel.shape[0]
    width = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())["recipe"]["width"]
    same_size = build_core(shipped.input_shape[1], width, stride)
    warm_start(same_size, DEFAULT_WEIGHTS)
    crops = np.random.default_rng(0).uniform(0, 255, (4, *shipped.input_shape[1:])).astype(np.float32)
    assert np.allclose(same_size(crops)[0], shipped(crops)[0], atol=1e-5)

    larger = build_core(shipped.input_shape[1] + 32, width, stride)
    warm_start(larger, DEFAULT_WEIGHTS)
    for target, source in zip(larger.weights, shipped.weights):
        if "gdc" in target.path and target.shape != source.shape:  # resampled, pooled response kept
            assert np.allclose(target.numpy().sum(axis=(0, 1)), source.numpy().sum(axis=(0, 1)), atol=1e-4)
        else:
            assert np.array_equal(target.numpy(), source.numpy())
    recipe = Recipe(input_size=96, init_from=str(DEFAULT_WEIGHTS))
    assert _version(recipe, 20).startswith("mnv2-0.5-96-e20+mnv2-")


def test_warm_start_into_a_wider_network_keeps_what_it_computes():
    from model.faces import DEFAULT_WEIGHTS
    from model.network import build_core, load_inference_model
    from model.training.train import _all_layers, warm_start

    shipped = load_inference_model(DEFAULT_WEIGHTS).get_layer("face_core")
    recipe = json.loads(DEFAULT_WEIGHTS.with_suffix(".json").read_text())["recipe"]
    wider = build_core(recipe["input_size"], recipe["width"] + 0.25, recipe["output_stride"])
    assert wider.count_params() > 1.3 * shipped.count_params()
    warm_start(wider, DEFAULT_WEIGHTS)
    crops = np.random.default_rng(3).uniform(0, 255, (4, *shipped.input_shape[1:])).astype(np.float32)
    for kept, saved in zip(wider(crops, training=False), shipped(crops, training=False)):
        assert np.allclose(kept, saved, atol=1e-5)
    wide_conv, saved_conv = (next(l for l in _all_layers(c) if l.name == "Conv_1").kernel for c in (wider, shipped))
    assert not np.any(wide_conv.numpy()[:, :, saved_conv.shape[2]:, :])  # new input channels are read as zero
    with pytest.raises(ValueError, match="cannot map"):
        warm_start(build_core(recipe["input_size"], recipe["width"] - 0.25, recipe["output_stride"]), DEFAULT_WEIGHTS)


def test_rewrap_keeps_the_network_and_takes_the_measured_thresholds(tmp_path):
    from model.faces import DEFAULT_WEIGHTS, FaceAnalyzer
    from model.training.rewrap import rewrap

    def measured_search(default: float) -> dict:
        return {"n_people": 9, "thresholds": {"stricter": default - 0.1, "default": default, "looser": default + 0.1},
                "tar": {}, "far": {}, "far_curve": [[0.01, default - 0.1], [0.001, default - 0.3]]}

    measured = {"accuracy": 0.9, "accuracy_std": 0.01, "tar_at_far_1e-3": 0.4, "n_pairs": 6000,
                "match_thresholds": {"stricter": 0.9, "default": 1.0, "looser": 1.1},
                "person_search": {"n_images": 99, "by_faces": {"1": measured_search(0.99), "2": measured_search(0.97),
                                                               "5": measured_search(0.95)}}}
    verify = tmp_path / "verify.txt"
    verify.write_text("Verification on 6000 pairs\n  accuracy 0.9\n" + json.dumps(measured) + "\n")
    output = tmp_path / "new" / "face_model.keras"
    card = rewrap(DEFAULT_WEIGHTS, output, "-test", verify)

    shipped, rewrapped = FaceAnalyzer(None), FaceAnalyzer(output)
    assert rewrapped.model_version == shipped.model_version + "-test" == card["version"]
    assert rewrapped.match_thresholds.default == 1.0 and card["verification"]["accuracy"] == 0.9
    # From `eval verify --identities`: one face keeps the pairs' thresholds, a template takes its count's,
    # and a template of more than 5 faces the 5-face ones.
    assert [rewrapped.search_thresholds(n).default for n in (1, 2, 5, 40)] == [1.0, 0.97, 0.95, 0.95]
    # and the curve of its count for a library of more than a thousand faces: among 10,000, 0.1% of strangers.
    assert [rewrapped.search_thresholds(n, 10_000).stricter for n in (1, 2, 5)] == [0.69, 0.67, 0.65]
    crops = np.random.default_rng(1).integers(0, 256, (3, 112, 112, 3)).astype(np.uint8)
    assert np.allclose(rewrapped.embed(crops)[0], shipped.embed(crops)[0], atol=1e-5)
    assert card["attribute_base_rates"] == shipped.card["attribute_base_rates"]


def test_base_rates_turn_attribute_scores_into_probabilities():
    from model.faces import DEFAULT_WEIGHTS
    from model.network import load_inference_model, wrap_for_inference

    core = load_inference_model(DEFAULT_WEIGHTS).get_layer("face_core")
    rates = np.linspace(0.02, 0.9, 40)
    crops = np.random.default_rng(2).uniform(0, 255, (5, 112, 112, 3)).astype(np.float32)
    scores = wrap_for_inference(core)(crops)["attributes"].numpy()  # class-balanced: 0.5 = the base rate
    probabilities = wrap_for_inference(core, rates)(crops)["attributes"].numpy()

    def logit(p):
        return np.log(p / (1 - p))

    assert np.allclose(logit(probabilities), logit(scores) + logit(rates), atol=1e-3)
    assert np.array_equal(probabilities > rates, scores > 0.5)


def test_output_stride_16_doubles_the_final_map_takes_stride_32_weights_and_survives_saving(tmp_path):
    from model.network import build_core, load_inference_model, wrap_for_inference
    from model.training.train import Recipe, _version, warm_start

    coarse, fine = build_core(96), build_core(96, output_stride=16)
    assert coarse.get_layer("gdc").kernel.shape[:2] == (3, 3) and fine.get_layer("gdc").kernel.shape[:2] == (6, 6)
    wrap_for_inference(coarse).save(tmp_path / "s32.keras")
    warm_start(fine, tmp_path / "s32.keras")
    pairs = list(zip(fine.weights, coarse.weights))
    assert [t.path for t, s in pairs if t.shape != s.shape] == [fine.get_layer("gdc").kernel.path]  # resampled
    assert all(np.array_equal(t.numpy(), s.numpy()) for t, s in pairs if t.shape == s.shape)

    path = tmp_path / "s16.keras"
    wrap_for_inference(fine).save(path)
    crops = np.random.default_rng(2).uniform(0, 255, (2, 112, 112, 3)).astype(np.float32)
    assert np.allclose(load_inference_model(path)(crops)["embedding"], wrap_for_inference(fine)(crops)["embedding"], atol=1e-5)
    assert _version(Recipe(input_size=96, output_stride=16), 3) == "mnv2-0.5-96-s16-e3"
    with pytest.raises(ValueError, match="output stride"):
        build_core(96, output_stride=8)
