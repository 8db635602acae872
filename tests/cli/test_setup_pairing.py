"""A real start (issue #13, section 1): hub init and its card, setup, pairing, enrolment.

Each refusal shows its reason and writes nothing: no keys, no settings, no rows.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Grid, Member
from gridwalker.store.tables.hub import HubDevice
from gridwalker.sync.pairing import read_hub_card, read_pairing
from tests.support.at_rest import open_field
from tests.support.hubs import snapshot

PLACE = "新华街/邮三社区/第9网格"

# A laptop is set up as a real one: encrypted, its passphrase in a 0600 file.
pytestmark = pytest.mark.usefixtures("passphrase_env")


def run(*args: str, home: Path, stdin: str | None = None) -> tuple[int, str, str]:
    """Run gridwalker in a home; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, input=stdin, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    """The USB stick between hub and laptop."""
    stick = tmp_path / "usb"
    stick.mkdir()
    return stick


@pytest.fixture
def card(tmp_path: Path, usb: Path) -> Path:
    """A hub made with `hub init --name`, its card copied to the stick."""
    code, out, err = run(
        "hub", "init", "--name", "新华街道网格中心", "--json", home=tmp_path / "hub"
    )
    assert code == 0, err
    made = Path(json.loads(out)["card"])
    target = usb / "hub-card.json"
    target.write_bytes(made.read_bytes())
    return target


def setup(tmp_path: Path, usb: Path, card: Path, *extra: str, member: str = "李晓梅"):
    """`gridwalker setup` of the laptop home with a new grid; (code, json or None, stderr)."""
    args = ["setup", "--member", member, "--grid", "XH-03-09", "--place", PLACE]
    args += ["--hub-card", str(card), "--pair-out", str(usb), "--json", *extra]
    code, out, err = run(*args, home=tmp_path / "lap")
    return code, (json.loads(out) if code == 0 else None), err


def nothing_made(home: Path) -> bool:
    """No keys, no settings file, no database rows of places or members."""
    paths = config.paths(home)
    if paths.keys.exists() and any(paths.keys.iterdir()):
        return False
    if paths.settings_file.exists():
        return False
    if not paths.field_db.exists():
        return True
    engine = open_field(paths.field_db)
    with engine.connect() as conn:
        empty = not conn.execute(select(Member.uuid)).first()
        empty = empty and not conn.execute(select(Grid.uuid)).first()
    engine.dispose()
    return empty


# --- hub init ------------------------------------------------------------------------------


