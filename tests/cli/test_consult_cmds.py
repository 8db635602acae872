"""`gridwalker consult new|owners import|votes import|tally|list` (issue #17's CLI contract):
JSON keys, exact ratios as "num/den", areas as decimal strings, errors by line, exit codes,
on a laptop (--db PATH) and on a hub (--hub --db PATH)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from gridwalker.cli import main
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Consultation, ConsultRoom, ConsultVote

SCOPE = "新华街/邮三社区/第1网格/1栋/1单元"
ROOMS = [f"{floor}0{n}" for floor in range(1, 9) for n in (1, 2)]
TALLY_KEYS = {
    "id", "kind", "matter", "rooms", "owners", "area_total", "participation", "agree", "passed",
    "missing",
}  # fmt: skip


@pytest.fixture
def db(small_street: Path, tmp_path: Path) -> Path:
    path = tmp_path / "lap.db"
    shutil.copy(small_street, path)
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8-sig")
    return path


def owners_csv(tmp_path: Path) -> Path:
    rows = [["楼栋", "单元", "房号", "业主", "面积"]]
    rows += [["1栋", "1", room, f"业主{room}", "90.00"] for room in ROOMS]
    return csv(tmp_path / "owners.csv", rows)


def votes_csv(tmp_path: Path, rooms: list[str], choice: str = "同意") -> Path:
    rows = [["楼栋", "单元", "房号", "意见", "方式", "表单编号", "日期"]]
    rows += [["1栋", "1", r, choice, "在场签字", f"F-{r}", "2026-11-02"] for r in rooms]
    return csv(tmp_path / "votes.csv", rows)


def new_elevator(*db_args: str) -> str:
    code, out, err = run(
        "consult", "new", "--title", "加装电梯", "--scope", SCOPE, "--kind", "decision",
        "--matter", "major", "--json", *db_args,
    )  # fmt: skip
    assert code == 0, err
    return json.loads(out)["id"]


def test_the_whole_contract_on_a_laptop(db: Path, tmp_path: Path) -> None:
    ident = new_elevator("--db", str(db))
    code, out, err = run("consult", "owners", "import", ident[:8], str(owners_csv(tmp_path)),
                         "--db", str(db), "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out)["created"] == 16
    # 11 of 16 equal rooms agree: 11/16 ≥ 2/3 took part, all agree, passes
    code, out, err = run("consult", "votes", "import", ident, str(votes_csv(tmp_path, ROOMS[:11])),
                         "--db", str(db))  # fmt: skip
    assert code == 0, err
    code, out, err = run("consult", "tally", ident, "--json", "--db", str(db))
    assert code == 0, err
    tally = json.loads(out)
    assert TALLY_KEYS <= set(tally)
    assert tally["kind"] == "decision" and tally["matter"] == "major"
    assert (tally["rooms"], tally["owners"], tally["area_total"]) == (16, 16, "1440.00")
    assert tally["participation"] == {
        "owners": 11, "area": "990.00", "owners_ratio": "11/16", "area_ratio": "11/16", "met": True,
    }  # fmt: skip
    assert tally["agree"]["owners_ratio"] == "1/1" and tally["agree"]["met"] is True
    assert tally["passed"] is True
    assert tally["missing"] == {"owners": 0, "area": "0.00"}
    code, out, _ = run("consult", "list", "--json", "--db", str(db))
    assert code == 0
    [item] = [c for c in json.loads(out)["consultations"] if c["id"] == ident]
    assert (item["id"], item["rooms"], item["votes"]) == (ident, 16, 11)


def test_missing_before_passing(db: Path, tmp_path: Path) -> None:
    ident = new_elevator("--db", str(db))
    run("consult", "owners", "import", ident, str(owners_csv(tmp_path)), "--db", str(db))
    run("consult", "votes", "import", ident, str(votes_csv(tmp_path, ROOMS[:9])), "--db", str(db))
    code, out, _ = run("consult", "tally", ident, "--json", "--db", str(db))
    tally = json.loads(out)
    assert tally["passed"] is False and tally["participation"]["met"] is False
    # 2/3 of 16 owners is 10.67 heads (9 took part), of 1440 m² it is 960 m² (810 took part)
    assert tally["missing"] == {"owners": 2, "area": "150.00"}
    code, out, _ = run("consult", "tally", ident, "--db", str(db), "--lang", "en")
    assert code == 0 and "2 more owners / 150.00 m²" in out


def test_bad_lines_are_listed_and_nothing_is_written(db: Path, tmp_path: Path) -> None:
    ident = new_elevator("--db", str(db))
    rows = [["楼栋", "单元", "房号", "业主", "面积"], ["1栋", "1", "101", "甲", "90"],
            ["1栋", "1", "102", "乙", "九十"], ["1栋", "1", "201", "", "90"]]  # fmt: skip
    path = csv(tmp_path / "bad.csv", rows)
    code, out, err = run("consult", "owners", "import", ident, str(path), "--db", str(db),
                         "--lang", "en")  # fmt: skip
    assert code == 1 and out == ""
    assert f"{path}:3: area:" in err and f"{path}:4: owner:" in err
    assert "nothing was written" in err
    run("consult", "owners", "import", ident, str(owners_csv(tmp_path)), "--db", str(db))
    code, _out, err = run("consult", "votes", "import", ident,
                          str(votes_csv(tmp_path, ["101", "909"])), "--db", str(db), "--lang", "en")  # fmt: skip
    assert code == 1 and ":3: room: 1单元 909 is not in the owner register" in err
    engine = open_database(db)
    with engine.connect() as conn:
        votes = select(func.count()).where(ConsultVote.consultation_uuid == ident)
        rooms = select(func.count()).where(ConsultRoom.consultation_uuid == ident)
        assert conn.execute(votes).scalar_one() == 0
        assert conn.execute(rooms).scalar_one() == 16
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["consult", "tally", "ffffffff"], 1, "no consultation 'ffffffff'"),
        (["consult", "tally", "ab"], 1, "too short"),
        (["consult", "new", "--title", "t", "--scope", SCOPE, "--kind", "poll"], 2, "poll"),
        (["consult", "new", "--title", "t", "--scope", SCOPE, "--kind", "decision"], 1, "--matter"),
        (["consult", "list", "--db", "postgresql://x@h/db"], 2, "needs --hub"),
    ],
)
def test_refusals_and_exit_codes(db: Path, args: list[str], code: int, words: str) -> None:
    extra = [] if "--db" in args else ["--db", str(db)]
    got, _out, err = run(*args, *extra, "--lang", "en")
    assert got == code and words in err


def test_a_missing_database_is_not_created(tmp_path: Path) -> None:
    code, _out, err = run("consult", "list", "--db", str(tmp_path / "none.db"))
    assert code == 1 and not (tmp_path / "none.db").exists()


def test_the_same_commands_on_a_hub(tmp_path: Path, small_street: Path) -> None:
    hub_db = tmp_path / "hub.db"
    shutil.copy(small_street, hub_db)  # a hub holding the street (its places, no keys needed)
    ident = new_elevator("--hub", "--db", str(hub_db))
    run(
        "consult",
        "owners",
        "import",
        ident,
        str(owners_csv(tmp_path)),
        "--hub",
        "--db",
        str(hub_db),
    )
    code, out, err = run("consult", "tally", ident, "--json", "--hub", "--db", str(hub_db))
    assert code == 0, err
    assert json.loads(out)["rooms"] == 16
    engine = open_database(hub_db)
    with engine.connect() as conn:
        who = conn.execute(
            select(ConsultRoom.updated_by).where(ConsultRoom.consultation_uuid == ident).limit(1)
        ).scalar_one()
    engine.dispose()
    assert who.startswith("hub")


def test_the_report_as_xlsx_and_csv(db: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    code, out, err = run(
        "consult", "new", "--title", "加装电梯", "--scope", SCOPE, "--kind", "decision",
        "--matter", "major", "--cost", "600000", "--subsidy", "200000", "--coef", "1=0",
        *[f"--coef={f}={0.2 * (f - 1):.1f}" for f in range(2, 9)], "--json", "--db", str(db),
    )  # fmt: skip
    assert code == 0, err
    ident = json.loads(out)["id"]
    rows = [["楼栋", "单元", "房号", "业主", "面积"]]
    rows += [
        ["1栋", "1", room, "欧阳娜娜" if room == "101" else f"业主{room}", "90"] for room in ROOMS
    ]
    rows.append(["1栋", "1", "901", "=1+2", "90"])
    run("consult", "owners", "import", ident, str(csv(tmp_path / "o.csv", rows)), "--db", str(db))
    run("consult", "votes", "import", ident, str(votes_csv(tmp_path, ROOMS[:3])), "--db", str(db))
    xlsx = tmp_path / "report.xlsx"
    code, out, err = run("report", "consultation", ident, "--out", str(xlsx), "--db", str(db),
                         "--lang", "en")  # fmt: skip
    assert code == 1 and "1单元 901: floor 9 has no cost coefficient" in err
    assert not xlsx.exists()
    engine = open_database(db)
    with engine.begin() as conn:  # the community adds the 9th floor's coefficient
        conn.execute(
            update(Consultation).values(
                coefficients={**{str(f): "1" for f in range(1, 10)}, "1": "0"}
            )
        )
    engine.dispose()
    code, out, err = run("report", "consultation", ident, "--out", str(xlsx), "--db", str(db))
    assert code == 0, err
    assert xlsx.stat().st_mode & 0o777 == 0o600
    book = load_workbook(xlsx)
    assert book.sheetnames == ["逐户意见", "统计与门槛", "意见征询表"]
    rooms = list(book["逐户意见"].iter_rows(values_only=True))
    assert rooms[1][4] == "欧***"  # masked without --with-contacts
    assert rooms[1][7] == "同意" and rooms[-2][7] == "未征询"
    assert sum(Decimal(str(r[6])) for r in rooms[1:]) == Decimal("400000")
    assert book["逐户意见"].cell(len(rooms), 5).data_type == "s"  # never a formula
    totals = dict(book["统计与门槛"].iter_rows(values_only=True))
    assert totals["结果"] == "未通过" and totals["房间数"] == "17"
    form = book["意见征询表"]
    assert str(form.page_setup.paperSize) == form.PAPERSIZE_A4 == "9"  # A4
    assert form.page_setup.orientation == "portrait" and form.page_setup.fitToWidth == 1
    assert form.print_title_rows == "$5:$5"
    texts = [c for row in form.iter_rows(values_only=True) for c in row if c]
    assert "□同意  □不同意  □弃权" in texts
    plain = tmp_path / "report.csv"
    code, _out, err = run("report", "consultation", ident, "--out", str(plain), "--db", str(db),
                          "--with-contacts", "--lang", "en")  # fmt: skip
    assert code == 0 and "personal data" in err
    text = plain.read_text(encoding="utf-8-sig")
    assert "欧阳娜娜" in text and "Participation met" in text and "'=1+2" in text
    assert plain.stat().st_mode & 0o777 == 0o600
