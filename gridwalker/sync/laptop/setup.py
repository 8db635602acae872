"""First-run setup of a laptop (CLI.md `setup`, the app's first-run screen).

One call does what a new laptop needs: the member and their grid in the database, the device
key and age identity (made once, kept after), the hub trusted from its card, the settings (who
is signed in), and the pairing file for the hub. Everything given is checked before anything
is written; run again with the same values it changes nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from gridwalker import config
from gridwalker.domain import fields
from gridwalker.domain.i18n import language
from gridwalker.domain.validators import check_phone, normalize_phone
from gridwalker.store.migrate import ensure_device
from gridwalker.store.rounds.setup import (
    GridRef,
    SetupProblem,
    check_code,
    find_grid,
    make_grid,
    set_up_member,
    unknown_grid,
)
from gridwalker.store.writes import Writer
from gridwalker.sync.keys import (
    device_identity_path,
    device_key_paths,
    load_identity,
    read_public_key,
    trusted_hub,
)
from gridwalker.sync.pairing import (
    HubCard,
    Pairing,
    PairingProblem,
    made_at_now,
    read_hub_card,
    set_up_device_keys,
    trust_hub_card,
    trusted_card,
    write_pairing,
)


@dataclass
class SetupRequest:
    """What the member gives: name, phone, grid (code or path; a new grid's path), hub card."""

    member: str
    grid: str
    hub_card: Path
    phone: str | None = None
    place: str | None = None  # 街道/社区/网格 of a grid this laptop does not hold yet
    pair_out: Path | None = None


@dataclass
class SetupResult:
    """What setup made or found (the `keys show` keys plus member, grid, pairing file)."""

    device_id: str
    key_id: str
    public_key: Path
    secret_key: Path
    recipient: str
    identity: Path
    trusted_hub: str
    hub_name: str
    member: str
    member_uuid: str
    grid: GridRef
    pairing_file: Path | None
    already: bool
    made: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The `--json` object (CLI.md)."""
        return {
            "device_id": self.device_id,
            "key_id": self.key_id,
            "public_key": str(self.public_key),
            "secret_key": str(self.secret_key),
            "recipient": self.recipient,
            "identity": str(self.identity),
            "trusted_hub": self.trusted_hub,
            "hub_name": self.hub_name,
            "member": self.member,
            "member_uuid": self.member_uuid,
            "grid": self.grid.code,
            "grid_path": self.grid.path,
            "pairing_file": str(self.pairing_file) if self.pairing_file else None,
            "already_set_up": self.already,
        }


def _check_same_laptop(home: config.Paths, request: SetupRequest, card: HubCard) -> None:
    """Refuse setting up a laptop that is already someone else's or trusts another hub."""
    settings = config.load_settings(home)
    if (
        settings.member_name
        and not settings.demo
        and settings.member_name != request.member.strip()
    ):
        raise SetupProblem(
            f"本机已设置为{settings.member_name}使用 / this laptop is set up for "
            f"{settings.member_name}; a laptop holds one member's grid (use another home, or "
            "have the hub move the member)"
        )
    trusted = trusted_hub(home)
    if trusted and trusted != card.recipient:
        known = trusted_card(home)
        name = known.name if known else trusted[:16] + "…"
        raise SetupProblem(
            f"本机已信任另一个枢纽（{name}）/ this laptop already trusts another hub ({name}); "
            "to move it to this hub: gridwalker keys trust-hub --card FILE"
        )


def check_request(request: SetupRequest) -> None:
    """The member's name and phone as the field rules allow them (before anything is made)."""
    name = request.member.strip()
    if not name:
        raise SetupProblem("网格员姓名不能为空 / the member's name must not be empty")
    bad = fields.check_value("member", "name", name)
    if bad is None and request.phone and request.phone.strip():
        bad = check_phone(request.phone.strip())
    if bad is not None:
        raise SetupProblem(bad.text(language()))


def set_up_laptop(engine: Engine, home: config.Paths, request: SetupRequest) -> SetupResult:
    """Set the laptop up (idempotent); SetupProblem / PairingProblem say what is wrong."""
    check_request(request)
    card = read_hub_card(request.hub_card)
    if request.pair_out is not None and not request.pair_out.is_dir():
        raise PairingProblem(
            f"{request.pair_out}: 文件夹不存在（U 盘插好了吗？）/ folder not found "
            "(is the USB stick mounted?)"
        )
    _check_same_laptop(home, request, card)
    with engine.connect() as conn:
        grid = find_grid(conn, request.grid)
        if grid is None and not request.place:
            raise unknown_grid(conn, request.grid)
        if grid is None:
            check_code(request.grid)
    made: list[str] = []
    keys = set_up_device_keys(home)
    if not keys.already:
        made.append("keys")
    if trusted_hub(home) != card.recipient or trusted_card(home) != card:
        trust_hub_card(home, card)
        made.append("trusted hub")
    with engine.begin() as conn:
        writer = Writer(conn, request.member.strip())
        if grid is None:
            assert request.place is not None
            grid = make_grid(conn, writer, request.grid, request.place)
            made.append("grid")
        before = grid.member_uuid
        phone = normalize_phone(request.phone) if (request.phone or "").strip() else None
        member_uuid = set_up_member(conn, writer, request.member, grid, phone)
        if before != member_uuid:
            made.append("member")
    settings = config.load_settings(home)
    wanted = config.Settings(
        member_uuid=member_uuid,
        member_name=request.member.strip(),
        grid_code=grid.code,
        language=settings.language,
    )
    if settings != wanted:
        config.save_settings(home, wanted)
        made.append("settings")
    device_id = ensure_device(engine)
    pairing_file = None
    if request.pair_out is not None:
        pairing_file = write_pairing(
            request.pair_out, pairing_for(home, device_id, request.member.strip(), grid.code)
        )
    return SetupResult(
        device_id=device_id,
        key_id=keys.key_id,
        public_key=keys.public_key,
        secret_key=keys.secret_key,
        recipient=keys.recipient,
        identity=keys.identity,
        trusted_hub=card.recipient,
        hub_name=card.name,
        member=request.member.strip(),
        member_uuid=member_uuid,
        grid=grid,
        pairing_file=pairing_file,
        already=not made,
        made=made,
    )


def pairing_for(home: config.Paths, device_id: str, member: str, grid_code: str) -> Pairing:
    """This laptop's pairing (its keys must exist: `keys init` or setup)."""
    _, public = device_key_paths(home)
    key_id, _ = read_public_key(public)
    recipient = load_identity(device_identity_path(home))[1]
    return Pairing(
        device_id=device_id,
        key_id=key_id,
        public_key=public.read_text(encoding="utf-8"),
        recipient=recipient,
        member=member,
        grid=grid_code,
        made_at=made_at_now(),
    )
