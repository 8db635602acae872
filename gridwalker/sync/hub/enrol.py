"""Enrolled device keys at the hub: enrol, revoke, and the look-up the signature check uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from sqlalchemy import Connection, Engine

from gridwalker.domain import clock
from gridwalker.store import ledger
from gridwalker.sync import bundle as fmt
from gridwalker.sync.keys import KeyProblem, read_public_key
from gridwalker.sync.pairing import Pairing


def enroll(engine: Engine, pubkey_file: Path, member: str, recipient: str | None = None) -> str:
    """Trust a laptop's device key (a minisign public key file) for a member; returns its key id.

    The older form: the device is bound by the first bundle applied from the key.
    """
    key_id, line = read_public_key(pubkey_file)
    if not member.strip():
        raise KeyProblem("网格员姓名不能为空 / the member's name must not be empty")
    now = clock.now()
    with engine.begin() as conn:
        ledger.enrol_device(conn, key_id, member.strip(), line, recipient, now)
    return key_id


@dataclass(frozen=True)
class Enrolled:
    """A laptop enrolled from its pairing file."""

    key_id: str
    device_id: str
    member: str
    grid: str
    replaced: list[str]  # keys of the same device revoked by this one

    def as_json(self) -> dict[str, object]:
        """The `--json` object."""
        return {
            "key_id": self.key_id,
            "device_id": self.device_id,
            "member": self.member,
            "grid": self.grid,
            "replaced_keys": self.replaced,
        }


def enroll_pairing(
    engine: Engine, pairing: Pairing, *, baseline: bool = False, replace: bool = False
) -> Enrolled:
    """Trust a laptop from its pairing file: key, recipient, member, and the device bound to
    the key (a bundle naming another device, or this device signed by another key, is refused).

    The device's bundles already signed by another key here refuse a new key for it unless
    that key is enrolled for the device (a replacement key revokes the old one). Its records
    dated before now arrive as its accepted baseline; with `baseline`, so does everything its
    first full bundle brings (a laptop with history joining the hub).
    """
    now = clock.now()
    with engine.begin() as conn:
        signed = ledger.key_device(conn, pairing.key_id)
        if signed and signed != pairing.device_id:
            raise KeyProblem(
                f"密钥 {pairing.key_id} 已为设备 {signed} 签名，配对文件写的是 {pairing.device_id} / "
                f"key {pairing.key_id} signs for device {signed}, the pairing file says "
                f"{pairing.device_id}"
            )
        others = [
            k
            for k in ledger.keys_of(conn, pairing.device_id)
            if k != pairing.key_id and ledger.device_key(conn, k).revoked_at is None
        ]
        if others and not replace:
            raise KeyProblem(
                f"设备 {pairing.device_id} 已登记了密钥 {others[0]}：如确是这台笔记本换了密钥，"
                f"请核对两边的密钥编号后加 --replace / device {pairing.device_id} is enrolled with "
                f"key {others[0]}; if this laptop really made a new key (keys init --rotate), "
                f"compare the key ids on both sides and add --replace"
            )
        replaced = ledger.enrol_device(
            conn,
            pairing.key_id,
            pairing.member,
            pairing.public_line,
            pairing.recipient,
            now,
            device_id=pairing.device_id,
            baseline=baseline,
        )
    return Enrolled(pairing.key_id, pairing.device_id, pairing.member, pairing.grid, replaced)


def revoke(engine: Engine, key_id: str, reason: str | None = None) -> bool:
    """Revoke a device key: its bundles are refused from now on. False when not enrolled."""
    with engine.begin() as conn:
        return ledger.revoke_device(conn, key_id.upper(), clock.now(), reason)


def revoke_device(engine: Engine, device: str, reason: str | None = None) -> list[str]:
    """Revoke a laptop, named by its device id (or one key id): every key that signs for it.

    Bundles it sent before stay; later ones are refused with "device revoked on DATE: reason".
    Returns the key ids revoked (none: KeyProblem saying which devices are known).
    """
    now = clock.now()
    with engine.begin() as conn:
        keys = ledger.keys_of(conn, device)
        if not keys:
            raise KeyProblem(
                f"没有这台设备 / no device {device!r} here; the devices: "
                + (", ".join(ledger.known_devices(conn)) or "-")
            )
        for key in keys:
            ledger.revoke_device(conn, key, now, reason or "")
    return keys


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
        note = ""
        if row.revoked_at is not None:
            at = row.revoked_at
            at = at if at.tzinfo else at.replace(tzinfo=UTC)  # stored as UTC
            day = at.astimezone(clock.LOCAL_TZ).date().isoformat()
            note = f"设备已于 {day} 吊销 / device revoked on {day}"
            if row.revoked_reason:
                note += f": {row.revoked_reason}"
        return fmt.SigningKey(
            key_id,
            row.public_key,
            row.member,
            row.revoked_at is not None,
            ledger.key_device(conn, key_id),
            note,
        )

    return lookup