def test_hub_init_writes_a_card_and_is_idempotent(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    code, out, _ = run("hub", "init", "--name", "新华街道网格中心", "--json", home=home)
    first = json.loads(out)
    assert code == 0 and first["already_set_up"] is False
    assert set(first) >= {"recipient", "identity", "signing_public_key", "signing_key_id", "card"}
    card = read_hub_card(Path(first["card"]))
    assert card.name == "新华街道网格中心" and card.recipient == first["recipient"]
    assert card.signing_key_id == first["signing_key_id"]
    assert Path(first["card"]).stat().st_mode & 0o777 == 0o644  # public: no secret in it

    code, out, err = run("hub", "init", home=home)
    assert code == 0 and "已设置" in err and out.splitlines()[0] == first["recipient"]
    assert read_hub_card(Path(first["card"])).name == "新华街道网格中心"  # the name is kept


def test_hub_init_rotate_asks_and_keeps_the_old_keys(tmp_path: Path) -> None:
    home = tmp_path / "hub"
    first = json.loads(run("hub", "init", "--json", home=home)[1])
    code, _out, err = run("hub", "init", "--rotate", home=home, stdin="n\n")
    assert code == 1 and "各笔记本要信任新的枢纽名片" in err
    assert json.loads(run("hub", "init", "--json", home=home)[1])["recipient"] == first["recipient"]

    code, out, err = run("hub", "init", "--rotate", "--yes", "--json", home=home)
    rotated = json.loads(out)
    assert code == 0 and rotated["recipient"] != first["recipient"]
    retired = Path(rotated["retired_to"])
    assert (retired / "hub.key").exists() and retired.stat().st_mode & 0o777 == 0o700
    assert read_hub_card(Path(rotated["card"])).recipient == rotated["recipient"]


def test_keys_init_is_idempotent_and_rotates_on_request(tmp_path: Path) -> None:
    home = tmp_path / "lap"
    code, out, _ = run("keys", "init", "--json", home=home)
    first = json.loads(out)
    assert code == 0 and first["already_set_up"] is False
    assert {"device_id", "key_id", "public_key", "secret_key", "recipient", "identity"} <= set(
        first
    ) and "trusted_hub" in first  # the keys CLI.md lists
    code, out, err = run("keys", "init", "--json", home=home)
    assert code == 0 and json.loads(out)["key_id"] == first["key_id"]
    assert json.loads(out)["already_set_up"] is True
    code, out, err = run("keys", "init", "--rotate", "--yes", "--json", home=home)
    assert code == 0 and json.loads(out)["key_id"] != first["key_id"]
    assert "枢纽要重新登记本机" in err


# --- setup -----------------------------------------------------------------------------------


def test_setup_makes_member_grid_keys_and_pairing_file(
    tmp_path: Path, usb: Path, card: Path
) -> None:
    code, made, err = setup(tmp_path, usb, card, "--phone", "13800138000")
    assert code == 0, err
    assert made["member"] == "李晓梅" and made["grid"] == "XH-03-09"
    assert made["grid_path"] == PLACE and made["already_set_up"] is False
    assert made["trusted_hub"] == read_hub_card(card).recipient
    pairing = read_pairing(Path(made["pairing_file"]))
    assert pairing.device_id == made["device_id"] and pairing.key_id == made["key_id"]
    assert pairing.member == "李晓梅" and pairing.grid == "XH-03-09"
    assert pairing.recipient == made["recipient"]
    settings = config.load_settings(config.paths(tmp_path / "lap"))
    assert settings.member_name == "李晓梅" and settings.grid_code == "XH-03-09"

    code, again, _ = setup(tmp_path, usb, card)
    assert code == 0 and again["already_set_up"] is True
    assert again["member_uuid"] == made["member_uuid"] and again["key_id"] == made["key_id"]
    # By the grid's path, now that the laptop holds it.
    code, out, _ = run(
        "setup",
        "--member",
        "李晓梅",
        "--grid",
        PLACE,
        "--hub-card",
        str(card),
        "--json",
        home=tmp_path / "lap",
    )
    assert code == 0 and json.loads(out)["grid"] == "XH-03-09"


def test_setup_refuses_another_member_on_the_same_laptop(
    tmp_path: Path, usb: Path, card: Path
) -> None:
    assert setup(tmp_path, usb, card)[0] == 0
    lap = config.paths(tmp_path / "lap")
    engine = open_field(lap.field_db)
    before = snapshot(engine)
    code, _, err = setup(tmp_path, usb, card, member="王建国")
    assert code == 1 and "this laptop is set up for 李晓梅" in err
    assert snapshot(engine) == before
    engine.dispose()


def test_setup_of_an_unknown_grid_lists_what_to_give(tmp_path: Path, usb: Path, card: Path) -> None:
    code, out, err = run(
        "setup",
        "--member",
        "李晓梅",
        "--grid",
        "XH-03-09",
        "--hub-card",
        str(card),
        home=tmp_path / "lap",
    )
    assert code == 1 and "unknown grid 'XH-03-09'" in err and "--place" in err
    assert nothing_made(tmp_path / "lap")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not json at all", "not a gridwalker"),
        (b'{"format": "gridwalker-pairing", "version": 1}', "not a gridwalker"),
        (b"[]", "not a gridwalker"),
        (b"x" * (70 * 1024), "bytes: not a"),
    ],
)
def test_setup_refuses_a_bad_hub_card(
    tmp_path: Path, usb: Path, card: Path, content: bytes, reason: str
) -> None:
    card.write_bytes(content)
    code, _, err = setup(tmp_path, usb, card)
    assert code == 1 and reason in err and "Traceback" not in err
    assert nothing_made(tmp_path / "lap")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("version", 2, "version 2 is not supported"),
        ("recipient", "age1notarecipient", "not an age recipient"),
        ("signing_key_id", "0000000000000000", "the file says 0000000000000000"),
        ("signing_public_key", "untrusted comment: x\nnot base64\n", "not a minisign public key"),
        ("name", "网格\x1b[31m中心", "control characters"),
        ("name", 42, "'name' is missing or invalid"),
        ("hub_id", "age1other", "hub_id is not the recipient"),
    ],
)
def test_setup_refuses_a_tampered_hub_card(
    tmp_path: Path, usb: Path, card: Path, field: str, value: object, reason: str
) -> None:
    obj = json.loads(card.read_text(encoding="utf-8"))
    obj[field] = value
    card.write_text(json.dumps(obj), encoding="utf-8")
    code, _, err = setup(tmp_path, usb, card)
    assert code == 1 and reason in err, err
    assert nothing_made(tmp_path / "lap")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (("--phone", "12345"), "11位数字"),
        (("--member", "李\x07晓梅"), "控制字符"),
    ],
)
def test_setup_refuses_bad_member_details(
    tmp_path: Path, usb: Path, card: Path, extra: tuple[str, ...], reason: str
) -> None:
    code, _, err = setup(tmp_path, usb, card, *extra)
    assert code == 1 and reason in err, err
    assert nothing_made(tmp_path / "lap")


