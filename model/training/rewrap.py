"""Re-export a saved model's network with the current inference wrapper (`model.network.wrap_for_inference`).

The weights stay as trained; what changes is how a crop reaches them (e.g. the centre crop). Embeddings
change with it, so the version gets a suffix, and the same-person thresholds come from `eval verify` of
the new file:

    python -m model.training.rewrap model/weights/face_model.keras /tmp/new/face_model.keras --suffix=-c93
    python app.py eval verify --pairs ... --images ... --weights /tmp/new/face_model.keras | tail -1 > /tmp/verify.json
    python -m model.training.rewrap model/weights/face_model.keras /tmp/new/face_model.keras --suffix=-c93 --verify /tmp/verify.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model.network import load_inference_model
from model.training.train import export


def rewrap(source: Path, output: Path, suffix: str, verify: Path | None = None) -> dict:
    """Write `output` (+ card) from `source`'s network; returns the card."""
    card = json.loads(source.with_suffix(".json").read_text())
    card["version"] = card["version"] + suffix
    card["rewrapped_from"] = source.name
    if verify is not None:
        measured = json.loads(verify.read_text().strip().splitlines()[-1])
        card["match_thresholds"] = measured["match_thresholds"]
        card["verification"] = {k: measured[k] for k in ("accuracy", "accuracy_std", "tar_at_far_1e-3", "n_pairs")}
    export(load_inference_model(source).get_layer("face_core"), output, card)
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--suffix", required=True, help="appended to the version, e.g. =-c93 (with the equals sign)")
    parser.add_argument("--verify", type=Path, default=None, help="the JSON line of `eval verify` on the output")
    args = parser.parse_args()
    if args.output.resolve() == args.source.resolve():
        parser.error("write to another file first; copy it over the source once measured")
    print(rewrap(args.source, args.output, args.suffix, args.verify)["version"])


if __name__ == "__main__":
    main()
