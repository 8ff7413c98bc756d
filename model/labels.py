"""Parsers of the CelebA label files used for training and evaluation."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_attribute_file(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Parse CelebA's list_attr_celeba.txt (count line, header of names, `file v1 .. vN` with -1/1).

    Returns the attribute names and, per file, 0/1 float labels.
    """
    lines = Path(path).read_text().splitlines()
    if len(lines) < 2:
        raise ValueError(f"{path}: expected a count line and a header line of attribute names")
    names = lines[1].split()
    labels = {}
    for number, line in enumerate(lines[2:], start=3):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != len(names) + 1 or not set(parts[1:]) <= {"1", "-1"}:
            raise ValueError(f"{path}:{number}: expected a file name and {len(names)} values of -1 or 1")
        labels[parts[0]] = (np.array(parts[1:], dtype=np.int8) > 0).astype(np.float32)
    return names, labels


def is_identity_header(line: str) -> bool:
    """Whether the first line of an identity file is its header ("image identity"), not a row: a row starts with a
    file name, which has a suffix (000001.jpg). CelebA's own file has a header; files made by hand often do not."""
    parts = line.split()
    return bool(parts) and not Path(parts[0]).suffix


def identity_rows(path: Path) -> list[tuple[int, str]]:
    """(line number, line) of every non-empty row of an identity file, its header line left out."""
    lines = Path(path).read_text().splitlines()
    start = 1 if lines and is_identity_header(lines[0]) else 0
    return [(number, line) for number, line in enumerate(lines[start:], start=start + 1) if line.strip()]


def read_identity_file(path: Path) -> dict[str, str]:
    """Parse identity_CelebA.txt (a header line if it has one, then `file identity`)."""
    rows = [line.split() for _, line in identity_rows(path)]
    bad = [r for r in rows if len(r) != 2]
    if bad:
        raise ValueError(f"{path}: expected 'file identity' on every line, got {' '.join(bad[0])!r}")
    return {r[0]: r[1] for r in rows}
