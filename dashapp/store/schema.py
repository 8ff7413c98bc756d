"""The library's tables (SQLAlchemy Core) and the schema version.

Conventions:
- Times are Unix seconds (float). Paths are absolute, as strings.
- Boxes are (x, y, w, h) in original-image pixels after EXIF orientation.
- Vectors are little-endian float32 BLOBs: `landmarks` (5x2), `embedding` (128), `attributes` (40);
  `store.blobs` converts them.
- A face with no `assignments` row is "unsorted". A row with `person_id` NULL and source 'manual'
  means the user put the face in unsorted on purpose (clustering leaves it there); source 'ignored'
  means the user set it aside (not a face, or nobody worth sorting): it is left out of people,
  unsorted faces, clustering, the map, the attribute statistics and searches.
- `removed_decisions` keeps what the user decided about the faces of photos taken out of the library with their
  folder, by the photo's content (sha256) and the face's box, until the same content is added again.
- `people.name` NULL is an unnamed group found by clustering; names are stored in Unicode NFC, and `name_key`
  (the name NFKC case-folded, `store.people.name_key`) keeps names unique.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    exists,
    func,
)

SCHEMA_VERSION = 7

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String, primary_key=True),
    Column("value", Text, nullable=False),
)

# The folders (or single photos) the user added: what "check for new photos" scans again. None lies inside
# another; uploads are one folder, the library's own `uploads/`.
folders = Table(
    "folders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),  # absolute, resolved
    Column("added_at", Float, nullable=False),
    Column("scanned_at", Float),  # when an ingest last finished scanning it; NULL until one did
    sqlite_autoincrement=True,
)

# Photo status: 'pending' (seen, not analysed yet), 'done' (faces stored), 'error' (see error_*).
photos = Table(
    "photos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("path", Text, nullable=False, unique=True),
    Column("size", Integer, nullable=False),
    Column("mtime_ns", Integer, nullable=False),
    Column("sha256", String(64)),  # NULL until hashed
    Column("width", Integer),  # after EXIF orientation
    Column("height", Integer),
    Column("status", String(16), nullable=False, default="pending"),
    Column("error_stage", String(16)),  # 'stat', 'hash', 'decode', 'detect', 'embed'
    Column("error_kind", String(32)),  # ImageErrorKind value, or 'unsupported' / 'too large' / 'failed'
    Column("error_detail", Text),
    Column("model_version", String(64)),  # of the analysis that produced its faces
    Column("n_faces", Integer),
    # When it was taken, from EXIF: "YYYY-MM-DD HH:MM:SS" camera-local time (EXIF has no time zone, and
    # this text sorts in time order); '' = the file has no date; NULL = not read yet (analysed before v2).
    Column("taken", String(19)),
    Column("added_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_photos_sha256", "sha256"),
    Index("ix_photos_status", "status"),
    Index("ix_photos_taken", "taken"),
    sqlite_autoincrement=True,  # ids are never reused: the UI and thumbnails may still hold old ones
)

faces = Table(
    "faces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("photo_id", Integer, ForeignKey("photos.id", ondelete="CASCADE"), nullable=False),
    Column("idx", Integer, nullable=False),  # position within its photo (largest first)
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("w", Float, nullable=False),
    Column("h", Float, nullable=False),
    Column("score", Float, nullable=False),  # detector confidence
    Column("landmarks", LargeBinary, nullable=False),
    Column("embedding", LargeBinary, nullable=False),
    Column("attributes", LargeBinary, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("thumb_path", Text),  # relative to the data dir
    Column("map_x", Float),  # UMAP 2-D coordinates (derived; NULL until projected)
    Column("map_y", Float),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("photo_id", "idx", name="uq_faces_photo_idx"),
    sqlite_autoincrement=True,
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
    Column("name_key", Text, unique=True),  # NFKC case-folded name; NULL for unnamed groups
    Column("hidden", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    sqlite_autoincrement=True,
)

# Provenance: 'manual' (a user action; never changed by clustering), 'cluster' (automatic), or IGNORED
# (the user set the face aside; person_id NULL).
IGNORED = "ignored"
assignments = Table(
    "assignments",
    metadata,
    Column("face_id", Integer, ForeignKey("faces.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE")),
    Column("source", String(16), nullable=False),
    Column("distance", Float),  # to the person when assigned automatically
    Column("run_id", Integer, ForeignKey("cluster_runs.id", ondelete="SET NULL")),
    Column("updated_at", Float, nullable=False),
    Index("ix_assignments_person", "person_id"),
)


# What the user decided about the faces of photos removed with their folder (a manual assignment, to a person or to
# Unsorted, an Ignored mark, or a place in a kept person: named, hidden or hand-edited), kept until a photo of the
# same content is analysed or copied again: its faces found at these boxes (IoU >= 0.5) get them back. Same sha256 =
# same bytes, so the box tells the face, whatever the model. No foreign key to people: ids are never reused, so a
# person deleted since is skipped then (and one an undo brings back gets its faces), except a group with no name that
# left with the folder (all its faces were there): it comes back with them, under its id.
removed_decisions = Table(
    "removed_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("w", Float, nullable=False),
    Column("h", Float, nullable=False),
    Column("person_id", Integer),  # None: Unsorted (manual) or Ignored
    Column("source", String(16), nullable=False),  # as in `assignments`
    Column("group_removed", Boolean, nullable=False, default=False),  # person_id left with the folder, see above
    Column("removed_at", Float, nullable=False),
    Index("ix_removed_decisions_sha256", "sha256"),
)


# A file whose type is not a photo (a video, a sidecar .xmp or .json, a document) is recorded as an error of
# this stage and kind, with its reason, but counted apart from unreadable photos: albums are full of them.
NOT_A_PHOTO = ("stat", "unsupported")


def not_a_photo() -> ColumnElement[bool]:
    """True for a file ingest skipped because its type is not a photo (never NULL, so its negation is usable)."""
    stage, kind = NOT_A_PHOTO
    return and_(func.coalesce(photos.c.error_stage, "") == stage, func.coalesce(photos.c.error_kind, "") == kind)


def not_ignored() -> ColumnElement[bool]:
    """True for a face the user has not set aside (for faces outer-joined to `assignments`)."""
    return func.coalesce(assignments.c.source, "") != IGNORED


# For unsorted faces: the nearest people, best first (rank 0).
suggestions = Table(
    "suggestions",
    metadata,
    Column("face_id", Integer, ForeignKey("faces.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("distance", Float, nullable=False),
    Index("ix_suggestions_person", "person_id"),
)


def best_suggestion() -> ColumnElement[bool]:
    """True for a face's best suggestion: its lowest rank still there (a suggested group that was deleted since,
    emptied or merged away, takes its rank with it)."""
    better = suggestions.alias("better")
    return ~exists().where(better.c.face_id == suggestions.c.face_id, better.c.rank < suggestions.c.rank)


# Pairs of people that look like one person (person_a < person_b), closest first.
merge_suggestions = Table(
    "merge_suggestions",
    metadata,
    Column("person_a", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("person_b", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("distance", Float, nullable=False),
)

# Merge suggestions the user rejected: never suggested again.
dismissed_merges = Table(
    "dismissed_merges",
    metadata,
    Column("person_a", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("person_b", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)

# The user's recent actions on people, newest last, each with the rows it changed as they were before
# (JSON; `store.undo`). Cleared by every clustering run.
undo_steps = Table(
    "undo_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("label", Text, nullable=False),  # what the action did, e.g. "merge of 3 groups"
    Column("payload", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    sqlite_autoincrement=True,
)

cluster_runs = Table(
    "cluster_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(16), nullable=False),  # 'running', 'done', 'failed'
    Column("params", Text, nullable=False),  # JSON
    Column("model_version", String(64)),
    Column("n_faces", Integer),
    Column("n_people", Integer),
    Column("n_unsorted", Integer),
    Column("seconds", Float),
    Column("started_at", Float, nullable=False),
    Column("finished_at", Float),
)

# Job status: 'queued', 'running', 'done', 'failed', 'cancelled', 'interrupted' (process died).
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # 'ingest', 'cluster'
    Column("status", String(16), nullable=False),
    Column("args", Text, nullable=False, default="{}"),  # JSON
    Column("pid", Integer),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer),  # NULL while unknown (scanning)
    Column("n_errors", Integer, nullable=False, default=0),
    Column("n_faces", Integer, nullable=False, default=0),
    Column("phase", String(32)),  # 'scan', 'hash', 'analyze', 'sweep', 'cluster', 'project'
    Column("message", Text),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("updated_at", Float, nullable=False),
    Column("finished_at", Float),
    # When the current phase first reported work done, and how much: its ETA is measured from there, so the time
    # before (scanning, hashing, loading the model) does not count as the phase's pace. NULL until then.
    Column("phase_since", Float),
    Column("phase_since_done", Integer),
    Index("ix_jobs_status", "status"),
    sqlite_autoincrement=True,
)
