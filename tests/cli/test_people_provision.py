"""The hub knows its people (#13 §2): roster at the hub, members, provisioning, revocation.

The walk of a new sub-district: hub init, the street's roster at the hub, members added, a
laptop set up and enrolled from its pairing file, provisioned with its grid, exporting back.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Grid, Household, Member, Resident
from gridwalker.store.tables.hub import HubDevice, HubRev
from tests.support.at_rest import open_field
from tests.support.hubs import both_engines, hub_database, snapshot

ROSTER = """街道,社区,网格,楼栋,单元,楼层,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,人口类型,关爱标签
新华街,邮三社区,XH-03-09,1栋,1,2,201,张大爷,男,1940-03-05,,13871234567,本人,常住,高龄老人
新华街,邮三社区,XH-03-09,1栋,1,2,202,李阿姨,女,1950-06-01,,,本人,常住,
新华街,邮三社区,XH-03-10,2栋,1,3,301,王先生,男,1980-01-01,,,本人,常住,
"""

# A laptop is set up as a real one: encrypted, its passphrase in a 0600 file; the hub's people
# and provisioning run on SQLite and on PostgreSQL (GRIDWALKER_HUB_DB).
pytestmark = [pytest.mark.usefixtures("passphrase_env"), both_engines]


def run(*args: str, home: Path) -> tuple[int, str, str]:
    """Run gridwalker in a home; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