def test_setup_refuses_a_bad_grid_code_and_a_missing_stick(
    tmp_path: Path, usb: Path, card: Path
) -> None:
    lap = tmp_path / "lap"
    base = ["setup", "--member", "李晓梅", "--hub-card", str(card), "--place", PLACE]
    code, _, err = run(*base, "--grid", "XH 03/09;", home=lap)
    assert code == 1 and "not a grid code" in err
    code, _, err = run(*base, "--grid", "XH-03-09", "--pair-out", str(tmp_path / "gone"), home=lap)
    assert code == 1 and "is the USB stick mounted?" in err
    assert not (tmp_path / "gone").exists()
    assert nothing_made(lap)


# --- enrolment -------------------------------------------------------------------------------


def test_hub_enroll_from_the_pairing_file(tmp_path: Path, usb: Path, card: Path) -> None:
    code, made, _ = setup(tmp_path, usb, card)
    hub = tmp_path / "hub"
    code, out, err = run("hub", "enroll", made["pairing_file"], "--json", home=hub)
    assert code == 0, err
    enrolled = json.loads(out)
    assert enrolled["device_id"] == made["device_id"] and enrolled["member"] == "李晓梅"
    engine = open_database(config.paths(hub).hub_db)
    with engine.connect() as conn:
        row = conn.execute(select(HubDevice)).one()
    assert row.device_id == made["device_id"] and row.recipient == made["recipient"]
    # The older form again (no --recipient) never drops the recipient it had.
    pub = made["public_key"]
    assert run("hub", "enroll", pub, "--member", "李晓梅", home=hub)[0] == 0
    with engine.connect() as conn:
        row = conn.execute(select(HubDevice)).one()
    assert row.recipient == made["recipient"] and row.device_id == made["device_id"]
    engine.dispose()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("key_id", "0123456789ABCDEF", "the file says 0123456789ABCDEF"),
        ("device_id", "../../etc", "device_id is not a device id"),
        ("format", "gridwalker-hub-card", "not a gridwalker"),
        ("made_at", "yesterday", "made_at is not a time"),
        ("member", "", "'member' is missing or invalid"),
    ],
)
def test_hub_enroll_refuses_a_tampered_pairing_file(
    tmp_path: Path, usb: Path, card: Path, field: str, value: str, reason: str
) -> None:
    made = setup(tmp_path, usb, card)[1]
    path = Path(made["pairing_file"])
    obj = json.loads(path.read_text(encoding="utf-8"))
    obj[field] = value
    path.write_text(json.dumps(obj), encoding="utf-8")
    hub = tmp_path / "hub"
    code, _, err = run("hub", "enroll", str(path), home=hub)
    assert code == 1 and reason in err, err
    engine = open_database(config.paths(hub).hub_db)
    with engine.connect() as conn:
        assert conn.execute(select(HubDevice)).first() is None
    engine.dispose()


def test_hub_enroll_usage_errors(tmp_path: Path, usb: Path, card: Path) -> None:
    made = setup(tmp_path, usb, card)[1]
    hub = tmp_path / "hub"
    code, _, err = run("hub", "enroll", made["pairing_file"], "--member", "x", home=hub)
    assert code == 2 and "配对文件已写明网格员" in err
    code, _, err = run("hub", "enroll", made["public_key"], home=hub)
    assert code == 2 and "--member" in err


def test_keys_pair_rewrites_the_pairing_file(tmp_path: Path, usb: Path, card: Path) -> None:
    made = setup(tmp_path, usb, card)[1]
    Path(made["pairing_file"]).unlink()
    code, out, _ = run("keys", "pair", "--out", str(usb), "--json", home=tmp_path / "lap")
    assert code == 0 and read_pairing(Path(json.loads(out)["pairing_file"])).member == "李晓梅"
    code, _, err = run("keys", "pair", "--out", str(tmp_path / "gone"), home=tmp_path / "lap")
    assert code == 1 and "is the USB stick mounted?" in err
    code, _, err = run("keys", "pair", "--out", str(usb), home=tmp_path / "new")
    assert code == 1 and "本机还没有设置" in err


def test_trust_hub_by_card_and_the_older_form(tmp_path: Path, card: Path) -> None:
    lap = tmp_path / "lap"
    code, out, _ = run("keys", "trust-hub", "--card", str(card), home=lap)
    assert code == 0 and "新华街道网格中心" in out
    code, out, _ = run("keys", "show", "--json", home=lap)
    shown = json.loads(out)
    assert shown["trusted_hub"] == read_hub_card(card).recipient
    assert shown["hub_signing_key_id"] == read_hub_card(card).signing_key_id
    assert run("keys", "trust-hub", home=lap)[0] == 2
    code, _, err = run("keys", "trust-hub", read_hub_card(card).recipient, home=lap)
    assert code == 0


def test_export_into_a_missing_folder_is_refused(tmp_path: Path, usb: Path, card: Path) -> None:
    setup(tmp_path, usb, card)
    code, _, err = run("export", "--out", str(tmp_path / "unmounted"), home=tmp_path / "lap")
    assert code == 1 and "folder not found (is the USB stick mounted?)" in err
    assert not (tmp_path / "unmounted").exists()
