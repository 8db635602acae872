"""First run in the app (#13 §1): a laptop with no member opens the setup, not a dead end."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update
from textual.widgets import Input, Select

from gridwalker import config
from gridwalker.store import session_key
from gridwalker.store.dbkey import key_record_path, looks_plain
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Grid, Member
from gridwalker.sync.pairing import read_pairing, set_up_hub, write_public_json
from tests.support.apps import make_app, screen_text, settle
from tests.support.at_rest import PASSPHRASE, open_field
from tests.support.demo import GRID_CODE


@pytest.fixture
def card(tmp_path: Path) -> Path:
    """A hub card on the USB stick."""
    hub = set_up_hub(config.paths(tmp_path / "hub"), "新华街道网格中心")
    stick = tmp_path / "usb"
    stick.mkdir()
    target = stick / "hub-card.json"
    shutil.copy(hub.card_path, target)
    return target


def fill(app, **values: str) -> None:  # noqa: ANN001 - the running app
    for name, value in values.items():
        app.screen.query_one(f"#{name}", Input).value = value


async def open_setup(pilot) -> None:  # noqa: ANN001 - a Pilot
    for _round in range(40):
        await settle(pilot)
        if type(pilot.app.screen).__name__ == "SetupScreen":
            return
        await pilot.pause(0.1)
    raise AssertionError(f"no setup screen: {type(pilot.app.screen).__name__}")


async def test_a_new_laptop_is_set_up_in_the_app(tmp_path: Path, card: Path) -> None:
    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)
    app = make_app(home.field_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_setup(pilot)
        shown = screen_text(app)
        assert "设置本机" in shown and "请先导入花名册" not in shown
        assert app.screen.query_one("#grid", Select).value == "__new__"  # no grid here yet
        app.screen.query_one("#passphrase", Input).focus()
        await pilot.pause()
        assert "忘记口令只能由枢纽重新配置本机" in screen_text(app)  # shown beside the fields
        fill(app, name="李晓梅", code="XH-03-09", place="新华街/邮三社区/第9网格", card=str(card))
        fill(app, passphrase=PASSPHRASE, passphrase2=PASSPHRASE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = screen_text(app)
        assert "设置完成：李晓梅" in shown and "配对文件：" in shown, shown
        assert "未加密" not in shown and not looks_plain(home.field_db)
        assert session_key.held_key(home.field_db) == app.db_key  # for the nightly export
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "TodayScreen"
        assert app.member is not None and app.member.grid_code == "XH-03-09"
    settings = config.load_settings(home)
    assert settings.member_name == "李晓梅" and settings.grid_code == "XH-03-09"
    pairing = read_pairing(next(card.parent.glob("gridwalker-pair-*.json")))
    assert pairing.member == "李晓梅" and pairing.grid == "XH-03-09"


async def test_a_bad_hub_card_is_shown_under_the_form_and_nothing_is_written(
    tmp_path: Path, card: Path
) -> None:
    obj = json.loads(card.read_text(encoding="utf-8"))
    obj["signing_key_id"] = "0000000000000000"
    write_public_json(card, obj)
    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)
    app = make_app(home.field_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_setup(pilot)
        fill(app, name="李晓梅", code="XH-03-09", place="新华街/邮三社区/第9网格", card=str(card))
        fill(app, passphrase=PASSPHRASE, passphrase2=PASSPHRASE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        shown = screen_text(app)
        assert "the file says 0000000000000000" in shown
        assert type(app.screen).__name__ == "SetupScreen"
        fill(app, card=str(tmp_path / "nowhere.json"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "无法读取" in screen_text(app)
    assert not home.keys.exists() or not any(home.keys.iterdir())
    assert not home.settings_file.exists()
    engine = open_database(home.field_db)
    with engine.connect() as conn:
        assert conn.execute(select(Member.uuid)).first() is None
    engine.dispose()


async def test_a_laptop_with_a_roster_offers_its_grids(
    tmp_path: Path, card: Path, small_street: Path
) -> None:
    """After a roster import (places, no member yet) the grid is chosen from a list."""
    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)
    shutil.copy(small_street, home.field_db)
    engine = open_database(home.field_db)
    with engine.begin() as conn:  # a roster brings places, never members
        conn.execute(update(Grid).values(member_uuid=None))
        conn.execute(update(Member).values(deleted=True))
        grids_before = conn.execute(select(Grid.uuid)).all()
    engine.dispose()
    app = make_app(home.field_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_setup(pilot)
        select_ = app.screen.query_one("#grid", Select)
        codes = [value for _label, value in select_._options if value != Select.BLANK]  # noqa: SLF001
        assert GRID_CODE in codes and "__new__" in codes
        select_.value = GRID_CODE
        await settle(pilot)
        assert not app.screen.query_one("#new-grid").display
        fill(app, name="王建国", card=str(card), **{"pair-out": str(tmp_path)})
        fill(app, passphrase=PASSPHRASE, passphrase2=PASSPHRASE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "设置完成：王建国" in screen_text(app)
    engine = open_field(home.field_db)  # encrypted at setup, every row of the roster kept
    with engine.connect() as conn:
        assert conn.execute(select(Grid.uuid)).all() == grids_before  # no second grid
        grid_member = conn.execute(select(Grid.member_uuid).where(Grid.code == GRID_CODE)).scalar()
        assert (
            conn.execute(select(Member.name).where(Member.uuid == grid_member)).scalar() == "王建国"
        )
    engine.dispose()
    assert list(tmp_path.glob("gridwalker-pair-*.json"))


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        (PASSPHRASE, PASSPHRASE + "x", "两次输入的口令不一致"),
        ("short", "short", "口令至少 8 个字符"),
    ],
)
async def test_a_passphrase_not_typed_twice_alike_writes_nothing(
    tmp_path: Path, card: Path, first: str, second: str, reason: str
) -> None:
    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)
    app = make_app(home.field_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_setup(pilot)
        fill(app, name="李晓梅", code="XH-03-09", place="新华街/邮三社区/第9网格", card=str(card))
        fill(app, passphrase=first, passphrase2=second)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert reason in screen_text(app)
        assert type(app.screen).__name__ == "SetupScreen"
    assert not config.paths().settings_file.exists()
    assert looks_plain(home.field_db) and not key_record_path(home.field_db).exists()
    assert not list(card.parent.glob("gridwalker-pair-*.json"))


async def test_an_encrypted_laptop_with_no_member_is_not_asked_again(
    tmp_path: Path, card: Path
) -> None:
    from gridwalker.store.at_rest import new_encrypted_key

    home = config.paths()
    home.data.mkdir(parents=True, exist_ok=True)
    open_database(home.field_db, key=new_encrypted_key(home.field_db, PASSPHRASE)).dispose()
    app = make_app(home.field_db, "en")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(*"x")  # the unlock screen first
        app.screen.query_one("#passphrase", Input).value = PASSPHRASE
        await pilot.press("enter")
        await open_setup(pilot)
        assert not app.screen.query_one("#passphrases").display
        fill(app, name="李晓梅", code="XH-03-09", place="新华街/邮三社区/第9网格", card=str(card))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Set up: 李晓梅" in screen_text(app)
