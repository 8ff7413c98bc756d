"""Find a person: a photo of someone in (or a few), every library photo and video moment they appear in out.

Library-side (no Dash): the query photo is analysed with `model.faces.FaceAnalyzer`, the chosen face
(the largest unless the user picks another) is compared with every stored face embedded by the same
model version, and sampled video frames are analysed in batches. Several faces of the person (more photos
of them, each adding its face most like the chosen one; or a library person's faces) are searched for with
their template (the mean of their faces), at the thresholds measured for templates of that many faces. A search
from photos also averages the library faces surest to be the person (`model.matching.expand_query`), and in a
library of more than a thousand faces its thresholds keep the strangers as few as among a thousand
(`model.matching.for_library`); a video's, whose strangers are the few people in it, stay the pair-measured ones. A search keeps every candidate up to `MAX_SEARCH_DISTANCE`, so a `FindResult`
answers for any threshold up to it without searching again.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from dashapp.store import Store
from dashapp.store.faces import FaceRow
from model.matching import (
    DEFAULT_FAR, LIBRARY_SIZE, MAX_SEARCH_DISTANCE, STRICTER_FAR, MatchThresholds, Segment, choose_face,
    expand_query, face_at, rank, same_level, segments, template,
)


FRAME_THUMB_SIZE = 360  # longest side of a saved video frame, pixels
# Frames analysed together (detection and embedding are batched): at most 16, and at most 16 full-HD frames' worth
# of pixels, so a 4K video is analysed 4 frames at a time and an 8K one frame by frame instead of holding 16 frames
# of 100 MB each (and a small video's progress and Cancel still come every 16 frames).
VIDEO_BATCH = 16
VIDEO_BATCH_PIXELS = VIDEO_BATCH * 1920 * 1080
# Below this distance two faces are one photo's (a copy, recompressed or resized), not a second photo of the
# person: 99.9% of the pairs of different photos of one person in celeba-faces-val lie 0.17 or more apart.
SAME_FACE_DISTANCE = 0.05

Progress = Callable[[str, int, "int | None"], None]  # (phase, done, total)


def clock(seconds: float | None) -> str:
    """0:07, 1:02:03: a moment as a video player shows it, in whole seconds gone (7.5 s is 0:07; a hair's float
    error below a whole second is that second). A duration is rounded first by its caller."""
    if seconds is None:
        return "?"
    minutes, secs = divmod(math.floor(seconds + 1e-6), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration_clock(seconds: float | None) -> str:
    """How long a video lasts, to the nearest second (9.6 s is 0:10)."""
    return clock(None if seconds is None else round(seconds))


class QueryError(ValueError):
    """The query photo cannot be searched for (unreadable, no face, no such face); the message says why."""


@dataclass(frozen=True)
class QueryFace:
    """A face found in the query photo (index 0-based, largest first)."""

    index: int
    box: tuple[float, float, float, float]
    score: float


@dataclass(frozen=True)
class PersonTemplate:
    """The library person a search used the template of, and how many of their faces it averages."""

    person_id: int
    person_name: str | None
    n_faces: int


@dataclass(frozen=True)
class AlsoPhoto:
    """Another photo of the person given with the query: its face most like the chosen one, and whether it
    was close enough to join the search (`reason` says why not)."""

    path: str
    size: tuple[int, int] | None = None  # width, height (upright); None when unreadable
    box: tuple[float, float, float, float] | None = None
    distance: float | None = None  # to the chosen face of the query photo
    reason: str | None = None  # None: its face joined the search

    @property
    def used(self) -> bool:
        return self.reason is None


@dataclass(frozen=True)
class PhotoMatch:
    """A library photo with the face that matched the query."""

    photo_id: int
    face_id: int
    path: str
    box: tuple[float, float, float, float]
    distance: float
    width: int | None = None
    height: int | None = None
    person_id: int | None = None
    person_name: str | None = None


@dataclass(frozen=True)
class VideoSample:
    """One sampled frame: its best face's distance to the query (None: no face) and, if close, a thumbnail."""

    time: float
    distance: float | None
    box: tuple[float, float, float, float] | None = None
    thumb: str | None = None  # file name in the result's folder
    width: int | None = None  # of the frame
    height: int | None = None


