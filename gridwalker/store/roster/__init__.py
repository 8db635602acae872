"""Roster import: residents from a CSV or XLSX file into the places they live in.

Every row is checked first (fields, places, duplicates within the file, matches in the
database); with any error nothing is written. Otherwise all inserts and updates go through
one `Writer` in one transaction. A resident already in the database is matched within their
household by ID number, else by name; only fields the file gives (non-empty cells) are
compared, so an import never erases data, and a row that changes nothing writes nothing.

This face re-exports the package's public names; the modules hold the columns and results,
reading the file, checking rows, the places, and the import.
"""

from __future__ import annotations

from gridwalker.store.roster.columns import (
    RosterError,
    RosterResult,
)
from gridwalker.store.roster.importing import import_roster
from gridwalker.store.roster.reading import read_roster

__all__ = [
    "RosterError",
    "RosterResult",
    "import_roster",
    "read_roster",
]
