"""Shared helpers of the Pilot tests: a signed-in app on a demo database, waiting on workers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widget import Widget

from gridwalker import config
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Member
from gridwalker.tui.field.app import GridwalkerApp

SIZE = (120, 40)


def sign_in(db: Path) -> str:
    """Write settings for the demo member of the database; returns the member uuid."""
    engine = open_database(db)
    with engine.connect() as conn:
        member = conn.execute(select(Member.uuid, Member.name).order_by(Member.name)).first()
    engine.dispose()
    config.save_settings(
        config.paths(),
        config.Settings(member_uuid=member[0], member_name=member[1], grid_code="XH-01-01"),
    )
    return member[0]


def make_app(db: Path, lang: str = "zh", **kwargs: object) -> GridwalkerApp:
    """An app on `db` with animations off."""
    app = GridwalkerApp(db, lang=lang, **kwargs)  # type: ignore[arg-type]
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot[None]) -> None:
    """Let handlers start their workers, wait for them, then handle what they posted."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def text_of(widget: Widget) -> str:
    """The plain text a widget shows."""
    return "\n".join(line.text for line in widget.render_lines(widget.region.reset_offset))


def screen_text(pilot: Pilot[None]) -> str:
    """Everything on the screen (the top screen and what shows through), as plain text."""
    strips = pilot.app.screen._compositor.render_strips()  # noqa: SLF001 - test helper
    return "\n".join(strip.text for strip in strips)
