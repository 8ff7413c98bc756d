"""How the app words counts and a job's phases, on the pages and in the command's lines alike."""

from __future__ import annotations


def count_of(n: int, thing: str) -> str:
    """'1 face', '2 faces', '1,204 photos': a count with its noun (plural by an s)."""
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


# What a job's phases are called.
PHASES = {
    "scan": "finding photos", "dates": "reading dates", "hash": "checking files", "analyze": "finding faces",
    "sweep": "tidying up", "thumbs": "making thumbnails", "cluster": "grouping people", "project": "making the map",
}
