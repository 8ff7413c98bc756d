"""Ids that come from URLs (`?person=`, `?photo=`, `?folder=`, media paths): the one way they are read.

An id is ASCII digits within SQLite's 64-bit INTEGER range; anything else ("²", "٣", a 30-digit number) is
not an id, so it can neither fail a conversion nor overflow a query.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # SQLite's largest INTEGER


def parse_id(text: object) -> int | None:
    """The id written in `text`, or None when it is not one."""
    text = str(text).strip() if text is not None else ""
    # str.isdigit() alone lets through "²" and other digits int() refuses or reads differently.
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_ids(text: str | list[str] | None) -> list[int]:
    """The ids of a comma-separated list (`?person=3,7`; a repeated `?person=3&person=7` comes as a list),
    leaving out what is not an id, each once (in their order)."""
    joined = ",".join(text) if isinstance(text, list) else (text or "")
    return list(dict.fromkeys(i for part in joined.split(",") if (i := parse_id(part)) is not None))
