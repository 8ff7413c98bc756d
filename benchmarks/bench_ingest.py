"""Ingest throughput and peak memory: Face Album vs the face_recognition library, same photos, one run.

    .venv/bin/python benchmarks/bench_ingest.py [--photos DIR] [--limit N] [--fr-python /work/fr-venv/bin/python]

Both run as fresh processes on a copy of the same photos, with both CPU cores (our ingest's two
worker processes; face_recognition's pipeline in a 2-process pool like `face_recognition --cpus 2`).
Wall time includes model loading. Peak memory is the largest sum of RSS over each process tree.
With `--truth` (identity_CelebA.txt format) it also scores clustering: ours (defaults) and
face_recognition's encodings with dlib's Chinese Whispers, on each photo's largest face.
The face_recognition environment is separate (requirements-bench.txt); without it only ours runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "album-celeba-wild"

from model.faces import DEFAULT_WEIGHTS, copy_model  # noqa: E402


def _tree_rss(pid: int) -> int:
    """Bytes of RSS of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, str, float]:
    """(wall seconds, peak tree RSS bytes, stdout, CPU seconds of the whole process tree) of a command."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[:3]} failed with {proc.returncode}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, peak, out, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=DATA / "photos")
    parser.add_argument("--truth", type=Path, default=DATA / "identity_CelebA.txt")
    parser.add_argument("--limit", type=int, default=None, help="only the first N photos")
    parser.add_argument("--fr-python", type=Path, default=Path("/work/fr-venv/bin/python"))
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    files = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})[: args.limit]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    rows = {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        album = Path(tmp) / "album"
        album.mkdir()
        for f in files:
            shutil.copy(f, album / f.name)
        data = Path(tmp) / "library"
        # A private copy of the weights: a training run may replace the file meanwhile.
        weights = copy_model(DEFAULT_WEIGHTS, Path(tmp) / "weights")
        cmd = [sys.executable, "app.py", "ingest", "--data-dir", str(data), "--no-cluster",
               "--workers", str(args.workers), "--weights", str(weights), str(album)]
        seconds, peak, _, cpu = run_measured(cmd, env)
        from dashapp.config import load_config
        from dashapp.store import Store

        store = Store.open(load_config(data))
        n_faces = store.faces.count()
        with_face = sum(1 for p in store.photos.all("done") if p.n_faces)
        rows["face album"] = dict(photos=len(files), faces=n_faces, photos_with_face=with_face, seconds=seconds,
                                  cpu=cpu, peak_mb=peak / 2**20)
        again, peak, _, cpu = run_measured(cmd, env)
        rows["face album (re-ingest, unchanged)"] = dict(photos=len(files), faces=n_faces, photos_with_face=with_face,
                                                         seconds=again, cpu=cpu, peak_mb=peak / 2**20)

        fr_npz = Path(tmp) / "fr.npz"
        if args.fr_python.exists():
            fr_cmd = [str(args.fr_python), str(REPO / "benchmarks" / "fr_pipeline.py"), str(album), "--out", str(fr_npz), "--cpus", "2"]
            seconds, peak, out, cpu = run_measured(fr_cmd)
            info = json.loads(out.strip().splitlines()[-1])
            rows["face_recognition (dlib HOG + ResNet)"] = dict(
                photos=info["photos"], faces=info["faces"], photos_with_face=info["photos_with_face"], seconds=seconds,
                cpu=cpu, peak_mb=peak / 2**20,
            )
        else:
            print(f"(face_recognition environment not found at {args.fr_python}: see requirements-bench.txt)")

        print(f"Ingest of {len(files)} photos from {args.photos} ({os.cpu_count()} CPU cores)")
        print(f"{'pipeline':<40}{'faces':>7}{'with face':>10}{'seconds':>9}{'photos/s':>10}{'faces/s':>9}"
              f"{'CPU s':>8}{'CPU s/photo':>12}{'peak MB':>9}")
        for name, r in rows.items():
            print(f"{name:<40}{r['faces']:>7}{r['photos_with_face']:>10}{r['seconds']:>9.1f}"
                  f"{r['photos'] / r['seconds']:>10.2f}{r['faces'] / r['seconds']:>9.2f}{r['cpu']:>8.1f}"
                  f"{r['cpu'] / r['photos']:>12.3f}{r['peak_mb']:>9.0f}")
        fr_row = rows.get("face_recognition (dlib HOG + ResNet)")
        if fr_row:
            ours = rows["face album"]
            print(f"speed-up, ours / face_recognition: {fr_row['seconds'] / ours['seconds']:.2f}x photos/s (wall), "
                  f"{fr_row['cpu'] / ours['cpu']:.2f}x CPU time per photo")
            print("(wall times depend on what else runs on the machine; CPU time per photo much less)")

        if args.truth and args.truth.exists():
            _clustering_comparison(store, album, args.truth, fr_npz if fr_npz.exists() else None)
    return 0


def _clustering_comparison(store, album: Path, truth_file: Path, fr_npz: Path | None) -> None:
    """BCubed F on each photo's largest face: our defaults vs face_recognition + Chinese Whispers."""
    import numpy as np

    from dashapp.clustering import recluster
    from dashapp.commands import read_identities
    from model.cluster_metrics import cluster_scores

    truth = read_identities(truth_file)
    recluster(store, project=False)
    ours_t, ours_p = [], []
    for name, identity in truth.items():
        photo = store.photos.by_path(album / name)
        faces = store.faces.of_photo(photo.id) if photo else []
        if faces:
            ours_t.append(identity)
            person = store.assignments.person_of([faces[0].id])[faces[0].id]
            ours_p.append(-1 if person is None else person)
    print(f"{'clustering (largest face per photo)':<40}{'faces':>7}{'BCubed P':>10}{'R':>7}{'F':>7}")
    s = cluster_scores(ours_t, ours_p)
    print(f"{'face album (HDBSCAN + constraints)':<40}{len(ours_t):>7}{s['bcubed_precision']:>10.3f}{s['bcubed_recall']:>7.3f}{s['bcubed_f']:>7.3f}")
    if fr_npz is None:
        return
    fr = np.load(fr_npz)
    best: dict[str, tuple[float, int]] = {}
    for i, (name, box) in enumerate(zip(fr["names"].tolist(), fr["boxes"])):
        area = float(box[2] * box[3])
        if name not in best or area > best[name][0]:
            best[name] = (area, i)
    fr_t = [truth[n] for n in best if n in truth]
    fr_p = [int(fr["labels"][best[n][1]]) for n in best if n in truth]
    s = cluster_scores(fr_t, fr_p)
    print(f"{'face_recognition + Chinese Whispers 0.5':<40}{len(fr_t):>7}{s['bcubed_precision']:>10.3f}{s['bcubed_recall']:>7.3f}{s['bcubed_f']:>7.3f}")
    # Our clustering on face_recognition's encodings: the clustering method alone, same embeddings.
    from model.clustering import cluster_faces

    _, photo_ids = np.unique(fr["names"], return_inverse=True)
    labels = cluster_faces(fr["encodings"], photo_ids).labels
    s = cluster_scores(fr_t, [int(labels[best[n][1]]) for n in best if n in truth])
    print(f"{'face_recognition + our clustering':<40}{len(fr_t):>7}{s['bcubed_precision']:>10.3f}{s['bcubed_recall']:>7.3f}{s['bcubed_f']:>7.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
