"""Shared test fixtures: paths to real data and one FaceAnalyzer for the whole session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
MODEL_FIXTURES = FIXTURES / "model"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def analyzer():
    """The real model, loaded once per test session."""
    from model.faces import FaceAnalyzer

    return FaceAnalyzer()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip where this checkout has no shared folder beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


GROUP_PHOTOS = FIXTURES / "group" / "photos"


def ingest_album(root: Path, names: list[str], analyzer):
    """Copy these group-fixture photos into root/album and ingest them into a library at root/data with the
    session's model; returns (album folder, config, store)."""
    import shutil

    from dashapp.config import load_config
    from dashapp.ingest import IngestOptions, ingest
    from dashapp.store import Store

    album = root / "album"
    album.mkdir()
    for name in names:
        shutil.copy(GROUP_PHOTOS / name, album / name)
    config = load_config(root / "data")
    store = Store.open(config)
    ingest(store, config, [album], IngestOptions(analyzer=analyzer))
    return album, config, store
