"""A bundle opens with the standard tools alone: age, minisign, unzip (Python's zipfile), jq, sha256sum."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from gridwalker.sync.keys import hub_key_path
from tests.support.hubs import Hub
from tests.support.laptops import Laptop


def need(tool: str) -> str:
    """The tool's path, or skip with a reason (.ci/run installs them)."""
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed (apt-get install age minisign jq)")
    return path


@pytest.fixture
def unpacked(tmp_path: Path, laptop: Laptop, hub: Hub) -> Path:
    """A bundle decrypted with `age -d -i hub.key` and unpacked."""
    age = need("age")
    bundle = laptop.export().path
    plain = tmp_path / "bundle.zip"
    subprocess.run(
        [age, "-d", "-i", str(hub_key_path(hub.home)), "-o", str(plain), str(bundle)], check=True
    )
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(plain) as zf:
        zf.extractall(folder)
    return folder


def test_age_decrypts_with_the_hub_key(unpacked: Path) -> None:
    assert (unpacked / "manifest.json").exists()
    assert (unpacked / "records" / "household.jsonl").exists()


def test_minisign_verifies_the_manifest(unpacked: Path, laptop: Laptop) -> None:
    minisign = need("minisign")
    out = subprocess.run(
        [minisign, "-Vm", "manifest.json", "-p", str(laptop.pub)],
        cwd=unpacked,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "Signature and comment signature verified" in out.stdout + out.stderr


def test_jq_and_sha256sum_check_the_files(unpacked: Path) -> None:
    need("jq")
    need("sha256sum")
    line = """jq -r '.files[]|"\\(.sha256)  \\(.path)"' manifest.json | sha256sum -c"""
    out = subprocess.run(
        ["bash", "-c", "set -o pipefail; " + line], cwd=unpacked, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "records/household.jsonl: OK" in out.stdout


def test_minisign_refuses_a_changed_manifest(unpacked: Path, laptop: Laptop) -> None:
    minisign = need("minisign")
    manifest = unpacked / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"delta"', b'"full" '))
    out = subprocess.run(
        [minisign, "-Vm", "manifest.json", "-p", str(laptop.pub)], cwd=unpacked, capture_output=True
    )
    assert out.returncode != 0
