"""Face-model benchmark: load time, embedding throughput (batched), detection throughput, peak memory, file sizes.

Usage: python benchmarks/bench_model.py [--faces 1024] [--photos 8] [--weights FILE.keras]
Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.faces import FaceAnalyzer  # noqa: E402
from model.imaging import load_image  # noqa: E402
from model.runtime import runtime_path  # noqa: E402

PHOTO = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "model" / "group" / "multiface.jpg"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--faces", type=int, default=1024, help="aligned crops to embed")
    parser.add_argument("--photos", type=int, default=8, help="photos per detection size")
    parser.add_argument("--weights", type=Path, default=None, help="a saved model (default: the shipped one)")
    args = parser.parse_args()

    t0 = time.perf_counter()
    analyzer = FaceAnalyzer(weights=args.weights)
    analyzer.embed(np.zeros((1, 112, 112, 3), np.uint8))
    load = time.perf_counter() - t0  # the runtime file, LiteRT included: nothing here imports TensorFlow
    t0 = time.perf_counter()
    analyzer.detector.cascade.networks()  # MTCNN's three networks (converted on a machine's first run)
    detector_load = time.perf_counter() - t0

    photo = load_image(PHOTO)
    crops = np.stack([f.crop for f in analyzer.analyze(photo)])
    batch = np.resize(crops, (args.faces, 112, 112, 3))
    analyzer.embed(batch[:64])  # warm-up
    t0 = time.perf_counter()
    analyzer.embed(batch)
    embed_rate = args.faces / (time.perf_counter() - t0)

    rows = {"model_load_s": load, "detector_load_s": detector_load, "embed_faces_per_s": embed_rate}
    for label, size in (("1024px", (1024, 538)), ("4000x3000", (4000, 3000))):
        image = np.asarray(Image.fromarray(photo).resize(size, Image.Resampling.BILINEAR))
        analyzer.detect(image)  # warm-up for this size
        t0 = time.perf_counter()
        faces = [analyzer.analyze(image) for _ in range(args.photos)]
        rows[f"analyze_{label}_photos_per_s"] = args.photos / (time.perf_counter() - t0)
        rows[f"faces_found_{label}"] = len(faces[0])
    rows["peak_rss_mb"] = _peak_rss_mb()
    rows["weights_mb"] = analyzer.weights.stat().st_size / 1e6
    rows["runtime_file_mb"] = runtime_path(analyzer.weights).stat().st_size / 1e6
    for key, value in rows.items():
        print(f"{key:<32} {value:10.2f}")
    print(json.dumps({k: round(v, 3) for k, v in rows.items()}))


if __name__ == "__main__":
    main()
