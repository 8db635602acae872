"""The field app and the review desk under Pilot: make them, wait on them, read the screen."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from textual.app import App
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget

from gridwalker import config
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Member
from gridwalker.tui.desk.app import HubApp
from gridwalker.tui.field.app import GridwalkerApp
from tests.support.demo import GRID_CODE, SUPERVISOR

if TYPE_CHECKING:
    from tests.support.hubs import Hub

SIZE = (120, 40)


def sign_in(db: Path) -> str:
    """Write the settings of the demo member of the database, as after a first sign-in.

    Returns the member's uuid.
    """
    engine = open_database(db)
    with engine.connect() as conn:
        member = conn.execute(select(Member.uuid, Member.name).order_by(Member.name)).first()
    engine.dispose()
    config.save_settings(
        config.paths(),
        config.Settings(member_uuid=member[0], member_name=member[1], grid_code=GRID_CODE),
    )
    return member[0]


def make_app(
    db: Path,
    lang: str = "zh",
    *,
    start: str = "today",
    role: str | None = None,
    signed_in: bool = False,
    home: config.Paths | None = None,
) -> GridwalkerApp:
    """The field app on `db` with animations off; signed in first if asked, a `role` if given.

    `home` is the laptop's home when it is not the test's GRIDWALKER_HOME.
    """
    if signed_in:
        sign_in(db)
    app = GridwalkerApp(db, lang=lang, start=start, home=home)
    app.animation_level = "none"
    if role is not None:
        app.role = role  # type: ignore[attr-defined]
    return app


def make_desk_app(hub: Hub, lang: str = "zh", *, actor: str = SUPERVISOR) -> HubApp:
    """The review desk on a hub home, worked by `actor`, animations off."""
    app = HubApp(hub.db or hub.home.hub_db, lang=lang, home=hub.home, actor=actor)
    app.animation_level = "none"
    return app


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs (workers may start others), then handle what they posted."""
    for _round in range(50):
        await pilot.pause()
        running = [w for w in pilot.app.workers if not w.is_finished]
        if not running:
            break
        await pilot.app.workers.wait_for_complete(running)
    await pilot.pause()


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys, then settle."""
    await pilot.press(*keys)
    await settle(pilot)


def text_of(widget: Widget) -> str:
    """The text a widget shows on screen, line by line."""
    width, height = widget.outer_size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def screen_text(app: App) -> str:
    """Everything the terminal shows now (the top screen and what shows through), as text."""
    strips = app.screen._compositor.render_strips()  # noqa: SLF001 - no public way to read it
    return "\n".join(strip.text for strip in strips)


def footer_text(app: App) -> str:
    """The keys and descriptions the footer shows."""
    return " ".join(text_of(key) for key in app.screen.query("FooterKey"))