@dataclass
class VideoResult:
    """What one video gave: every sample, or the reason it could not be (fully) read."""

    path: str
    every_s: float
    duration: float | None = None
    samples: list[VideoSample] = field(default_factory=list)
    error: str | None = None

    @property
    def name(self) -> str:
        return Path(self.path).name

    def moments(self, threshold: float, sure_up_to: float | None = None) -> list[Segment]:
        """Segments where the person is seen at this threshold; with `sure_up_to` (the "stricter" distance), each
        begins and ends with a frame that close when it has one (`segments`)."""
        times = [s.time for s in self.samples]
        distances = [math.inf if s.distance is None else s.distance for s in self.samples]
        return segments(times, distances, threshold, sure_up_to=sure_up_to)

    def sample_at(self, time: float) -> VideoSample | None:
        return next((s for s in self.samples if s.time == time), None)


@dataclass
class FindResult:
    """A whole search: the query's faces, which one was searched for, library matches and video samples.

    A library person none of whose photos is on disk is searched for with their stored faces alone: no query
    photo (`query_path` and `query_size` None, no `faces`)."""

    query_path: str | None
    query_size: tuple[int, int] | None  # width, height (upright)
    faces: list[QueryFace]
    face: int
    model_version: str
    thresholds: MatchThresholds
    max_distance: float
    matches: list[PhotoMatch]  # best first, one per photo, all within max_distance
    n_compared: int
    n_other_model: int  # stored faces of another model version, not comparable
    videos: list[VideoResult] = field(default_factory=list)
    seconds: float = 0.0
    template: PersonTemplate | None = None  # None: the chosen face of the query photo was searched for
    also: list[AlsoPhoto] = field(default_factory=list)  # more photos of the person given with the query
    # The library faces surest to be them, which the search averaged with the given faces (`expand_query`).
    library_faces: list[int] = field(default_factory=list)
    # The levels for the videos: a video's strangers are the few people in it, not the library's faces, so its
    # levels are those measured on pairs (`thresholds` less `for_library`); None in results saved before them.
    video_thresholds: MatchThresholds | None = None

    @property
    def query_face(self) -> QueryFace | None:
        """The face of the query photo that was searched for; None when no photo was read."""
        return self.faces[self.face] if self.faces else None

    @property
    def n_query_faces(self) -> int:
        """How many faces the search averaged: a library person's faces (`template`), else those of the given
        photos (1: the chosen one alone)."""
        if self.template is not None:
            return self.template.n_faces
        return 1 + sum(a.used for a in self.also)

    def photos(self, threshold: float) -> list[PhotoMatch]:
        """The matching photos at this threshold, best first."""
        return [m for m in self.matches if m.distance <= threshold]

    def n_already_theirs(self, threshold: float) -> int:
        """Of the matching photos, how many were the searched library person's at search time (0 for a photo
        search); `n_theirs` counts the owners as they are now."""
        return n_theirs(self.photos(threshold), self.template.person_id) if self.template else 0

    def person(self, threshold: float, top: int = 5) -> dict | None:
        """Who the best matches were at search time, when most of them belonged to one person (`likely_person`)."""
        return likely_person(self.photos(threshold), top)

    @property
    def video_levels(self) -> MatchThresholds:
        """The videos' thresholds (`video_thresholds`; the photos' in a result saved before them)."""
        return self.video_thresholds or self.thresholds

    def video_moments(self, video: VideoResult, threshold: float) -> list[Segment]:
        """A video's moments at the level this photo threshold sets (`model.matching.same_level`), each begun
        and ended with frames closer than the videos' "stricter" where it has some."""
        levels = self.video_levels
        return video.moments(same_level(threshold, self.thresholds, levels), levels.stricter)

    def to_dict(self) -> dict:
        """Everything, for the result file (JSON)."""
        out = asdict(self)
        out["thresholds"] = asdict(self.thresholds)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "FindResult":
        """Read back `to_dict` (the result file)."""
        tuple_or_none = lambda v: tuple(v) if v is not None else None  # noqa: E731
        return cls(
            query_path=data["query_path"], query_size=tuple_or_none(data["query_size"]),
            faces=[QueryFace(f["index"], tuple(f["box"]), f["score"]) for f in data["faces"]],
            face=data["face"], model_version=data["model_version"], thresholds=MatchThresholds(**data["thresholds"]),
            max_distance=data["max_distance"],
            matches=[PhotoMatch(**{**m, "box": tuple(m["box"])}) for m in data["matches"]],
            n_compared=data["n_compared"], n_other_model=data["n_other_model"],
            videos=[
                VideoResult(v["path"], v["every_s"], v.get("duration"),
                            [VideoSample(**{**s, "box": tuple_or_none(s.get("box"))}) for s in v["samples"]],
                            v.get("error"))
                for v in data.get("videos", [])
            ],
            seconds=data.get("seconds", 0.0),
            template=PersonTemplate(**data["template"]) if data.get("template") else None,
            also=[AlsoPhoto(a["path"], tuple_or_none(a.get("size")), tuple_or_none(a.get("box")), a.get("distance"),
                            a.get("reason")) for a in data.get("also", [])],
            library_faces=data.get("library_faces", []),
            video_thresholds=MatchThresholds(**data["video_thresholds"]) if data.get("video_thresholds") else None,
        )

    def summary(self, threshold: float, folder: Path | None = None) -> dict:
        """The answer at one threshold (the CLI's JSON line): photos, the person, video moments."""

        def thumb(name: str | None) -> str | None:
            return str(folder / name) if folder is not None and name else name

        moments = []
        for v in self.videos:
            items = []
            for seg in self.video_moments(v, threshold):
                best = v.sample_at(seg.best_time)
                items.append({"start": seg.start, "end": seg.end, "best_time": seg.best_time,
                              "distance": round(seg.best_distance, 4),
                              "thumbnail": thumb(best.thumb if best else None)})
            moments.append({"video": v.path, "duration": v.duration, "every_s": v.every_s,
                            "n_samples": len(v.samples), "moments": items, "error": v.error})
        return {
            "query": self.query_path, "n_faces_in_query": len(self.faces),
            "face": self.face + 1 if self.query_face else None,
            "box": list(self.query_face.box) if self.query_face else None, "threshold": threshold,
            "model_version": self.model_version,
            "template": asdict(self.template) if self.template else None,
            "also": [asdict(a) for a in self.also], "n_query_faces": self.n_query_faces,
            "library_faces": self.library_faces,
            "person": self.person(threshold),
            "photos": [{"photo_id": m.photo_id, "face_id": m.face_id, "path": m.path, "box": list(m.box),
                        "distance": round(m.distance, 4), "person_id": m.person_id, "person_name": m.person_name}
                       for m in self.photos(threshold)],
            "n_faces_compared": self.n_compared, "n_faces_other_model": self.n_other_model,
            "videos": moments, "seconds": round(self.seconds, 2),
        }


