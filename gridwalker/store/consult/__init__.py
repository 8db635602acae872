"""Building consultations (意见征询): creating one, its owner register, the votes, the count.

`consultations` makes and lists them, `register` imports the owner register, `votes` records
and imports the owners' votes (a later vote of a room replaces the earlier in the count, both
stay), `counting` gives the count and the cost shares. Every row is written by `Writer`, so
consultations travel in bundles like every other record. All SQL here is SQLAlchemy Core that
SQLite and PostgreSQL both run (a hub counts the same way as a laptop).
"""

from __future__ import annotations


class ConsultProblem(ValueError):
    """A consultation command that cannot be done as asked (the message is bilingual: the
    Chinese, " / ", the English); `column` names the field it is about, when one is."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column

    def in_language(self, lang: str) -> str:
        """The message in one language ("en", else Chinese)."""
        zh, sep, en = str(self).partition(" / ")
        return en if sep and lang == "en" else zh if sep else str(self)
