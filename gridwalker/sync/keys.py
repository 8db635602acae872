"""Keys of the sync bundle: the laptop's device key, the hub's age identity, trust between them.

- Device key: Ed25519 in minisign's own file format (py-minisign), `device.key` (secret,
  unencrypted so a nightly cron export needs no password; the file is 0600 in a 0700 folder)
  and `device.pub`, which `minisign -V -p device.pub` reads. Its key id is minisign's 8-byte
  key number, written as 16 upper-case hex digits.
- Hub identity: an age X25519 identity (pyrage) in the file format `age-keygen` writes, so
  `age -d -i hub.key` decrypts bundles. The hub id written into manifests is its recipient.
- Trust: the laptop stores the hub recipient (`hub.recipient`) and optionally the hub's
  minisign public key (`hub-sign.pub`); the hub enrolls device public keys in `hub_device`.
- Back to the laptops (issue #7): each laptop also has an age identity (`device-age.key`)
  whose recipient the hub enrolls, and the hub a minisign signing key (`hub-signing.key`,
  `hub-signing.pub`) whose public half the laptop trusts as `hub-sign.pub`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gridwalker.config import Paths, private_dir

DEVICE_KEY = "device.key"
DEVICE_PUB = "device.pub"
HUB_KEY = "hub.key"
HUB_RECIPIENT = "hub.recipient"
HUB_SIGN_PUB = "hub-sign.pub"  # on a laptop: the trusted hub's signing key
DEVICE_AGE_KEY = "device-age.key"  # the laptop's age identity: hub bundles are encrypted to it
HUB_SIGNING_KEY = "hub-signing.key"  # on the hub: its own signing key pair
HUB_SIGNING_PUB = "hub-signing.pub"
RECIPIENT_RE = re.compile(r"^age1[02-9ac-hj-np-z]{58}$")


class KeyProblem(Exception):
    """A key that is missing, malformed or would be overwritten."""


@dataclass(frozen=True)
class DeviceKey:
    """The laptop's signing key, loaded."""

    key_id: str
    secret_path: Path
    public_path: Path
    secret: object  # minisign.SecretKey

    def sign(self, data: bytes, trusted_comment: str) -> bytes:
        """A minisign signature file (bytes, newline-terminated) over data."""
        sig = self.secret.sign(data, trusted_comment=trusted_comment)  # type: ignore[attr-defined]
        return bytes(sig) + b"\n"


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Create a new file with owner-only permissions (never overwrite one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, mode)


def key_id_of(public_key: object) -> str:
    """A minisign public key's id as 16 upper-case hex digits (as `minisign` prints it)."""
    return bytes(public_key._keynum_pk.key_id).hex().upper()  # type: ignore[attr-defined]


def device_key_paths(home: Paths) -> tuple[Path, Path]:
    """(secret, public) paths of the device key."""
    return home.keys / DEVICE_KEY, home.keys / DEVICE_PUB


def init_device_key(home: Paths) -> str:
    """Make the device key pair; returns its key id. Refuses to overwrite an existing key."""
    secret_path, public_path = device_key_paths(home)
    return _init_signing_key(
        secret_path,
        public_path,
        f"设备密钥已存在，不会覆盖 / a device key already exists, not overwriting: {secret_path}",
    )


def _init_signing_key(secret_path: Path, public_path: Path, exists_message: str) -> str:
    """Make a minisign key pair (unencrypted secret, 0600); returns its key id."""
    from minisign import KeyPair

    if secret_path.exists() or public_path.exists():
        raise KeyProblem(exists_message)
    private_dir(secret_path.parent)
    pair = KeyPair.generate()
    key_id = key_id_of(pair.public_key)
    _write_private(secret_path, bytes(pair.secret_key) + b"\n")
    _write_private(public_path, bytes(pair.public_key) + b"\n", 0o644)
    return key_id


def load_device_key(home: Paths) -> DeviceKey:
    """The device key, or KeyProblem saying what to run."""
    secret_path, public_path = device_key_paths(home)
    if not secret_path.exists():
        raise KeyProblem(
            "本机还没有设备密钥，请先运行 / no device key yet; run: gridwalker keys init"
        )
    return _load_signing_key(secret_path, public_path)


def _load_signing_key(secret_path: Path, public_path: Path) -> DeviceKey:
    """A minisign secret key file, loaded (it must not be password-protected)."""
    from minisign import SecretKey
    from minisign.exceptions import Error as MinisignError

    try:
        secret = SecretKey.from_file(secret_path)
        if secret.is_encrypted():
            raise KeyProblem(
                f"{secret_path}: the key is password-protected; unattended export needs an unencrypted key"
            )
        public = secret.get_public_key()
    except (MinisignError, ValueError) as exc:
        raise KeyProblem(f"{secret_path}: not a minisign secret key ({exc})") from exc
    return DeviceKey(key_id_of(public), secret_path, public_path, secret)


def read_public_key(path: Path) -> tuple[str, str]:
    """(key id, base64 key line) of a minisign public key file; KeyProblem when it is not one."""
    from minisign import PublicKey
    from minisign.exceptions import Error as MinisignError

    try:
        public = PublicKey.from_bytes(path.read_bytes().strip())
    except (OSError, MinisignError, ValueError, IndexError) as exc:
        raise KeyProblem(f"{path}: not a minisign public key ({exc})") from exc
    return key_id_of(public), public.to_base64().decode()


def public_key_from_line(line: str) -> object:
    """A minisign PublicKey from its base64 line (as stored in hub_device)."""
    from minisign import PublicKey

    return PublicKey.from_base64(line)


