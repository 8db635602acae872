"""What every decision taken at the desk shares: who takes it, and how a refused one is shown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridwalker.domain.i18n import _, language

if TYPE_CHECKING:
    from textual.widget import Widget


def decider(node: Widget) -> str:
    """Who decides: the supervisor at the desk (recorded with every decision)."""
    return str(getattr(node.app, "actor", "") or _("Supervisor"))


def desk_of(node: Widget) -> str | None:
    """This desk (one run of it): the records it opens are claimed in its name."""
    return getattr(node.app, "desk_id", None)


def show_refusal(node: Widget, exc: BaseException) -> bool:
    """A decision the review rules refused: say why and return True; other errors are not ours."""
    from gridwalker.store.desk.errors import ReviewError

    if isinstance(exc, ReviewError):
        node.notify(exc.invalid.text(language()), title=_("Not done"), severity="error", timeout=8)
        return True
    return False
