"""The tests' PostgreSQL (scripts/test-postgres, tests/support/postgres.py): idempotent, and a
server that cannot start fails the run with its reason — never a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.support import postgres

SCRIPT = postgres.SCRIPT


def _run(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT)], capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


def test_started_again_it_reuses_the_running_cluster() -> None:
    url = postgres.server_url()  # started (or given) already
    again = _run()
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
    if os.environ.get(postgres.URL_ENV) in (None, "", again.stdout.strip()):
        assert url == again.stdout.strip()


def test_a_cluster_that_cannot_start_says_why() -> None:
    """A second cluster on the port the first one holds: exit 1 and the reason on stderr."""
    folder = Path("/tmp") / f"gridwalker-test-pg-clash-{uuid.uuid4().hex[:8]}"
    try:
        done = _run(GRIDWALKER_TEST_PG_DIR=str(folder))
        assert done.returncode == 1 and done.stdout == ""
        assert done.stderr.startswith("test-postgres: ") and "54329" in done.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_no_server_fails_the_test_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres, "_server", None)
    monkeypatch.setenv(postgres.URL_ENV, "")
    monkeypatch.setattr(postgres, "SCRIPT", Path("/nonexistent/test-postgres"))
    with pytest.raises(pytest.fail.Exception, match="could not be started"):
        postgres.server_url()
