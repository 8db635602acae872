"""Enrolled device keys at the hub: enrol, revoke, and the look-up the signature check uses."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine

from gridwalker.domain import clock
from gridwalker.store import ledger
from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import KeyProblem, read_public_key


def enroll(engine: Engine, pubkey_file: Path, member: str, recipient: str | None = None) -> str:
    """Trust a laptop's device key (a minisign public key file) for a member; returns its key id."""
    key_id, line = read_public_key(pubkey_file)
    if not member.strip():
        raise KeyProblem("网格员姓名不能为空 / the member's name must not be empty")
    now = clock.now()
    with engine.begin() as conn:
        ledger.enrol_device(conn, key_id, member.strip(), line, recipient, now)
    return key_id


def revoke(engine: Engine, key_id: str) -> bool:
    """Revoke a device key: its bundles are refused from now on. False when not enrolled."""
    with engine.begin() as conn:
        return ledger.revoke_device(conn, key_id.upper(), clock.now())


def key_lookup(conn: Connection) -> fmt.KeyLookup:
    """A lookup of enrolled keys (BundleRefused not-enrolled for an unknown key id).

    A key signs for one device: the one its first bundle applied here came from
    (`bundle.open_bundle` refuses a manifest naming another).
    """

    def lookup(key_id: str) -> fmt.SigningKey:
        row = ledger.device_key(conn, key_id)
        if row is None:
            raise fmt.BundleRefused(
                "not-enrolled",
                f"key {key_id}; enroll it: gridwalker hub enroll device.pub --member NAME",
            )
        return fmt.SigningKey(
            key_id,
            row.public_key,
            row.member,
            row.revoked_at is not None,
            ledger.key_device(conn, key_id),
        )

    return lookup
