"""Who the change log names for edits made on this laptop."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridwalker.tui.app_base import GridwalkerBaseApp


def actor_of(app: GridwalkerBaseApp) -> str:
    """The signed-in member's name, else the one in the settings, else "gridwalker"."""
    if app.member is not None:
        return app.member.name
    return app.settings.member_name or "gridwalker"
