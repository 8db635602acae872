"""Pairing a laptop with its hub (BUNDLE.md, Pairing files): the hub card and the pairing file.

- The hub card (`hub-card.json`) is written by `hub init` next to the hub's identity: hub id,
  name, age recipient, minisign public key. It goes to the laptop on a USB stick; the laptop
  trusts the hub it names (`keys trust-hub --card`, first-run setup).
- The pairing file (`gridwalker-pair-<device>.json`) is written by the laptop's setup: device
  id, device public key, age recipient, member, grid. The hub enrols the laptop from it
  (`hub enroll PAIRFILE`), which binds the device id to the key.

Neither holds a secret. Both are read as untrusted files: bounded size, strict JSON, exact
types, format and version, key syntax (a public key's id must be the one the file gives).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from gridwalker.config import Paths, private_dir
from gridwalker.domain import fields
from gridwalker.domain.i18n import language
from gridwalker.sync.keys import (
    HUB_RECIPIENT,
    HUB_SIGN_PUB,
    KeyProblem,
    key_id_of,
    replace_public,
    valid_recipient,
)

CARD_FORMAT = "gridwalker-hub-card"
PAIRING_FORMAT = "gridwalker-pairing"
VERSION = 1
HUB_CARD = "hub-card.json"  # on the hub, next to its identity
TRUSTED_CARD = "trusted-hub-card.json"  # on a laptop: the card of the hub it trusts
MAX_FILE_BYTES = 64 * 1024
DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
KEY_ID = re.compile(r"^[0-9A-F]{16}$")


class PairingProblem(KeyProblem):
    """A hub card or pairing file that is not one, or that does not fit (bilingual message)."""


@dataclass(frozen=True)
class HubCard:
    """What a laptop needs to trust a hub."""

    hub_id: str
    name: str
    recipient: str
    signing_public_key: str  # the minisign public key file's text
    signing_key_id: str

    def as_json(self) -> dict[str, Any]:
        """The card file's object."""
        return {"format": CARD_FORMAT, "version": VERSION, **asdict(self)}


@dataclass(frozen=True)
class Pairing:
    """What the hub needs to enrol a laptop."""

    device_id: str
    key_id: str
    public_key: str  # the minisign public key file's text
    recipient: str
    member: str
    grid: str
    made_at: str

    def as_json(self) -> dict[str, Any]:
        """The pairing file's object."""
        return {"format": PAIRING_FORMAT, "version": VERSION, **asdict(self)}

    @property
    def public_line(self) -> str:
        """The base64 key line of the public key (as `hub_device` stores it)."""
        return _public_key(self.public_key, self.key_id, "public_key").to_base64().decode()


def pairing_name(device_id: str) -> str:
    """The pairing file's name for a device."""
    return f"gridwalker-pair-{device_id}.json"


