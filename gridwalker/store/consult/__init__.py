"""Building consultations (意见征询): creating one, its owner register, the votes, the count.

`consultations` makes and lists them, `register` imports the owner register, `votes` records
and imports the owners' votes (a later vote of a room replaces the earlier in the count, both
stay), `counting` gives the count and the cost shares. Every row is written by `Writer`, so
consultations travel in bundles like every other record. All SQL here is SQLAlchemy Core that
SQLite and PostgreSQL both run (a hub counts the same way as a laptop).
"""

from __future__ import annotations

import re

# Where the English half of a "中文 / English" message starts (a path's slashes have no space).
_HALVES = re.compile(r"\s?/ (?=[A-Za-z0-9'\"(-])")


class ConsultProblem(ValueError):
    """A consultation command that cannot be done as asked (the message is bilingual: the
    Chinese, " / ", the English); `column` names the field it is about, when one is."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column

    def in_language(self, lang: str) -> str:
        """The message in one language ("en", else Chinese)."""
        halves = _HALVES.split(str(self), maxsplit=1)
        if len(halves) != 2:
            return str(self)
        return halves[1] if lang == "en" else halves[0]