def library_size_note(n_compared: int) -> str | None:
    """Why the stricter and default levels are stricter than in a small album (`model.matching.for_library`)."""
    if n_compared <= LIBRARY_SIZE:
        return None
    stricter, default = STRICTER_FAR * LIBRARY_SIZE, DEFAULT_FAR * LIBRARY_SIZE
    return (f"Among more than {LIBRARY_SIZE:,} faces, the stricter and default levels let in as few strangers as "
            f"among {LIBRARY_SIZE:,} (about {stricter:.0f} and {default:.0f}), so they find fewer of a person's "
            "photos; looser shows everything that might be them.")


def n_theirs(matches: Sequence[PhotoMatch], person_id: int) -> int:
    """How many of the matches show a face of this person."""
    return sum(m.person_id == person_id for m in matches)


def likely_person(matches: Sequence[PhotoMatch], top: int = 5) -> dict | None:
    """Who the best `top` matches are, when most of them belong to one person: {id, name, n, of}."""
    best = list(matches[:top])
    owners = [m.person_id for m in best if m.person_id is not None]
    if not owners:
        return None
    pid = max(set(owners), key=owners.count)
    n = owners.count(pid)
    if n * 2 <= len(owners) or owners[0] != pid:
        return None  # no clear majority among the matches that belong to someone, or not the closest
    name = next(m.person_name for m in best if m.person_id == pid)
    return {"id": pid, "name": name, "n": n, "of": len(best)}


