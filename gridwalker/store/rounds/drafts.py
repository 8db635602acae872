"""Drafts of forms (local, never synced): saved, listed, taken up, deleted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from gridwalker.domain import clock
from gridwalker.domain.forms import VisitInput
from gridwalker.store.tables import Draft


def visit_draft_key(household_uuid: str) -> str:
    """The draft key of the visit form of a household."""
    return f"visit:{household_uuid}"


def visit_fix_draft_key(visit_uuid: str) -> str:
    """The draft key of the correction of a stored visit (a returned one: one per visit)."""
    return f"visit-fix:{visit_uuid}"


@dataclass(frozen=True)
class DraftRow:
    """A form in progress."""

    key: str
    kind: str
    title: str
    payload: dict[str, Any]
    updated_at: datetime


def save_draft(conn: Connection, key: str, kind: str, title: str, payload: dict[str, Any]) -> None:
    """Keep a form's state (one row per form, replaced on every change)."""
    values = {"kind": kind, "title": title, "payload": payload, "updated_at": clock.now()}
    if conn.execute(update(Draft).where(Draft.key == key).values(**values)).rowcount == 0:
        conn.execute(insert(Draft).values(key=key, **values))


def load_draft(conn: Connection, key: str) -> DraftRow | None:
    """A saved draft, or None."""
    r = conn.execute(
        select(Draft.key, Draft.kind, Draft.title, Draft.payload, Draft.updated_at).where(
            Draft.key == key
        )
    ).first()
    return DraftRow(*r) if r else None


def list_drafts(conn: Connection) -> list[DraftRow]:
    """Every draft waiting, newest first."""
    stmt = select(Draft.key, Draft.kind, Draft.title, Draft.payload, Draft.updated_at).order_by(
        Draft.updated_at.desc()
    )
    return [DraftRow(*r) for r in conn.execute(stmt)]


def delete_draft(conn: Connection, key: str) -> None:
    """Drop a draft (after saving or discarding the form)."""
    conn.execute(delete(Draft).where(Draft.key == key))


def visit_payload(
    data: VisitInput, roster_changes: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A visit form as a draft payload."""
    return {"visit": asdict(data), "roster_changes": roster_changes or []}


def visit_from_payload(payload: dict[str, Any]) -> tuple[VisitInput, list[dict[str, Any]]]:
    """A draft payload back as a visit form."""
    return VisitInput(**payload.get("visit", {})), list(payload.get("roster_changes", []))


def household_of_visit_draft(key: str) -> str | None:
    """The household whose visit a draft key holds (None: not a visit's draft)."""
    prefix = visit_draft_key("")
    return key.removeprefix(prefix) if key.startswith(prefix) else None
