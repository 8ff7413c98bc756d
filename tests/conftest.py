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
