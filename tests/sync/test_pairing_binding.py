"""The device id is bound to the key at enrolment from a pairing file (#13 §1, #14 class 6).

Before, a key was bound to the device of its first bundle, so laptop B could send as laptop A
before A ever sent anything, and A's real bundles were then refused as a fork.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridwalker.sync.hub.enrol import enroll_pairing
from gridwalker.sync.keys import KeyProblem, trust_hub
from gridwalker.sync.laptop.setup import pairing_for
from gridwalker.sync.pairing import set_up_device_keys
from tests.support.hubs import Hub, snapshot
from tests.support.laptops import Field, make_field
from tests.sync.test_hostile_bundles import manifest_of, refused, with_manifest


def paired(root: Path, template: Path, device_id: str, hub: Hub, member: str) -> Field:
    """A laptop enrolled at the hub from its pairing file."""
    lap = make_field(root, template, device_id, None)
    trust_hub(lap.home, hub.recipient)
    enroll_pairing(hub.engine, pairing_for(lap.home, device_id, member, "XH-01-01"))
    return lap


def test_a_device_bound_at_enrolment_cannot_be_claimed_by_another_key(
    tmp_path: Path, small_street: Path, hub: Hub
) -> None:
    a = paired(tmp_path / "a", small_street, "lap-a", hub, "李晓梅")
    b = make_field(tmp_path / "b", small_street, "lap-b", None)
    trust_hub(b.home, hub.recipient)
    hub.enroll(b, "赵敏")  # the older form: B's key is bound by its first bundle
    forged = b.export(plaintext=True, full=True).path
    manifest = manifest_of(forged)
    manifest.update(device_id="lap-a", seq=1, prev_manifest_sha256="")
    with_manifest(b, forged, (json.dumps(manifest, indent=2) + "\n").encode())
    before = snapshot(hub.engine)
    message = refused(hub, forged, "device-key")
    assert "claims device lap-a" in message and "enrolled with key" in message
    assert snapshot(hub.engine) == before
    # A's real first bundle is not a fork of the forged one.
    outcome = hub.one(a.export().path)
    assert outcome.status == "applied", outcome.summary()


def test_a_paired_key_signs_only_for_its_device(
    tmp_path: Path, small_street: Path, hub: Hub
) -> None:
    a = paired(tmp_path / "a", small_street, "lap-a", hub, "李晓梅")
    forged = a.export(plaintext=True).path
    manifest = manifest_of(forged)
    manifest.update(device_id="lap-c")
    with_manifest(a, forged, (json.dumps(manifest, indent=2) + "\n").encode())
    message = refused(hub, forged, "device-key")
    assert "signed by device lap-a" in message and "claims device lap-c" in message


def test_a_new_key_for_the_same_laptop_replaces_the_old_one(
    tmp_path: Path, small_street: Path, hub: Hub
) -> None:
    a = paired(tmp_path / "a", small_street, "lap-a", hub, "李晓梅")
    assert hub.one(a.export().path).status == "applied"
    old_bundle = a.export(full=True).path  # signed with the old key, not imported yet
    set_up_device_keys(a.home, rotate=True)
    rotated = pairing_for(a.home, "lap-a", "李晓梅", "XH-01-01")
    with pytest.raises(KeyProblem, match="add --replace"):  # a forged pairing takes over nothing
        enroll_pairing(hub.engine, rotated)
    done = enroll_pairing(hub.engine, rotated, replace=True)
    assert len(done.replaced) == 1
    refused(hub, old_bundle, "revoked")  # the old key is revoked from now on
    # What the old key had not delivered comes again, signed by the new key.
    outcome = hub.one(a.export(full=True).path)
    assert outcome.status == "applied", outcome.summary()
    a.engine.dispose()
