"""`app.py train` end to end on 200 real images: crop cache, one epoch, exported model and card."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from tests.conftest import REPO


def test_train_command_smoke_run(shared_data, tmp_path):
    output = tmp_path / "weights" / "face_model.keras"
    cmd = [
        sys.executable, "app.py", "train", "--data-root", str(shared_data), "--cache-dir", str(tmp_path / "crops"),
        "--run-dir", str(tmp_path / "run"), "--output", str(output), "--epochs", "1", "--limit", "200",
        "--batch-size", "32",
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    assert metrics["epoch"] == 1 and np.isfinite(metrics["total"])
    assert 0 <= metrics["val_accuracy"] <= 1
    card = json.loads(output.with_suffix(".json").read_text())
    assert card["version"].startswith("mnv2-") and card["training_images"] > 100
    history = (tmp_path / "run" / "history.jsonl").read_text().splitlines()
    assert len(history) == 1

    from model.faces import FaceAnalyzer

    analyzer = FaceAnalyzer(weights=output)
    embeddings, attributes = analyzer.embed(np.zeros((3, 112, 112, 3), np.uint8))
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-4) and attributes.shape == (3, 40)

    # A second run with the same run dir resumes: one more epoch requested, one more epoch trained.
    done = subprocess.run([*cmd[:-6], "--epochs", "2", "--limit", "200", "--batch-size", "32"], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 2
