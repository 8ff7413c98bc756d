"""The labelled album library that several benchmarks read, made by `app.py eval cluster --library L`."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "album-celeba-wild"


def add_library_arguments(parser: argparse.ArgumentParser) -> None:
    """--library (required), --images and --truth (the album's photos and identity file)."""
    parser.add_argument("--library", type=Path, required=True, help="a library made by `eval cluster --library`")
    parser.add_argument("--images", type=Path, default=DATA / "photos")
    parser.add_argument("--truth", type=Path, default=DATA / "identity_CelebA.txt")


@dataclass(frozen=True)
class LabelledLibrary:
    """The library's store, and each labelled photo's largest face with its identity (as `eval cluster` counts)."""

    store: object  # dashapp.store.Store
    face_ids: list[int]
    identities: list[str]

    def embeddings(self) -> tuple[np.ndarray, np.ndarray]:
        """The labelled faces' embeddings and identities, in `face_ids` order."""
        matrix = self.store.faces.matrix()
        row_of = {int(f): i for i, f in enumerate(matrix.ids)}
        rows = [row_of[f] for f in self.face_ids]
        return matrix.embeddings[rows], np.array(self.identities)


def open_library(args: argparse.Namespace) -> LabelledLibrary:
    """The library named by `add_library_arguments`' arguments; exits with how to make it when it is missing."""
    from dashapp.commands import largest_labelled_faces, read_identities
    from dashapp.config import load_config
    from dashapp.store import Store

    if not (args.library / "library.sqlite3").exists():
        sys.exit(f"no library in {args.library}: make one with `app.py eval cluster ... --library {args.library}`")
    store = Store.open(load_config(args.library))
    face_ids, identities, _, _ = largest_labelled_faces(store, args.images.resolve(), read_identities(args.truth))
    return LabelledLibrary(store, face_ids, identities)
