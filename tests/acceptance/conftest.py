"""Fixtures of the acceptance tests, which import real-world files kept outside the repository.

The files live in ../shared/cases/data beside the repository root (KEHU_CASES_DIR overrides
the folder). Without the folder these tests skip with one message naming where they looked.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

# The shared personas live in kehu/conftest.py, which pytest only applies to tests under kehu/.
from kehu.conftest import personas  # noqa: F401

REPOSITORY = Path(__file__).resolve().parents[2]


def cases_dir() -> Path:
    configured = os.environ.get("KEHU_CASES_DIR", "").strip()
    return Path(configured) if configured else REPOSITORY.parent / "shared" / "cases" / "data"


@pytest.fixture(scope="session")
def cases() -> Path:
    folder = cases_dir()
    if not folder.is_dir():
        pytest.skip(f"acceptance files not found in {folder} (set KEHU_CASES_DIR to their folder)")
    return folder


@pytest.fixture(autouse=True)
def media_root(tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield
