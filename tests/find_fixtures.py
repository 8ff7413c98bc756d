"""Real inputs for the "Find a person" tests: a library of the group photos, queries, and videos made here.

The library holds the fixture group photos except the query photos, so each query person's other photos
are the right answer. The obama faces are named, so a search can say who it found.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
from PIL import Image

from dashapp.config import load_config
from dashapp.ingest import IngestOptions, ingest
from dashapp.store import Store
from model.labels import read_identity_file

PHOTOS = Path(__file__).resolve().parent / "fixtures" / "group" / "photos"
PEOPLE = Path(__file__).resolve().parent / "fixtures" / "model" / "people"  # 4 CelebA identities, 3 photos each
ONE_PERSON = PEOPLE.parent / "one_person"  # seven more photos of identity 4931
# query photo -> the library photos of the same person (no other photo shows them)
QUERIES = {
    "obama_3.jpg": {"obama_1.jpg", "obama_2.jpg", "obama_and_biden.jpg"},
    "rose_1.jpg": {"rose_2.jpg", "kit_with_rose.jpg"},
    "biden_2.jpg": {"biden_1.jpg", "obama_and_biden.jpg"},
}
NAME = "Barack Example"  # given to the obama faces of the library
VIDEO_SIZE = (640, 480)
FPS = 10


def build_find_library(root: Path, analyzer) -> tuple[Path, Store]:
    """Ingest the group photos (less the queries) into `root/data`, in this process with the session model."""
    album = root / "album"
    album.mkdir(parents=True)
    for photo in sorted(PHOTOS.glob("*.jpg")):
        if photo.name not in QUERIES:
            shutil.copy(photo, album / photo.name)
    config = load_config(root / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    obama = [store.faces.of_photo(store.photos.by_path(album / n).id)[0].id for n in ("obama_1.jpg", "obama_2.jpg")]
    store.people.move_faces_to_name(obama, NAME)
    return config.data_dir, store


def build_one_person_library(root: Path, analyzer) -> tuple[Store, dict[str, list]]:
    """Ingest the people fixtures and ten photos of identity 4931 into `root/data` (in this process, with the
    session model); returns the store and each identity's faces (the largest of each photo), oldest first."""
    config = load_config(root / "data")
    store = Store.open(config)
    ingest(store, config, [PEOPLE, ONE_PERSON], IngestOptions(analyzer=analyzer))
    identities = read_identity_file(PEOPLE / "identity_CelebA.txt") | {p.name: "4931" for p in ONE_PERSON.glob("*.jpg")}
    faces_of: dict[str, list] = {}
    for photo in store.photos.all(status="done"):
        faces_of.setdefault(identities[Path(photo.path).name], []).append(store.faces.of_photo(photo.id)[0])
    return store, {who: sorted(faces, key=lambda f: f.id) for who, faces in faces_of.items()}


def framed(photo: Path | None) -> np.ndarray:
    """A video frame: the photo fitted into VIDEO_SIZE on a plain background (None: background only)."""
    canvas = Image.new("RGB", VIDEO_SIZE, (90, 110, 130))
    if photo is not None:
        img = Image.open(photo).convert("RGB")
        img.thumbnail(VIDEO_SIZE)
        canvas.paste(img, ((VIDEO_SIZE[0] - img.width) // 2, (VIDEO_SIZE[1] - img.height) // 2))
    return np.asarray(canvas)


def write_video(path: Path, parts: list[tuple[Path | None, float]], codec: str = "libx264", *, first_pts: int = 0,
                container_format: str | None = None, display: tuple[int, bool, bool] | None = None,
                options: dict | None = None, keyframe_every: int | None = None) -> Path:
    """A video (PyAV; an H.264 MP4 by default) showing each (photo, seconds) part in turn, at FPS frames per second.

    first_pts: the first frame's timestamp in frames (a recording that does not start at 0); container_format:
    e.g. "mpegts" or "h264" (a raw stream, no timestamps); display: a display matrix (rotation in degrees, hflip,
    vflip) for the player to apply; options: the muxer's (e.g. {"movflags": "faststart"}); keyframe_every: frames
    between key frames (1: each frame stands alone, so a cut file keeps every frame before the cut).
    """
    import av

    with av.open(str(path), "w", format=container_format, options=options or {}) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *VIDEO_SIZE, "yuv420p"
        if keyframe_every is not None:
            stream.codec_context.gop_size = keyframe_every
        if display is not None:
            stream.set_display_rotation(display[0], hflip=display[1], vflip=display[2])
        n = first_pts
        for photo, seconds in parts:
            image = framed(photo)
            for _ in range(round(seconds * FPS)):
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                frame.pts, n = n, n + 1
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def person_video(path: Path) -> Path:
    """3 s of obama, 4 s of an empty scene, 3 s of obama again (two other photos of him than the query)."""
    return write_video(path, [(PHOTOS / "obama_1.jpg", 3), (None, 4), (PHOTOS / "obama_2.jpg", 3)])


def no_face_photo(path: Path) -> Path:
    """A photo with no face in it: a smooth gradient."""
    ramp = np.linspace(0, 255, 400, dtype=np.uint8)
    Image.fromarray(np.stack([np.tile(ramp, (300, 1))] * 3, axis=-1)).save(path, "JPEG")
    return path


def song_with_cover(path: Path, cover: Path, seconds: float = 5) -> Path:
    """An MP3 of quiet noise with `cover` (a JPEG) as its cover art (an ID3v2.3 APIC frame, as music players
    write it): audio only, though FFmpeg shows the cover as a one-frame video stream."""
    import av

    rate, size = 44100, 1152
    with av.open(str(path), "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=rate)
        noise = np.random.default_rng(0)
        for i in range(round(seconds * rate / size)):
            frame = av.AudioFrame.from_ndarray(noise.uniform(-0.01, 0.01, (1, size)).astype(np.float32),
                                               format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, i * size
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    audio = path.read_bytes()
    if audio[:3] == b"ID3":  # the muxer's own tag (no picture): replaced by one with the cover
        audio = audio[10 + sum((audio[6 + i] & 0x7F) << (21 - 7 * i) for i in range(4)):]
    picture = b"\x00image/jpeg\x00\x03\x00" + cover.read_bytes()  # text encoding, MIME, front cover, no description
    apic = b"APIC" + struct.pack(">I", len(picture)) + b"\x00\x00" + picture
    tag_size = bytes((len(apic) >> shift) & 0x7F for shift in (21, 14, 7, 0))  # "syncsafe": 7 bits a byte
    path.write_bytes(b"ID3\x03\x00\x00" + tag_size + apic + audio)
    return path