@dataclass(frozen=True)
class SearchedPerson:
    """Whom a library person's search counts photos against now: the person searched for while they are in the
    library, else the person their faces went to (a merge); `person_id` None when their faces are no one's now."""

    searched: PersonTemplate  # as the search saved it: their id and name then
    person_id: int | None
    person_name: str | None

    @property
    def moved(self) -> bool:
        """The searched person is gone and their faces are this other person's now."""
        return self.person_id is not None and self.person_id != self.searched.person_id


def searched_person_now(store: Store, result: FindResult) -> SearchedPerson | None:
    """Who a library person's search is about as the library is now (None for a search from a photo).

    A merge deletes the merged person and keeps the target's id (ids are never reused), so a gone person is
    followed by their faces: those that were theirs when the search ran go with the person who holds most of
    them now, when that is more than half of those still in the library (a person emptied face by face into
    Unsorted has gone nowhere)."""
    searched = result.template
    if searched is None:
        return None
    person = store.people.get(searched.person_id)
    if person is not None:
        return SearchedPerson(searched, person.id, person.name)
    theirs_then = [m.face_id for m in result.matches if m.person_id == searched.person_id]
    now = store.faces.places(theirs_then).values()
    owners = Counter((p.person_id, p.person_name) for p in now if p.person_id is not None)
    if owners:
        (person_id, name), n = max(owners.items(), key=lambda item: (item[1], -item[0][0]))
        if 2 * n > len(now):
            return SearchedPerson(searched, person_id, name)
    return SearchedPerson(searched, None, None)


def save_result(result: FindResult, path: Path) -> None:
    """Write the result file atomically (the page never reads half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(result.to_dict()))
    tmp.replace(path)


def load_result(path: Path) -> FindResult:
    return FindResult.from_dict(json.loads(Path(path).read_text()))


# --- the search itself (needs the model) ---


def analyze_query(analyzer, source: Path | bytes, face: int | None = None, face_box: tuple | None = None,
                  like: tuple[np.ndarray, float] | None = None):
    """(faces of the query photo, the chosen index, its embedding, (width, height)); QueryError if unusable.

    The face searched for: `face` (0-based, largest first), or the one at `face_box` (a library face's box in its
    photo: the photo is then decoded as ingest decoded it, reduced, so that the same faces are found; `like`: see
    `_face_found_again`), or else the largest. Boxes are in the photo's own pixels."""
    from dashapp.ingest import DECODE_SIDE
    from model.imaging import ImageLoadError, load_image_reduced

    try:
        image, size = load_image_reduced(source, DECODE_SIDE if face_box else None)
    except ImageLoadError as exc:
        raise QueryError(f"the query photo cannot be read ({exc})") from exc
    found = sorted(analyzer.analyze(image), key=lambda f: -f.area)  # largest first, as the library numbers faces
    fx, fy = size[0] / image.shape[1], size[1] / image.shape[0]
    boxes = [(f.box[0] * fx, f.box[1] * fy, f.box[2] * fx, f.box[3] * fy) for f in found]
    try:
        if face_box:
            chosen = _face_found_again(boxes, face_box, [f.embedding for f in found], like)
        else:
            chosen = choose_face([f.area for f in found], face)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc
    faces = [QueryFace(i, tuple(float(v) for v in box), float(f.score)) for i, (f, box) in enumerate(zip(found, boxes))]
    return faces, chosen, found[chosen].embedding, size


