"""Store tests run on a plain and on an encrypted (SQLCipher) copy of the demo laptop."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.at_rest import CHEAP_KDF, PASSPHRASE, copy_database


@pytest.fixture(scope="session")
def encrypted_demo_template(
    demo_db_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The demo laptop encrypted in place by the same code as `gridwalker db encrypt`."""
    from gridwalker.store.at_rest import encrypt_in_place

    path = tmp_path_factory.mktemp("demo-encrypted") / "demo.db"
    shutil.copy(demo_db_template, path)
    encrypt_in_place(path, PASSPHRASE, CHEAP_KDF)
    return path


@pytest.fixture(params=["plain", "encrypted"])
def at_rest(request: pytest.FixtureRequest) -> str:
    """How the laptop's database lies on disk."""
    return request.param


@pytest.fixture
def demo_engine(at_rest: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An open engine on a private copy of the demo laptop, plain or encrypted."""
    from gridwalker.store.dbkey import unlock
    from gridwalker.store.migrate import open_database

    if at_rest == "plain":
        engine = open_database(request.getfixturevalue("demo_db"))
    else:
        template = request.getfixturevalue("encrypted_demo_template")
        path = copy_database(template, tmp_path / "gridwalker.db")
        engine = open_database(path, key=unlock(path, PASSPHRASE))
    yield engine
    engine.dispose()