def valid_recipient(recipient: str) -> bool:
    """Whether a string is an age X25519 recipient (age1…, bech32, 62 characters)."""
    if not RECIPIENT_RE.match(recipient or ""):
        return False
    from pyrage import x25519

    try:
        x25519.Recipient.from_str(recipient)
    except Exception:  # noqa: BLE001 - pyrage raises its own RecipientError type
        return False
    return True


def trust_hub(home: Paths, recipient: str, hub_sign_key: Path | None = None) -> None:
    """Store the hub's age recipient (and its signing key) on the laptop."""
    recipient = recipient.strip()
    if not valid_recipient(recipient):
        raise KeyProblem(
            f"不是 age 接收方公钥 / not an age recipient (age1…, 62 characters): {recipient!r}"
        )
    private_dir(home.keys)
    if hub_sign_key is not None:
        read_public_key(hub_sign_key)  # refuse a bad file before changing anything
        replace_public(home.keys / HUB_SIGN_PUB, hub_sign_key.read_bytes())
    replace_public(home.keys / HUB_RECIPIENT, (recipient + "\n").encode())


def replace_public(path: Path, data: bytes) -> None:
    """Replace a public file (a public key, the trusted hub, a card) atomically; 0644."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    _write_private(tmp, data, 0o644)
    os.replace(tmp, path)


def trusted_hub(home: Paths) -> str | None:
    """The hub recipient this laptop encrypts to, or None."""
    path = home.keys / HUB_RECIPIENT
    if not path.exists():
        return None
    value = path.read_text(encoding="utf-8").strip()
    return value if valid_recipient(value) else None


def hub_key_path(home: Paths) -> Path:
    """Where the hub's age identity lives."""
    return home.keys / HUB_KEY


def init_hub_identity(home: Paths, created: datetime) -> tuple[str, Path]:
    """Make the hub's age identity (age-keygen's file format); returns (recipient, path)."""
    path = hub_key_path(home)
    return _init_age_identity(
        path,
        created,
        f"枢纽密钥已存在，不会覆盖 / a hub identity already exists, not overwriting: {path}",
    ), path


def _init_age_identity(path: Path, created: datetime, exists_message: str) -> str:
    """Write a new age X25519 identity file (age-keygen's format); returns its recipient."""
    from pyrage import x25519

    if path.exists():
        raise KeyProblem(exists_message)
    private_dir(path.parent)
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    text = (
        f"# created: {created.isoformat(timespec='seconds')}\n"
        f"# public key: {recipient}\n"
        f"{identity}\n"
    )
    _write_private(path, text.encode())
    return recipient


def load_identity(path: Path) -> tuple[object, str]:
    """(age identity, recipient) from an identity file; KeyProblem when unreadable."""
    from pyrage import x25519

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KeyProblem(f"{path}: cannot read the identity ({exc.strerror})") from exc
    for line in lines:
        line = line.strip()
        if line.startswith("AGE-SECRET-KEY-"):
            try:
                identity = x25519.Identity.from_str(line)
            except Exception as exc:  # noqa: BLE001 - pyrage's IdentityError
                raise KeyProblem(f"{path}: not an age identity ({exc})") from exc
            return identity, str(identity.to_public())
    raise KeyProblem(f"{path}: no AGE-SECRET-KEY line; not an age identity file")


def load_hub_identity(home: Paths) -> tuple[object, str]:
    """The hub's identity and recipient, or KeyProblem saying what to run."""
    path = hub_key_path(home)
    if not path.exists():
        raise KeyProblem("还没有枢纽密钥，请先运行 / no hub identity yet; run: gridwalker hub init")
    return load_identity(path)


# --- back to the laptops: the laptop's age identity, the hub's signing key ------------------


def device_identity_path(home: Paths) -> Path:
    """Where the laptop's age identity lives."""
    return home.keys / DEVICE_AGE_KEY


def init_device_identity(home: Paths, created: datetime) -> tuple[str, Path]:
    """Make the laptop's age identity; returns (recipient, path). Never overwrites one."""
    path = device_identity_path(home)
    return _init_age_identity(
        path,
        created,
        f"本机的 age 身份已存在，不会覆盖 / this laptop's age identity already exists: {path}",
    ), path


def load_device_identity(home: Paths) -> tuple[object, str]:
    """The laptop's age identity and recipient, or KeyProblem saying what to run."""
    path = device_identity_path(home)
    if not path.exists():
        raise KeyProblem(
            "本机还没有 age 身份，请先运行 / no age identity on this laptop yet; run: gridwalker keys init"
        )
    return load_identity(path)


def hub_signing_paths(home: Paths) -> tuple[Path, Path]:
    """(secret, public) paths of the hub's own signing key."""
    return home.keys / HUB_SIGNING_KEY, home.keys / HUB_SIGNING_PUB


def init_hub_signing_key(home: Paths) -> str:
    """Make the hub's minisign signing key pair; returns its key id. Never overwrites one."""
    secret_path, public_path = hub_signing_paths(home)
    return _init_signing_key(
        secret_path,
        public_path,
        f"枢纽签名密钥已存在，不会覆盖 / the hub signing key already exists: {secret_path}",
    )


def load_hub_signing_key(home: Paths) -> DeviceKey:
    """The hub's signing key, or KeyProblem saying what to run."""
    secret_path, public_path = hub_signing_paths(home)
    if not secret_path.exists():
        raise KeyProblem(
            "还没有枢纽签名密钥，请先运行 / no hub signing key yet; run: gridwalker hub init"
        )
    return _load_signing_key(secret_path, public_path)


def trusted_hub_key(home: Paths) -> tuple[str, str] | None:
    """(key id, base64 line) of the hub signing key this laptop trusts, or None."""
    path = home.keys / HUB_SIGN_PUB
    if not path.exists():
        return None
    return read_public_key(path)
