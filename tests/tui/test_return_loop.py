"""The return-and-correct loop end to end, through the CLI's bundles and both apps under Pilot:
laptop export → hub import → the supervisor returns a visit with a comment → hub export →
laptop import → Today shows 1 returned → Enter opens the visit form with the comment → the
member corrects it and saves → 0 returned → export → hub import → the desk's queue shows it
resubmitted, with the earlier comment and the diff against the returned version → approve →
hub export → laptop import → nothing returned or resubmitted."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from textual.widgets import OptionList, Static, TextArea

from gridwalker import config
from gridwalker.cli import main
from gridwalker.domain.choices import ReviewState
from gridwalker.store.desk.decisions import return_item
from gridwalker.store.desk.queue import QueueFilter, queue_page
from gridwalker.store.returns import decision_of, resubmitted_items, returned_items
from gridwalker.store.tables import Member, Visit
from gridwalker.tui.desk.queue import QueueScreen
from gridwalker.tui.desk.record import RecordScreen
from gridwalker.tui.field.returned import ReturnedList
from gridwalker.tui.field.visit_correction import VisitCorrection
from tests.support.apps import SIZE, make_app, make_desk_app, press, settle, text_of
from tests.support.demo import MEMBER, SUPERVISOR
from tests.support.hubs import Desk
from tests.support.laptops import Field

COMMENT = "关爱对象的走访情况没有填写，请补充。"
CORRECTED = "已补充：独居老人身体良好，药品充足"


def run(home: config.Paths, *args: str) -> dict:
    """A gridwalker command in a home, with --json; its JSON answer (exit code 0)."""
    result = CliRunner().invoke(
        main,
        [*args, "--json"],
        env={config.HOME_ENV: str(home.data.parent)},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def laptop_to_hub(field: Field, desk: Desk) -> None:
    """`gridwalker export` on the laptop, `gridwalker hub import` of its outbox."""
    exported = run(field.home, "export")
    assert exported["path"], exported
    run(desk.home, "hub", "import", str(Path(exported["path"]).parent))


def hub_to_laptop(field: Field, desk: Desk, usb: Path) -> dict:
    """`gridwalker hub export --device lap-a`, then `gridwalker import` on the laptop."""
    exported = run(desk.home, "hub", "export", "--device", "lap-a", "--out", str(usb))
    [path] = exported["devices"][0]["paths"]
    return run(field.home, "import", path)


def returned_figure(app) -> str:  # noqa: ANN001 - the field app
    """Today's "returned" figure as shown."""
    figures = app.screen.query_one("#figures", OptionList)
    return str(figures.get_option("returned").prompt)


async def test_return_correct_resubmit_approve(desk: Desk, field_a: Field, tmp_path: Path) -> None:
    with field_a.engine.connect() as conn:
        member = conn.execute(select(Member.uuid).where(Member.name == MEMBER)).scalar_one()
    config.save_settings(field_a.home, config.Settings(member_uuid=member, member_name=MEMBER))
    usb = tmp_path / "usb"
    usb.mkdir()

    laptop_to_hub(field_a, desk)
    desk.arrivals()
    with desk.engine.begin() as conn:
        visit = queue_page(conn, QueueFilter(entity="visit"), 0, 1)[0].uuid
        return_item(conn, "visit", visit, COMMENT, SUPERVISOR)
    assert hub_to_laptop(field_a, desk, usb)["returned"] == 1

    app = make_app(field_a.db, home=field_a.home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert returned_figure(app).split()[-1] == "1"
        app.screen.query_one("#figures", OptionList).highlighted = None
        app.open_returned()
        await settle(pilot)
        assert isinstance(app.screen, ReturnedList)
        await press(pilot, "enter")
        form = app.screen
        assert isinstance(form, VisitCorrection) and form.visit_uuid == visit
        assert COMMENT in text_of(form.query_one("#return-note", Static))
        form.query_one("#concerns", TextArea).text = CORRECTED
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert form.saved
        await press(pilot, "escape", "escape")
        assert returned_figure(app).split()[-1] == "0"
    with field_a.engine.connect() as conn:
        assert returned_items(conn) == []
        assert [r.uuid for r in resubmitted_items(conn)] == [visit]

    laptop_to_hub(field_a, desk)
    desk_app = make_desk_app(desk)
    async with desk_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = desk_app.screen
        assert isinstance(queue, QueueScreen)
        queue.refilter(QueueFilter(states=frozenset({ReviewState.CORRECTED.value})))
        await settle(pilot)
        assert "重新提交" in text_of(queue.query_one("#queue-counts", Static))
        await press(pilot, "enter")
        record = desk_app.screen
        assert isinstance(record, RecordScreen) and record.uuid == visit
        head = text_of(record.query_one("#record-head", Static))
        assert "重新提交" in head and COMMENT in head
        assert "与退回版本相比的改动" in text_of(record.query_one("#record-changes-title", Static))
        changes = text_of(record.query_one("#record-changes", Static))
        assert changes.splitlines()[0].startswith("诉求与关注") and CORRECTED[:6] in changes
        assert len(changes.strip().splitlines()) == 1  # the one field corrected
        await press(pilot, "a")
        assert isinstance(desk_app.screen, QueueScreen)

    assert hub_to_laptop(field_a, desk, usb)["returned"] == 0
    with field_a.engine.connect() as conn:
        assert returned_items(conn) == [] and resubmitted_items(conn) == []
        decided = decision_of(conn, "visit", visit)
        assert decided is not None and decided.state is ReviewState.APPROVED
        now = conn.execute(select(Visit.rev, Visit.concerns).where(Visit.uuid == visit)).one()
    assert decided.rev == now.rev and now.concerns == CORRECTED
