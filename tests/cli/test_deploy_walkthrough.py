"""The README's "Deploy a sub-district", run as written on two fresh homes (#13: done means).

The commands are read from the README's table, so the README stays true: each step runs in
the home its "where" column names (hub or laptop), with the stick and file names of this test.
The desk step (reviewing) is done through the desk's store functions, as the desk does.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from gridwalker import config
from gridwalker.cli import main
from gridwalker.domain.forms import VisitInput
from gridwalker.store import returns
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.desk.decisions import approve, return_item
from gridwalker.store.migrate import open_database
from gridwalker.store.rounds import save_visit
from gridwalker.store.rounds.edits import stored_visit, update_visit
from gridwalker.store.tables import Household, Member
from gridwalker.store.tables.review import HubReview
from tests.support.at_rest import open_field

README = Path(__file__).resolve().parents[2] / "README.md"
ROSTER = """街道,社区,网格,楼栋,单元,楼层,房号,姓名,性别,出生日期,身份证号,联系电话,与户主关系,人口类型,关爱标签
新华街,邮三社区,XH-03-09,1栋,1,2,201,张大爷,男,1940-03-05,,13871234567,本人,常住,高龄老人
新华街,邮三社区,XH-03-09,1栋,1,2,202,李阿姨,女,1950-06-01,,,本人,常住,
新华街,邮三社区,XH-03-09,10栋,1,3,301,王先生,男,1980-01-01,,,本人,常住,
新华街,邮三社区,XH-03-10,2栋,1,3,301,赵女士,女,1985-01-01,,,本人,常住,
"""

# A laptop is set up as a real one: encrypted, its passphrase in a 0600 file.
pytestmark = pytest.mark.usefixtures("passphrase_env")


def deploy_steps() -> list[tuple[int, str, str]]:
    """(number, where, command) of each row of the README's deploy table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Deploy a sub-district", 1)[1].split("\n## ", 1)[0]
    steps = []
    for line in section.splitlines():
        found = re.match(r"^\| (\d+) \| (hub|laptop) \| .* \| `([^`]+)` \|$", line)
        if found:
            steps.append((int(found.group(1)), found.group(2), found.group(3)))
    return steps


def test_the_readme_deploy_section_runs_as_written(tmp_path: Path) -> None:
    steps = deploy_steps()
    assert [n for n, _w, _c in steps] == list(range(1, len(steps) + 1)) and len(steps) >= 12
    homes = {"hub": tmp_path / "hub", "laptop": tmp_path / "laptop"}
    usb = tmp_path / "usb"
    usb.mkdir()
    roster = tmp_path / "新华街花名册.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    hub = config.paths(homes["hub"])
    lap = config.paths(homes["laptop"])
    log: list[str] = []

    def run(where: str, command: str) -> str:
        command = command.replace("/media/usb", str(usb))
        command = command.replace("~/.config/gridwalker", str(hub.config))
        command = command.replace("新华街花名册.xlsx", str(roster))
        words = shlex.split(command)
        if words[0] == "cp":
            Path(words[2]).joinpath(Path(words[1]).name).write_bytes(Path(words[1]).read_bytes())
            return ""
        assert words[0] == "gridwalker"
        for i, word in enumerate(words):  # the stick's real file names
            name = Path(word).name
            if word.startswith(str(usb)) and not Path(word).exists() and "-" in name:
                prefix = name.rsplit("-", 2 if name.startswith("gridwalker-hub-to") else 1)[0]
                found = sorted(usb.glob(prefix.split("3f9c2a1b7d4e")[0] + "*"))
                assert found, (command, prefix)
                words[i] = str(found[-1])
        result = CliRunner().invoke(
            main, words[1:], env={config.HOME_ENV: str(homes[where])}, catch_exceptions=False
        )
        log.append(f"$ {' '.join(words)}\n{result.stdout}{result.stderr}")
        assert result.exit_code == 0, "\n".join(log)
        return result.stdout

    for number, where, command in steps:
        if number == 10:  # the member walks: one visit, then the export
            engine = open_field(lap.field_db)
            with engine.begin() as conn:
                household = conn.execute(select(Household.uuid).limit(1)).scalar_one()
                member = conn.execute(select(Member.uuid)).scalar_one()
                save_visit(conn, "李晓梅", member, household, VisitInput(concerns="楼道灯坏了"))
            engine.dispose()
        if number == 12:  # the desk: return the visit with a comment (what `r` does)
            engine = open_database(hub.hub_db)
            with engine.begin() as conn:
                record_arrivals(conn)
                row = conn.execute(
                    select(HubReview.entity, HubReview.uuid).where(
                        HubReview.entity == "visit", HubReview.current.is_(True)
                    )
                ).first()
                assert row is not None
                return_item(conn, "visit", row.uuid, "请补充走访情况", "王建华")
            engine.dispose()
            continue
        run(where, command)
    assert len(log) == len(steps) - 2  # every command but the copy and the desk ran
    # The member sees what was returned, with the comment.
    engine = open_field(lap.field_db)
    with engine.connect() as conn:
        returned = returns.returned_items(conn)
    assert [(r.entity, r.comment) for r in returned] == [("visit", "请补充走访情况")]
    # The member corrects it (what the visit form opened from Today saves) …
    with engine.begin() as conn:
        visit = returned[0].uuid
        before = stored_visit(conn, visit)
        assert before is not None
        corrected = replace(before.data, concerns="楼道灯坏了，已报物业")
        update_visit(conn, "李晓梅", visit, corrected, expect_rev=returned[0].rev)
        assert returns.returned_items(conn) == []
    engine.dispose()
    run("laptop", "gridwalker export --out /media/usb")
    run("hub", "gridwalker hub import /media/usb")
    # … it comes back resubmitted, the supervisor approves it, and the member sees that.
    engine = open_database(hub.hub_db)
    with engine.begin() as conn:
        record_arrivals(conn)
        state = conn.execute(
            select(HubReview.state).where(HubReview.uuid == visit, HubReview.current.is_(True))
        ).scalar_one()
        assert state == "corrected"  # shown as 重新提交 / resubmitted
        approve(conn, [("visit", visit)], "王建华")
    engine.dispose()
    run("hub", "gridwalker hub export --all --out /media/usb")
    run("laptop", "gridwalker import /media/usb/gridwalker-hub-to-3f9c2a1b7d4e-000003.zip.age")
    engine = open_field(lap.field_db)
    with engine.connect() as conn:
        decision = returns.decision_of(conn, "visit", visit)
        still = returns.returned_items(conn)
    engine.dispose()
    assert decision is not None and decision.state.value == "approved" and still == []
    if os.environ.get("GRIDWALKER_WALKTHROUGH_LOG"):  # the transcript, for a closing note
        Path(os.environ["GRIDWALKER_WALKTHROUGH_LOG"]).write_text("\n".join(log), encoding="utf-8")
