"""The library as a CSV file: one row per face, with its photo, box, person and 40 attribute probabilities.

For people who tag photos in another tool ("who is in which photo") and for analysts (attributes per face
and person). The dashboard serves it at `URL`; `python app.py export FILE` writes it.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from dashapp.store import ExportedFace, Store
from dashapp.store.schema import IGNORED
from model.attributes import ATTRIBUTE_NAMES

COLUMNS = (
    "photo", "photo_id", "taken", "face_id", "face_number", "x", "y", "width", "height", "detector_score",
    "person_id", "person", "hidden", "assigned_by", "model_version", *ATTRIBUTE_NAMES,
)
FILENAME = "face-album-faces.csv"
URL = "/export/faces.csv"  # where the dashboard serves it
# What `assigned_by` says: the user's own placement, clustering's, or a face the user set aside.
ASSIGNED_BY = {"manual": "you", "cluster": "clustering", IGNORED: "ignored"}


# A cell starting with one of these is a formula to Excel and LibreOffice: a name typed as =HYPERLINK(...) would run.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe where it would start a formula (OWASP's advice)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _row(face: ExportedFace) -> list:
    x, y, w, h = face.box
    return [
        text_cell(face.photo_path), face.photo_id, face.taken or "", face.face_id, face.number,
        round(x, 1), round(y, 1), round(w, 1), round(h, 1), round(face.score, 4),
        "" if face.person_id is None else face.person_id, text_cell(face.person_name or ""), int(face.hidden),
        ASSIGNED_BY.get(face.assigned_by or "", ""), face.model_version, *(f"{p:.3f}" for p in face.attributes),
    ]


def _pieces(store: Store, rows_per_piece: int = 2000) -> Iterator[tuple[str, int]]:
    """(CSV text, faces in it): the header first, then a few thousand rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    n = 0
    for face in store.faces.export():
        writer.writerow(_row(face))
        n += 1
        if n == rows_per_piece:
            yield buffer.getvalue(), n
            buffer.seek(0)
            buffer.truncate()
            n = 0
    yield buffer.getvalue(), n


def faces_csv(store: Store) -> Iterator[str]:
    """The CSV text in pieces, for streaming a download."""
    return (text for text, _ in _pieces(store))


def _write(store: Store, fh: TextIO) -> int:
    n = 0
    for text, rows in _pieces(store):
        fh.write(text)
        n += rows
    return n


def write_faces_csv(store: Store, target: str | Path) -> int:
    """Write the export to a file, or to stdout for "-"; returns the number of faces.

    A file is written atomically: a failed export leaves an earlier file of that name whole.
    """
    if str(target) == "-":
        return _write(store, sys.stdout)
    path = Path(target)
    if path.is_dir():
        raise ValueError(f"{path} is a folder: give a file name, e.g. {path / FILENAME}")
    _check_folder(path)
    _check_not_other_file(path)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fh:
            n = _write(store, fh)
        os.replace(tmp, path)
    except PermissionError as exc:  # the file beside it would be named, not the folder the user chose
        raise PermissionError(exc.errno, f"cannot write in {path.parent} (permissions)") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return n


def _check_not_other_file(path: Path) -> None:
    """Refuse to replace a file that is not an earlier export: a typo must not cost the library or a photo."""
    if not path.is_file():
        return
    header = ",".join(COLUMNS[:2]).encode()  # "photo,photo_id": every export begins so
    with path.open("rb") as fh:
        if fh.read(len(header)) == header:
            return
    raise FileExistsError(f"{path} is there and is not a face export: it is kept; "
                          "give the name of a new file (or of an earlier export)")


def _check_folder(path: Path) -> None:
    """A clear error for an export into a folder that is not one: missing, or a file (`afile/x.csv`)."""
    folder = path.parent
    for part in (folder, *folder.parents):  # the nearest part that exists says what is wrong
        if part.exists():
            if not part.is_dir():
                raise NotADirectoryError(f"{part} is a file, not a folder: cannot write {path}")
            break
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