def _face_found_again(boxes: Sequence[tuple], box: tuple, embeddings: Sequence[np.ndarray],
                      like: tuple[np.ndarray, float] | None) -> int:
    """The library face at `box` found again among the photo's faces now; when no face is there (the photo was
    turned or cropped in an editor since it was analysed), the face most like `like` = (their template, the
    distance it must be within): theirs, wherever it lies now. ValueError when neither finds it."""
    try:
        return face_at(boxes, box)
    except ValueError:
        if like is None or not len(embeddings):
            raise
        distances = np.linalg.norm(np.stack(embeddings) - like[0], axis=1)
        if distances.min() > like[1]:
            raise
        return int(np.argmin(distances))


def analyze_also(analyzer, photos: Sequence[Path], chosen: np.ndarray) -> tuple[list[AlsoPhoto], list[np.ndarray]]:
    """More photos of the person: in each, the face nearest the chosen one joins when it is within the
    one-face "looser" threshold (the verification threshold: as likely them as not). Returns every photo's
    outcome and the embeddings that joined; a photo that cannot be read, shows no such face or only the chosen
    face again (the same photo) is skipped."""
    from model.imaging import ImageLoadError, load_image

    limit = analyzer.match_thresholds.looser
    outcomes: list[AlsoPhoto] = []
    joined: list[np.ndarray] = []
    for path in photos:
        try:
            image = load_image(path)
        except ImageLoadError as exc:
            outcomes.append(AlsoPhoto(str(path), reason=f"cannot be read ({exc})"))
            continue
        size = (image.shape[1], image.shape[0])
        faces = analyzer.analyze(image)
        if not faces:
            outcomes.append(AlsoPhoto(str(path), size, reason="no face found"))
            continue
        d = np.linalg.norm(np.stack([f.embedding for f in faces]) - chosen, axis=1)
        best = int(np.argmin(d))
        box = tuple(float(v) for v in faces[best].box)
        if d[best] > limit:
            outcomes.append(AlsoPhoto(str(path), size, box, float(d[best]), "no face like the chosen one"))
            continue
        if d[best] < SAME_FACE_DISTANCE:  # the query photo again (or a copy): it adds nothing
            outcomes.append(AlsoPhoto(str(path), size, box, float(d[best]), "the same face as the chosen one"))
            continue
        outcomes.append(AlsoPhoto(str(path), size, box, float(d[best])))
        joined.append(faces[best].embedding)
    return outcomes, joined


@dataclass(frozen=True)
class LibrarySearch:
    """What `search_library` found: the photos, what it compared, and what it searched for."""

    matches: list[PhotoMatch]  # one per photo (its closest face), best first
    n_compared: int  # faces of the model version searched with
    n_other_model: int  # faces skipped because another model version embedded them
    center: np.ndarray  # the embedding searched for: the query, or its expansion
    added: list[int]  # the library faces the expansion averaged in, closest first


def search_library(store: Store, faces: np.ndarray, model_version: str,
                   max_distance: float = MAX_SEARCH_DISTANCE,
                   sure_up_to: Callable[[int], float] | None = None) -> LibrarySearch:
    """Library photos whose faces are within `max_distance` of `faces` (one face, or the template of several).

    With `sure_up_to` (the "stricter" distance of a search among that many library faces), the search is first
    expanded by the library faces surest to be the person (`model.matching.expand_query`).
    """
    matrix = store.faces.matrix()
    same_model = matrix.model_versions == model_version
    ids, embeddings = matrix.ids[same_model], matrix.embeddings[same_model]
    center, added = template(faces), np.empty(0, np.int64)
    if sure_up_to is not None:
        center, added = expand_query(faces, embeddings, sure_up_to(len(ids)), SAME_FACE_DISTANCE)
    rows, distances = rank(center, embeddings, max_distance)
    face_ids = ids[rows]
    places = store.faces.places(face_ids.tolist())
    matches: list[PhotoMatch] = []
    seen_photos: set[int] = set()
    for face_id, d in zip(face_ids.tolist(), distances.tolist()):
        place = places.get(face_id)
        if place is None or place.photo_id in seen_photos:  # removed meanwhile, or a farther face of a listed photo
            continue
        seen_photos.add(place.photo_id)
        matches.append(PhotoMatch(place.photo_id, face_id, place.photo_path, place.box, float(d), place.photo_width,
                                  place.photo_height, place.person_id, place.person_name))
    return LibrarySearch(matches, len(ids), int((~same_model).sum()), center, ids[added].tolist())