def write_public_json(path: Path, obj: dict[str, Any]) -> Path:
    """Write a card or pairing file atomically (it holds no secret: 0644 is fine)."""
    replace_public(path, orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n")
    return path


def _load(path: Path, what: tuple[str, str], expected_format: str) -> dict[str, Any]:
    """A card or pairing file's object: bounded, strict JSON, the right format and version.

    `what` names the file in Chinese and in English, for the messages."""
    zh, en = what
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PairingProblem(
                f"{path}: {size:,} 字节，不是{zh}文件 / {size:,} bytes: not a {en} file"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise PairingProblem(f"{path}: 无法读取 / cannot read ({exc.strerror or exc})") from exc
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        obj = None
    if type(obj) is not dict or obj.get("format") != expected_format:
        raise PairingProblem(f"{path}: 不是 gridwalker 的{zh}文件 / not a gridwalker {en} file")
    if obj.get("version") != VERSION:
        raise PairingProblem(
            f"{path}: {zh}文件版本 {obj.get('version')!r} 不受支持 / "
            f"{en} file version {obj.get('version')!r} is not supported (this gridwalker reads "
            f"version {VERSION})"
        )
    return obj


def _text(obj: dict[str, Any], name: str, path: Path, limit: int = fields.NAME_MAX) -> str:
    value = obj.get(name)
    if type(value) is not str or not value.strip() or len(value) > limit:
        raise PairingProblem(
            f"{path}: 字段 {name} 缺失或无效 / field {name!r} is missing or invalid"
        )
    key_text = name.endswith("public_key")  # a key file's text: two lines
    if not key_text and fields.forbidden_characters("member", "name").search(value):
        raise PairingProblem(
            f"{path}: 字段 {name} 含控制字符 / field {name!r} holds control characters"
        )
    return value if key_text else value.strip()


def _public_key(text: str, key_id: str, name: str) -> object:
    """A minisign public key from its file text, whose id must be `key_id`."""
    from minisign import PublicKey
    from minisign.exceptions import Error as MinisignError

    try:
        key = PublicKey.from_bytes(text.strip().encode())
    except (MinisignError, ValueError, IndexError) as exc:
        raise PairingProblem(
            f"{name}: 不是 minisign 公钥 / not a minisign public key ({exc})"
        ) from None
    if key_id_of(key) != key_id:
        raise PairingProblem(
            f"{name}: 公钥编号为 {key_id_of(key)}，文件写的是 {key_id} / the key's id is "
            f"{key_id_of(key)}, the file says {key_id}"
        )
    return key


def read_hub_card(path: Path) -> HubCard:
    """A hub card file, checked; PairingProblem says what is wrong with it."""
    obj = _load(path, ("枢纽名片", "hub card"), CARD_FORMAT)
    recipient = _text(obj, "recipient", path, 100)
    if not valid_recipient(recipient):
        raise PairingProblem(f"{path}: recipient 不是 age 公钥 / recipient is not an age recipient")
    key_id = _text(obj, "signing_key_id", path, 16).upper()
    if not KEY_ID.match(key_id):
        raise PairingProblem(f"{path}: signing_key_id 无效 / signing_key_id is not a key id")
    public = _text(obj, "signing_public_key", path, 1000)
    _public_key(public, key_id, f"{path}: signing_public_key")
    hub_id = _text(obj, "hub_id", path, 100)
    if hub_id != recipient:
        raise PairingProblem(f"{path}: hub_id 与 recipient 不符 / hub_id is not the recipient")
    return HubCard(hub_id, _text(obj, "name", path), recipient, public, key_id)


def read_pairing(path: Path) -> Pairing:
    """A pairing file, checked; PairingProblem says what is wrong with it."""
    obj = _load(path, ("配对", "pairing"), PAIRING_FORMAT)
    device_id = _text(obj, "device_id", path, 64)
    if not DEVICE_ID.match(device_id):
        raise PairingProblem(f"{path}: device_id 无效 / device_id is not a device id")
    key_id = _text(obj, "key_id", path, 16).upper()
    if not KEY_ID.match(key_id):
        raise PairingProblem(f"{path}: key_id 无效 / key_id is not a key id")
    public = _text(obj, "public_key", path, 1000)
    _public_key(public, key_id, f"{path}: public_key")
    recipient = _text(obj, "recipient", path, 100)
    if not valid_recipient(recipient):
        raise PairingProblem(f"{path}: recipient 不是 age 公钥 / recipient is not an age recipient")
    made_at = _text(obj, "made_at", path, 40)
    try:
        datetime.fromisoformat(made_at)
    except ValueError:
        raise PairingProblem(f"{path}: made_at 不是时间 / made_at is not a time") from None
    return Pairing(
        device_id,
        key_id,
        public,
        recipient,
        _text(obj, "member", path),
        _text(obj, "grid", path, 100),
        made_at,
    )


# --- the hub's side ---------------------------------------------------------------------------


def hub_card_path(home: Paths) -> Path:
    """Where the hub card lives: next to the hub's identity."""
    return home.keys / HUB_CARD


def write_hub_card(home: Paths, card: HubCard) -> Path:
    """Write (or rewrite) the hub card; returns its path."""
    private_dir(home.keys)
    return write_public_json(hub_card_path(home), card.as_json())


# --- the laptop's side ------------------------------------------------------------------------


def trusted_card(home: Paths) -> HubCard | None:
    """The card of the hub this laptop trusts (None when it trusts none by card)."""
    path = home.keys / TRUSTED_CARD
    if not path.exists():
        return None
    return read_hub_card(path)


def trust_hub_card(home: Paths, card: HubCard) -> None:
    """Trust the hub a card names: its recipient (bundles are encrypted to it) and its key."""
    private_dir(home.keys)
    replace_public(home.keys / HUB_SIGN_PUB, card.signing_public_key.strip().encode() + b"\n")
    replace_public(
        home.keys / TRUSTED_CARD, orjson.dumps(card.as_json(), option=orjson.OPT_INDENT_2)
    )
    replace_public(home.keys / HUB_RECIPIENT, (card.recipient + "\n").encode())


def write_pairing(out_dir: Path, pairing: Pairing) -> Path:
    """Write the pairing file into a folder that must exist (an unmounted stick is an error)."""
    if not out_dir.is_dir():
        raise PairingProblem(
            f"{out_dir}: 文件夹不存在（U 盘插好了吗？）/ folder not found (is the USB stick mounted?)"
        )
    return write_public_json(out_dir / pairing_name(pairing.device_id), pairing.as_json())


def made_at_now() -> str:
    """The time a pairing file is made, as ISO 8601 with its offset."""
    from gridwalker.domain import clock

    return clock.now().replace(microsecond=0).isoformat()


# --- setting up keys, once (idempotent), or again with --rotate --------------------------------


@dataclass
class KeysSetUp:
    """The keys of this home after `keys init` / `hub init`: made now, or already there."""

    key_id: str
    public_key: Path
    secret_key: Path
    recipient: str
    identity: Path
    already: bool
    retired_to: Path | None = None
    card: HubCard | None = None
    card_path: Path | None = None


def retire(home: Paths, files: list[Path]) -> Path | None:
    """Move key files aside into keys/retired-<time>/ (kept, 0700, for decrypting old files)."""
    present = [f for f in files if f.exists()]
    if not present:
        return None
    from gridwalker.domain import clock

    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    folder = private_dir(home.keys / f"retired-{stamp}")
    for f in present:
        f.replace(folder / f.name)
    return folder


def set_up_device_keys(home: Paths, *, rotate: bool = False) -> KeysSetUp:
    """The laptop's device key and age identity: made when missing, kept when there.

    `rotate` retires both and makes new ones (the hub must enrol the new pairing file).
    """
    from gridwalker.domain import clock
    from gridwalker.sync.keys import (
        device_identity_path,
        device_key_paths,
        init_device_identity,
        init_device_key,
        load_identity,
        read_public_key,
    )

    secret, public = device_key_paths(home)
    identity = device_identity_path(home)
    retired = retire(home, [secret, public, identity]) if rotate else None
    already = secret.exists() and public.exists() and identity.exists()
    if secret.exists() != public.exists():
        raise KeyProblem(
            f"{home.keys}: 设备密钥只剩一半 / only half of the device key is there "
            f"({secret.name if secret.exists() else public.name}); restore it, or "
            "gridwalker keys init --rotate"
        )
    if not secret.exists():
        init_device_key(home)
    if not identity.exists():
        init_device_identity(home, clock.now())
    return KeysSetUp(
        key_id=read_public_key(public)[0],
        public_key=public,
        secret_key=secret,
        recipient=load_identity(identity)[1],
        identity=identity,
        already=already,
        retired_to=retired,
    )


def set_up_hub(home: Paths, name: str | None = None, *, rotate: bool = False) -> KeysSetUp:
    """The hub's age identity, signing key and card: made when missing, kept when there.

    The card is (re)written with `name` (else the name it had). `rotate` retires the identity
    and the signing key and makes new ones.
    """
    from gridwalker.domain import clock
    from gridwalker.sync.keys import (
        hub_key_path,
        hub_signing_paths,
        init_hub_identity,
        init_hub_signing_key,
        load_hub_identity,
        read_public_key,
    )

    identity = hub_key_path(home)
    sign_secret, sign_public = hub_signing_paths(home)
    retired = retire(home, [identity, sign_secret, sign_public]) if rotate else None
    already = identity.exists() and sign_secret.exists() and sign_public.exists()
    if sign_secret.exists() != sign_public.exists():
        raise KeyProblem(
            f"{home.keys}: 枢纽签名密钥只剩一半 / only half of the hub signing key is there; "
            "restore it, or gridwalker hub init --rotate"
        )
    if not identity.exists():
        init_hub_identity(home, clock.now())
    if not sign_secret.exists():
        init_hub_signing_key(home)
    recipient = load_hub_identity(home)[1]
    key_id = read_public_key(sign_public)[0]
    old = hub_card_path(home)
    old_name = None
    if old.exists():
        try:
            old_name = read_hub_card(old).name
        except PairingProblem:
            old_name = None
    card_name = (name or "").strip() or old_name or "网格中心 / gridwalker hub"
    bad = fields.check_value("member", "name", card_name)
    if bad is not None:
        raise PairingProblem(f"--name: {bad.text(language())}")
    card = HubCard(recipient, card_name, recipient, sign_public.read_text(encoding="utf-8"), key_id)
    card_path = hub_card_path(home)
    if not card_path.exists() or old_name != card_name or read_hub_card(card_path) != card:
        write_hub_card(home, card)
    return KeysSetUp(
        key_id=key_id,
        public_key=sign_public,
        secret_key=sign_secret,
        recipient=recipient,
        identity=identity,
        already=already,
        retired_to=retired,
        card=card,
        card_path=card_path,
    )
