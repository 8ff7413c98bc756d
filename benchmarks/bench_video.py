"""Find in a large video: the search's peak memory and speed for a 4K or 8K clip (`dashapp.find.search_video`).

Usage: python benchmarks/bench_video.py [--width 7680] [--height 4320] [--seconds 20]

Makes a clip of `--seconds` at 2 frames per second, `--width` x `--height` pixels (H.264), one fixture face on a
plain background, and searches it for that face (sampled every second) in a fresh process, its resident memory
sampled during the search (and before it, with the model loaded). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FACE = REPO / "tests" / "fixtures" / "group" / "photos" / "obama_3.jpg"
QUERY = REPO / "tests" / "fixtures" / "group" / "photos" / "obama_1.jpg"

# Runs in a fresh process: the analyser loaded, then one search, its resident memory sampled every 10 ms (the
# process's high-water mark is the model's loading); prints the peaks (MB), samples and seconds.
SEARCH = """
import json, os, sys, tempfile, threading, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from dashapp.find import search_video
from model.faces import FaceAnalyzer
from model.imaging import load_image

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

analyzer = FaceAnalyzer()
query = analyzer.analyze(load_image({query!r}))[0].embedding
before = peak = rss_mb()
done = threading.Event()

def sample():
    global peak
    while not done.wait(0.01):
        peak = max(peak, rss_mb())

threading.Thread(target=sample, daemon=True).start()
start = time.perf_counter()
result = search_video(analyzer, query, Path({video!r}), 1.0, Path(tempfile.mkdtemp()), "v")
seconds = time.perf_counter() - start
done.set()
print(json.dumps(dict(rss_before_mb=before, peak_mb=max(peak, rss_mb()), samples=len(result.samples),
                      found=sum(s.thumb is not None for s in result.samples), seconds=seconds, error=result.error)))
"""


def make_clip(path: Path, width: int, height: int, seconds: int) -> None:
    """An H.264 clip at 2 frames per second showing the fixture face, enlarged, on a plain background."""
    import av
    import numpy as np
    from PIL import Image

    face = Image.open(FACE).convert("RGB")
    canvas = Image.new("RGB", (width, height), (90, 110, 130))
    scale = max(1, height // (3 * face.height))
    canvas.paste(face.resize((face.width * scale, face.height * scale)), (width // 3, height // 3))
    frame = np.asarray(canvas)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=2)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for _ in range(2 * seconds):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--width", type=int, default=7680)
    parser.add_argument("--height", type=int, default=4320)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        make_clip(clip, args.width, args.height, args.seconds)
        code = SEARCH.format(repo=str(REPO), query=str(QUERY), video=str(clip))
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
        result = json.loads(done.stdout.strip().splitlines()[-1])
    result.update(width=args.width, height=args.height, video_seconds=args.seconds)
    print(f"{args.width}x{args.height}, {args.seconds} s: {result['samples']} samples ({result['found']} with the face) "
          f"in {result['seconds']:.1f} s; peak memory during the search {result['peak_mb']:.0f} MB "
          f"({result['rss_before_mb']:.0f} MB with the model loaded, before it)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