def _save_thumb(image: np.ndarray, path: Path) -> None:
    from PIL import Image

    img = Image.fromarray(image)
    img.thumbnail((FRAME_THUMB_SIZE, FRAME_THUMB_SIZE))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, "JPEG", quality=85)


def search_video(analyzer, embedding: np.ndarray, path: Path, every_s: float, folder: Path, prefix: str,
                 max_distance: float = MAX_SEARCH_DISTANCE, progress: Progress | None = None,
                 cancelled: Callable[[], bool] = lambda: False) -> VideoResult:
    """Sample a video every `every_s` seconds, analyse the frames in batches and record each sample's distance.

    Frames within `max_distance` get a thumbnail `<prefix>-<n>.jpg` in `folder`. A video that cannot be
    opened raises VideoLoadError; one that opens but is damaged keeps the samples before the damage (perhaps
    none), with `error` set: the other videos and the photos found are not lost to it.
    """
    from model.video import VideoLoadError, probe_video, sample_frames

    info = probe_video(path)
    result = VideoResult(str(path), every_s, info.duration)
    expected = int(info.duration // every_s) + 1 if info.duration else None

    def flush(batch: list) -> None:
        if not batch:
            return
        for frame, faces in zip(batch, analyzer.analyze_many([f.image for f in batch])):
            h, w = frame.image.shape[:2]
            if not faces:
                result.samples.append(VideoSample(frame.time, None, width=w, height=h))
                continue
            d = np.linalg.norm(np.stack([f.embedding for f in faces]) - embedding, axis=1)
            best = int(np.argmin(d))
            thumb = None
            if d[best] <= max_distance:
                thumb = f"{prefix}-{len(result.samples)}.jpg"
                _save_thumb(frame.image, folder / thumb)
            result.samples.append(VideoSample(frame.time, float(d[best]), tuple(float(v) for v in faces[best].box),
                                              thumb, w, h))
        if progress:
            progress("video", len(result.samples), expected)

    batch: list = []
    try:
        for frame in sample_frames(path, every_s):
            batch.append(frame)
            pixels = sum(f.image.shape[0] * f.image.shape[1] for f in batch)
            if len(batch) == VIDEO_BATCH or pixels >= VIDEO_BATCH_PIXELS:
                flush(batch)
                batch = []
                if cancelled():
                    result.error = "cancelled"
                    return result
        flush(batch)
    except VideoLoadError as exc:
        flush(batch)
        result.error = str(exc)
    return result


def typical_face(store: Store, person_id: int, model_version: str, on_disk: bool = True) -> FaceRow | None:
    """The face a search for a library person shows, and whose photo the search reads as its query photo: of
    their faces by this model version, the one nearest their mean (so a wrong face in their group is not the one
    shown); the detector's surest among equals (e.g. both of two faces). With `on_disk`, a face whose photo is not
    on disk now (a drive unplugged, a file moved) gives way to the next one. None when there is no such face."""
    faces = store.faces.of_person(person_id)
    current = [f for f in faces if f.model_version == model_version]
    if current:
        center = template(np.stack([f.embedding for f in current]))
        ranked = sorted(current, key=lambda f: (round(float(np.linalg.norm(f.embedding - center)), 4), -f.score, f.id))
    else:  # only faces of another model: their embeddings are not comparable, the surest is shown
        ranked = sorted(faces, key=lambda f: (-f.score, f.id))
    return next((f for f in ranked if not on_disk or Path(f.photo_path).is_file()), None)


def person_template(store: Store, person_id: int, model_version: str) -> tuple[PersonTemplate, np.ndarray] | None:
    """A library person's template (with its embedding) when they have faces of this model, else None.

    One face is a template too (its own embedding): the search is then still the person's, so the page can say
    which photos are already theirs."""
    person = store.people.get(int(person_id))
    if person is None:
        return None
    current = [f.embedding for f in store.faces.of_person(person.id) if f.model_version == model_version]
    if not current:
        return None
    return PersonTemplate(person.id, person.name, len(current)), template(np.stack(current))


def _query_name(query: Path | bytes | None) -> str | None:
    """How a result names its query photo: its path, "(bytes)" for one given in memory, None for none."""
    if query is None:
        return None
    return str(query) if isinstance(query, (str, Path)) else "(bytes)"


def find(analyzer, store: Store | None, query: Path | bytes | None, face: int | None = None,
         videos: Sequence[Path] = (), every_s: float = 1.0, folder: Path | None = None,
         progress: Progress | None = None, cancelled: Callable[[], bool] = lambda: False, person: int | None = None,
         also: Sequence[Path] = (), face_box: tuple | None = None) -> FindResult:
    """The whole search: the query's face against the library (when `store` is given) and each video.

    `also`: more photos of the same person (`analyze_also`); their faces and the chosen one are searched for
    with their template.
    `person`: the library person whose face the query photo shows (at `face_box`): they are searched for with
    their template (with two or more faces it finds more of their photos than one face does). Their stored faces
    are all the search needs: with `query` None (none of their photos is on disk) no photo is read.
    Videos are checked before any model work, so a bad file fails at once. Frame thumbnails go into `folder`.
    Raises QueryError (query photo), VideoLoadError (a video), FileNotFoundError (a missing file).
    """
    import time

    from model.video import probe_video

    start = time.monotonic()
    if not every_s > 0:
        raise ValueError(f"the sampling interval must be positive, not {every_s}")
    for video in videos:
        probe_video(video)
    if videos and folder is None:
        raise ValueError("a folder for the video frame thumbnails is needed")
    if also and person is not None:
        raise ValueError("more photos of the person, or a library person: not both")
    found = person_template(store, person, analyzer.model_version) if store and person is not None else None
    if query is None and found is None:
        raise QueryError("none of their photos can be read now, and the library has no face of theirs by the "
                         "current face model to search with: connect their drive, or update faces")
    if progress:
        progress("query", 0, None)
    if query is None:  # their photos are off disk (a drive unplugged), their faces' embeddings are in the library
        faces, chosen, embedding, size = [], 0, found[1], None
    else:
        # Their face is looked for where it was; in a photo edited since, by its likeness to their faces.
        like = (found[1], analyzer.search_thresholds(found[0].n_faces).looser) if found else None
        faces, chosen, embedding, size = analyze_query(analyzer, query, face, face_box, like)
    also_photos, joined = analyze_also(analyzer, [Path(p) for p in also], embedding)
    searched, given = None, np.stack([embedding, *joined])
    if found:
        searched, given = found[0], found[1][None]  # their template
    n_query_faces = searched.n_faces if searched else len(given)
    if progress:
        progress("search", 0, None)
    # A search from photos is expanded by the library faces surest to be them; a library person's has their faces.
    sure_up_to = None if found else (lambda n_compared: analyzer.search_thresholds(n_query_faces, n_compared).stricter)
    if store:
        library = search_library(store, given, analyzer.model_version, sure_up_to=sure_up_to)
    else:
        library = LibrarySearch([], 0, 0, template(given), [])
    embedding = library.center  # the videos are searched for with the same faces
    n_searched = n_query_faces + len(library.added)
    thresholds = analyzer.search_thresholds(n_searched, library.n_compared)
    results = []
    for i, video in enumerate(videos):
        results.append(search_video(analyzer, embedding, Path(video), every_s, folder, f"v{i}",
                                    progress=progress, cancelled=cancelled))
        if cancelled():
            break
    return FindResult(
        query_path=_query_name(query), query_size=size, faces=faces,
        face=chosen, model_version=analyzer.model_version, thresholds=thresholds,
        max_distance=MAX_SEARCH_DISTANCE, matches=library.matches, n_compared=library.n_compared,
        n_other_model=library.n_other_model, videos=results, seconds=time.monotonic() - start, template=searched,
        also=also_photos, library_faces=library.added, video_thresholds=analyzer.search_thresholds(n_searched),
    )
