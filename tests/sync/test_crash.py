"""Crashes: a killed export leaves no bundle and loses nothing; a killed import changes nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.hubs import Hub, snapshot
from tests.support.laptops import Laptop

ROOT = Path(__file__).resolve().parents[2]


def _run_killed(script: str, tmp: Path | None = None) -> None:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr


EXPORT = """
    import os, signal
    from gridwalker import config
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.laptop import export
    home = config.paths({home!r})
    engine = open_database({db!r})
    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)
    {patch}
    export.export_bundle(engine, home, member="x")
"""


@pytest.mark.parametrize(
    "patch",
    [
        "export.os.replace = die  # killed at the rename (the pending row is written)",
        "export.os.fsync = die  # killed while the temp file is being made durable",
    ],
)
def test_killed_export_leaves_no_bundle(laptop: Laptop, hub: Hub, patch: str) -> None:
    laptop.engine.dispose()
    _run_killed(EXPORT.format(home=str(laptop.home.data.parent), db=str(laptop.db), patch=patch))
    outbox = laptop.home.outbox
    assert not [p for p in outbox.iterdir() if p.name.endswith((".zip", ".zip.age"))]
    result = laptop.export()
    assert result.seq == 1 and result.from_change == 1 and result.path.exists()
    assert not list(outbox.glob(".*.partial"))
    outcome = hub.one(result.path)
    assert outcome.status == "applied" and outcome.applied == result.records


IMPORT = """
    import os, signal
    from gridwalker import config
    from gridwalker.store.migrate import open_database
    from gridwalker.sync.hub import intake as hub
    home = config.paths({home!r})
    engine = open_database(home.hub_db)
    applied = hub.apply_bundle
    def die_after(*args, **kwargs):
        applied(*args, **kwargs)  # every record written, the transaction not yet committed
        os.kill(os.getpid(), signal.SIGKILL)
    hub.apply_bundle = die_after
    hub.import_paths(engine, home, [{path!r}])
"""


def test_killed_import_changes_nothing(
    laptop: Laptop, hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = laptop.export().path
    before = snapshot(hub.engine)
    hub.engine.dispose()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    _run_killed(IMPORT.format(home=str(hub.home.data.parent), path=str(path)), tmp)
    assert snapshot(hub.engine) == before
    assert path.exists()
    # The killed process left its scratch folder, the decrypted bundle in it.
    left = list(tmp.iterdir())
    assert len(left) == 1 and (left[0] / "bundle.zip").exists()
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    outcome = hub.one(path)  # the lock died with the process; the import runs again
    assert outcome.status == "applied" and outcome.applied == outcome.records
    assert list(tmp.iterdir()) == []  # and the next import removed what it left