class Street:
    """A hub with the roster of two grids, and the USB stick."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hub = root / "hub"
        self.usb = root / "usb"
        self.usb.mkdir()
        code, out, err = run("hub", "init", "--name", "新华街道网格中心", "--json", home=self.hub)
        assert code == 0, err
        shutil.copy(json.loads(out)["card"], self.usb / "hub-card.json")
        roster = root / "roster.csv"
        roster.write_text(ROSTER, encoding="utf-8")
        code, _out, err = run("hub", "roster", "import", str(roster), "--create", home=self.hub)
        assert code == 0, err

    def h(self, *args: str) -> tuple[int, str, str]:
        return run(*args, home=self.hub)

    def laptop(self, name: str, member: str, grid: str = "XH-03-09") -> Path:
        """A laptop set up for `member` and enrolled from its pairing file; returns its home."""
        home = self.root / name
        code, out, err = run(
            "setup",
            "--member",
            member,
            "--grid",
            grid,
            "--place",
            "新华街/邮三社区/第9网格",
            "--hub-card",
            str(self.usb / "hub-card.json"),
            "--pair-out",
            str(self.usb),
            "--json",
            home=home,
        )
        assert code == 0, err
        code, _out, err = self.h("hub", "enroll", json.loads(out)["pairing_file"])
        assert code == 0, err
        return home

    def engine(self):  # noqa: ANN201 - an Engine
        return open_database(hub_database(self.hub))


@pytest.fixture
def street(tmp_path: Path, hub_db: str | None) -> Street:
    return Street(tmp_path)


def test_the_roster_at_the_hub_is_the_hub_s_own(street: Street) -> None:
    engine = street.engine()
    with engine.connect() as conn:
        residents = conn.execute(select(func.count()).select_from(Resident)).scalar()
        kept = conn.execute(
            select(func.count()).select_from(HubRev).where(HubRev.entity == "resident")
        ).scalar()
        grids = conn.execute(select(Grid.code)).scalars().all()
    engine.dispose()
    assert residents == 3 and kept == 3  # each version kept, the hub its origin
    assert sorted(grids) == ["XH-03-09", "XH-03-10"]


def test_members_added_listed_moved_and_retired(street: Street) -> None:
    assert street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")[0] == 0
    code, _out, err = street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-10")
    assert code == 1 and "there is a member called 李晓梅 already" in err
    code, _out, err = street.h("hub", "member", "add", "赵敏", "--grid", "XH-03-09")
    assert code == 1 and "grid XH-03-09 is walked by 李晓梅" in err
    code, _out, err = street.h("hub", "member", "add", "赵敏", "--grid", "XH-99-99")
    assert code == 1 and "unknown grid 'XH-99-99'" in err and "XH-03-10" in err
    code, _out, err = street.h("hub", "member", "add", "赵敏", "--grid", "XH-03-10", "--phone", "1")
    assert code == 1 and "11位数字" in err
    assert street.h("hub", "member", "add", "赵敏", "--grid", "新华街/邮三社区/第10网格")[0] == 0

    listed = json.loads(street.h("hub", "member", "list", "--json")[1])["members"]
    assert [(m["name"], m["grid"]) for m in listed] == [
        ("李晓梅", "XH-03-09"),
        ("赵敏", "XH-03-10"),
    ]

    code, _out, err = street.h("hub", "member", "move", "赵敏", "--grid", "XH-03-09")
    assert code == 1 and "walked by 李晓梅" in err
    assert street.h("hub", "member", "retire", "李晓梅")[0] == 0
    assert street.h("hub", "member", "move", "赵敏", "--grid", "XH-03-09")[0] == 0
    listed = json.loads(street.h("hub", "member", "list", "--json")[1])["members"]
    by_name = {m["name"]: m for m in listed}
    assert by_name["赵敏"]["grid"] == "XH-03-09" and by_name["李晓梅"]["retired"]
    code, _out, err = street.h("hub", "member", "retire", "无名氏")
    assert code == 1 and "no member called '无名氏'" in err and "赵敏" in err


def test_a_new_laptop_is_provisioned_with_its_grid(street: Street) -> None:
    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09", "--phone", "13800138000")
    lap = street.laptop("lap", "李晓梅")
    code, out, err = street.h(
        "hub", "provision", "--member", "李晓梅", "--out", str(street.usb), "--json"
    )
    assert code == 0, err
    bundle = Path(json.loads(out)["path"])
    code, out, err = run("import", str(bundle), "--json", home=lap)
    assert code == 0, err
    laptop = open_field(config.paths(lap).field_db)
    with laptop.connect() as conn:
        households = conn.execute(select(func.count()).select_from(Household)).scalar()
        members = conn.execute(select(Member.name, Member.phone)).all()
        grids = conn.execute(select(Grid.code)).scalars().all()
    laptop.dispose()
    assert households == 2  # its grid only, not 赵敏's
    assert members == [("李晓梅", "13800138000")]  # the hub's version of the setup's row
    assert grids == ["XH-03-09"]  # one grid, not two
    # Back at the hub, nothing is new and nothing conflicts.
    code, out, err = run("export", "--out", str(street.usb), "--json", home=lap)
    assert code == 0, err
    engine = street.engine()
    before = snapshot(engine)
    code, out, err = street.h("hub", "import", json.loads(out)["path"], "--json")
    result = json.loads(out)["bundles"][0]
    assert code == 0 and result["conflicts"] == 0 and result["applied"] == 0, result
    assert {k: v for k, v in snapshot(engine).items() if not k.startswith("hub_")} == {
        k: v for k, v in before.items() if not k.startswith("hub_")
    }
    engine.dispose()


def test_provisioning_refusals(street: Street) -> None:
    code, _out, err = street.h("hub", "provision", "--member", "李晓梅", "--out", str(street.usb))
    assert code == 1 and "no member called '李晓梅'" in err
    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")
    code, _out, err = street.h("hub", "provision", "--member", "李晓梅", "--out", str(street.usb))
    assert code == 1 and "no laptop enrolled for 李晓梅" in err
    street.laptop("lap", "李晓梅")
    gone = street.root / "unmounted"
    code, _out, err = street.h("hub", "provision", "--member", "李晓梅", "--out", str(gone))
    assert code == 1 and "is the USB stick mounted?" in err and not gone.exists()
    assert not list(street.usb.glob("gridwalker-hub-to-*"))


def test_a_revoked_laptop_is_refused_with_when_and_why(street: Street) -> None:
    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")
    lap = street.laptop("lap", "李晓梅")
    first = json.loads(run("export", "--json", home=lap)[1])["path"]
    assert street.h("hub", "import", first)[0] == 0
    device = json.loads(run("keys", "show", "--json", home=lap)[1])["device_id"]
    code, _out, err = street.h("hub", "revoke", "nosuchdevice")
    assert code == 1 and device in err
    code, out, _err = street.h("hub", "revoke", device, "--reason", "笔记本遗失")
    assert code == 0 and "已吊销密钥" in out
    # A later bundle (the laptop was found by someone else and used) is refused.
    from gridwalker.store.writes import Writer

    laptop = open_field(config.paths(lap).field_db)
    with laptop.begin() as conn:
        uuid = conn.execute(select(Member.uuid)).scalars().first()
        Writer(conn, "李晓梅").update("member", uuid, {"phone": "13800000000"})
    laptop.dispose()
    later = json.loads(run("export", "--json", home=lap)[1])["path"]
    hub = street.engine()
    before = snapshot(hub)
    code, _out, err = street.h("hub", "import", later)
    assert code == 1 and "device revoked on" in err and "笔记本遗失" in err
    assert snapshot(hub)["member"] == before["member"]
    with hub.connect() as conn:
        assert conn.execute(select(HubDevice.revoked_reason)).scalar() == "笔记本遗失"
    hub.dispose()


def test_a_retired_member_s_laptop_is_refused(street: Street) -> None:
    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")
    lap = street.laptop("lap", "李晓梅")
    code, out, _err = street.h("hub", "member", "retire", "李晓梅")
    assert code == 0 and "已吊销 1 台笔记本的密钥" in out
    bundle = json.loads(run("export", "--json", home=lap)[1])["path"]
    code, _out, err = street.h("hub", "import", bundle)
    assert code == 1 and "member 李晓梅 retired" in err


def test_a_replacement_laptop_gets_everything_the_hub_had(street: Street) -> None:
    """setup → enrol → provision → work on a new laptop; the broken one is closed by revoke."""
    from gridwalker.domain.forms import VisitInput
    from gridwalker.store.rounds import save_visit
    from gridwalker.store.tables import Visit

    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")
    old = street.laptop("old", "李晓梅")
    bundle = json.loads(
        street.h("hub", "provision", "--member", "李晓梅", "--out", str(street.usb), "--json")[1]
    )["path"]
    assert run("import", bundle, home=old)[0] == 0
    laptop = open_field(config.paths(old).field_db)
    with laptop.begin() as conn:
        household = conn.execute(select(Household.uuid).limit(1)).scalar_one()
        member = conn.execute(select(Member.uuid)).scalar_one()
        visit = save_visit(conn, "李晓梅", member, household, VisitInput(concerns="漏水"))
    laptop.dispose()
    assert (
        street.h("hub", "import", json.loads(run("export", "--json", home=old)[1])["path"])[0] == 0
    )
    old_device = json.loads(run("keys", "show", "--json", home=old)[1])["device_id"]

    new = street.laptop("new", "李晓梅")  # the old one broke: a new device, its own seq
    code, _out, err = street.h("hub", "revoke", old_device, "--reason", "主板损坏")
    assert code == 0, err
    code, out, err = street.h(
        "hub", "provision", "--member", "李晓梅", "--out", str(street.usb), "--json"
    )
    assert code == 0, err
    provisioned = json.loads(out)
    new_device = json.loads(run("keys", "show", "--json", home=new)[1])["device_id"]
    assert provisioned["device_id"] == new_device != old_device
    assert run("import", provisioned["path"], home=new)[0] == 0
    laptop = open_field(config.paths(new).field_db)
    with laptop.connect() as conn:
        concerns = conn.execute(select(Visit.concerns).where(Visit.uuid == visit)).scalar()
    laptop.dispose()
    assert concerns == "漏水"  # nothing the hub had is lost
    from gridwalker.store.writes import Writer

    laptop = open_field(config.paths(old).field_db)  # the broken one, if it ever speaks
    with laptop.begin() as conn:
        Writer(conn, "李晓梅").update("visit", visit, {"concerns": "漏水已修"})
    laptop.dispose()
    late = json.loads(run("export", "--json", home=old)[1])
    code, _out, err = street.h("hub", "import", late["path"])
    assert code == 1 and "主板损坏" in err


def test_a_grid_typed_with_another_code_is_matched_by_its_path(street: Street) -> None:
    """Setup typed 新华街/邮三社区/第9网格 as XH-3-9; the hub calls it XH-03-09: one grid."""
    street.h("hub", "member", "add", "李晓梅", "--grid", "XH-03-09")
    lap = street.laptop("lap", "李晓梅", grid="XH-3-9")
    bundle = json.loads(
        street.h("hub", "provision", "--member", "李晓梅", "--out", str(street.usb), "--json")[1]
    )["path"]
    code, out, err = run("import", bundle, "--json", home=lap)
    assert code == 0, err
    assert json.loads(out)["merged_grids"] == {"XH-3-9": "XH-03-09"}
    laptop = open_field(config.paths(lap).field_db)
    with laptop.connect() as conn:
        grids = conn.execute(select(Grid.code)).scalars().all()
        member_grid = conn.execute(select(Member.grid_uuid)).scalar_one()
        grid_uuid = conn.execute(select(Grid.uuid)).scalar_one()
    laptop.dispose()
    assert grids == ["XH-03-09"] and member_grid == grid_uuid
    assert config.load_settings(config.paths(lap)).grid_code == "XH-03-09"
