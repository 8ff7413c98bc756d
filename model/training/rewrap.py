"""Re-export a saved model's network with the current inference wrapper (`model.network.wrap_for_inference`).

The weights stay as trained; what changes is how a crop reaches them (e.g. the centre crop). Embeddings
change with it, so the version gets a suffix, and the same-person thresholds come from `eval verify` of
the new file:

    python -m model.training.rewrap model/weights/face_model.keras /tmp/new/face_model.keras --suffix=-c93
    python app.py eval verify --pairs ... --images ... --identities ... --weights /tmp/new/face_model.keras | tail -1 > /tmp/verify.json
    python -m model.training.rewrap model/weights/face_model.keras /tmp/new/face_model.keras --suffix=-c93 --verify /tmp/verify.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from model.network import load_inference_model
from model.training.train import export


def rewrap(
    source: Path, output: Path, suffix: str, verify: Path | None = None,
    data_root: Path = Path("../shared/data"), cache_dir: Path = Path("cache/crops"),
) -> dict:
    """Write `output` (+ card) from `source`'s network; returns the card.

    A card from before `attribute_base_rates` gets them from the training set (data_root, crop cache),
    as training computes them, so the output returns attribute probabilities.
    """
    card = json.loads(source.with_suffix(".json").read_text())
    if "attribute_base_rates" not in card:
        from model.training.crops import build_all
        from model.training.data import attribute_base_rates, build_training_set

        ts = build_training_set(data_root, build_all(data_root, cache_dir))
        card["attribute_base_rates"] = [round(float(r), 5) for r in attribute_base_rates(ts)]
    card["version"] = card["version"] + suffix
    card["rewrapped_from"] = source.name
    if verify is not None:
        measured = json.loads(verify.read_text().strip().splitlines()[-1])
        card["match_thresholds"] = measured["match_thresholds"]
        if "person_search" in measured:  # `eval verify --identities`
            by_faces = measured["person_search"]["by_faces"]
            card["template_thresholds"] = {n: m["thresholds"] for n, m in by_faces.items() if n != "1"}
            if all("far_curve" in m for m in by_faces.values()):  # measured since session 30
                card["search_far_curves"] = {n: m["far_curve"] for n, m in by_faces.items()}
        card["verification"] = {k: measured[k] for k in ("accuracy", "accuracy_std", "tar_at_far_1e-3", "n_pairs")}
    export(load_inference_model(source).get_layer("face_core"), output, card)
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("output", type=Path)
    parser.add_argument("--suffix", required=True, help="appended to the version, e.g. =-c93 (with the equals sign)")
    parser.add_argument("--verify", type=Path, default=None, help="the JSON line of `eval verify` on the output")
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"), help="for a card without base rates")
    parser.add_argument("--cache-dir", type=Path, default=Path("cache/crops"), help="aligned-crop cache (as train's)")
    args = parser.parse_args()
    if args.output.resolve() == args.source.resolve():
        parser.error("write to another file first; copy it over the source once measured")
    print(rewrap(args.source, args.output, args.suffix, args.verify, args.data_root, args.cache_dir)["version"])


if __name__ == "__main__":
    main()
