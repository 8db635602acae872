"""The member's edits: residents added, changed or moved out, visits saved, a household's
head, phone and occupancy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from gridwalker.domain import clock, fields
from gridwalker.domain.choices import Occupancy, is_care_case
from gridwalker.domain.forms import (
    ResidentInput,
    VisitInput,
    check_move_out,
    check_resident,
    check_visit,
    parse_iso_day,
    resident_fields,
    second_head,
)
from gridwalker.domain.validators import Invalid, check_phone, normalize_phone
from gridwalker.store.rounds.drafts import delete_draft, visit_draft_key, visit_fix_draft_key
from gridwalker.store.rounds.households import other_heads, resident_row, residents_of
from gridwalker.store.tables import Household, Visit
from gridwalker.store.writes import Writer


class FormError(ValueError):
    """A form that cannot be saved: the reason for each bad field."""

    def __init__(self, problems: dict[str, Invalid]) -> None:
        super().__init__("; ".join(f"{k}: {v.en}" for k, v in problems.items()))
        self.problems = problems


def add_resident(conn: Connection, actor: str, household_uuid: str, data: ResidentInput) -> str:
    """Add a resident to a household; FormError (nothing written) when the form is invalid."""
    problems = check_resident(data, clock.today())
    head = second_head(data.relation, other_heads(conn, household_uuid))
    if head is not None:
        problems["relation"] = head
    if problems:
        raise FormError(problems)
    return Writer(conn, actor).insert(
        "resident", {"household_uuid": household_uuid, **resident_fields(data)}
    )


def update_resident(
    conn: Connection,
    actor: str,
    resident_uuid: str,
    data: ResidentInput,
    *,
    expect_rev: str | None = None,
) -> str | None:
    """Save changes to a resident; returns the new rev, or None when nothing changed.

    `expect_rev` is the rev the form loaded: StaleWrite (nothing written) when the resident
    was changed elsewhere since. A second 本人 in the household is refused (a moved-out
    resident's form is not: they are not of the household any more)."""
    problems = check_resident(data, clock.today())
    row = resident_row(conn, resident_uuid)
    if row is not None and not row.moved_out:
        head = second_head(data.relation, other_heads(conn, row.household_uuid, resident_uuid))
        if head is not None:
            problems["relation"] = head
    if problems:
        raise FormError(problems)
    return Writer(conn, actor).update(
        "resident", resident_uuid, resident_fields(data), expect_rev=expect_rev
    )


def move_out(
    conn: Connection,
    actor: str,
    resident_uuid: str,
    moved_out: bool = True,
    *,
    on: str | None = None,
    moved_to: str = "",
    expect_rev: str | None = None,
) -> str | None:
    """Mark a resident as moved out (迁出) on a day (`on`, YYYY-MM-DD; today when None) and
    to where (free text, optional), or back in; the record and its history stay.

    FormError (nothing written) when the day or the place is not valid, or when moving back
    in would make a second 本人 of the household. `expect_rev`: the rev the roster showed
    (StaleWrite when the resident moved on since)."""
    row = resident_row(conn, resident_uuid)
    values: dict[str, Any]
    if moved_out:
        day_text = clock.today().isoformat() if on is None else on
        birth = row.birth_date if row is not None else None
        problems = check_move_out(day_text, moved_to, birth, clock.today())
        if problems:
            raise FormError(problems)
        values = {
            "moved_out": True,
            "moved_out_on": parse_iso_day(day_text),
            "moved_to": moved_to.strip() or None,
        }
    else:
        if row is not None:
            head = second_head(row.relation, other_heads(conn, row.household_uuid, resident_uuid))
            if head is not None:
                raise FormError({"relation": head})
        values = {"moved_out": False, "moved_out_on": None, "moved_to": None}
    return Writer(conn, actor).update("resident", resident_uuid, values, expect_rev=expect_rev)


def save_visit(
    conn: Connection,
    actor: str,
    member_uuid: str | None,
    household_uuid: str,
    data: VisitInput,
    roster_changes: list[dict[str, Any]] | None = None,
) -> str:
    """Record a visit (FormError when invalid, nothing written) and drop its draft."""
    people = residents_of(conn, household_uuid)
    present = {r.uuid for r in people if not r.moved_out}
    tagged = {r.uuid for r in people if is_care_case(r.care_tags) and not r.moved_out}
    today = clock.today()
    problems = check_visit(data, today, present, tagged)
    if problems:
        raise FormError(problems)
    now = clock.now().replace(microsecond=0)
    follow = parse_iso_day(data.follow_up) if data.follow_up.strip() else None
    uuid = Writer(conn, actor).insert(
        "visit",
        {
            "household_uuid": household_uuid,
            "member_uuid": member_uuid,
            "visited_on": today,
            "visited_at": now,
            "outcome": data.outcome,
            "residents_seen": list(dict.fromkeys(data.residents_seen)),
            "care_checks": {k: v for k, v in data.care_checks.items() if v.strip()},
            "concerns": data.concerns.strip(),
            "follow_up": follow,
            "roster_changes": roster_changes or [],
        },
    )
    delete_draft(conn, visit_draft_key(household_uuid))
    return uuid


@dataclass(frozen=True)
class StoredVisit:
    """A visit as stored, as the visit form edits it: where, which rev, and its values."""

    uuid: str
    household_uuid: str
    rev: str
    data: VisitInput
    roster_changes: list[dict[str, Any]]
    visited_on: date | None = None


def stored_visit(conn: Connection, visit_uuid: str) -> StoredVisit | None:
    """A live visit as the visit form shows it (None when it is gone or deleted)."""
    row = conn.execute(
        select(Visit).where(Visit.uuid == visit_uuid, Visit.deleted.is_(False))
    ).first()
    if row is None:
        return None
    data = VisitInput(
        outcome=row.outcome,
        residents_seen=list(row.residents_seen or []),
        care_checks={str(k): str(v) for k, v in (row.care_checks or {}).items()},
        concerns=row.concerns or "",
        follow_up=row.follow_up.isoformat() if row.follow_up else "",
    )
    return StoredVisit(
        row.uuid,
        row.household_uuid,
        row.rev,
        data,
        list(row.roster_changes or []),
        row.visited_on,
    )


def update_visit(
    conn: Connection,
    actor: str,
    visit_uuid: str,
    data: VisitInput,
    roster_changes: list[dict[str, Any]] | None = None,
    *,
    expect_rev: str | None = None,
) -> str | None:
    """Correct a stored visit (a returned one); returns the new rev, None when nothing changed.

    Checked as a new visit is (FormError, nothing written), except that a follow-up date the
    visit already had may lie in the past now. `expect_rev` is the rev the form loaded:
    StaleWrite (nothing written) when the visit changed elsewhere since. The day and the time
    of the visit stay what they were; the correction's draft is dropped."""
    stored = stored_visit(conn, visit_uuid)
    if stored is None:
        # The Writer says why (unknown or deleted), with nothing written.
        return Writer(conn, actor).update("visit", visit_uuid, {}, expect_rev=expect_rev)
    people = residents_of(conn, stored.household_uuid)
    present = {r.uuid for r in people if not r.moved_out}
    tagged = {r.uuid for r in people if is_care_case(r.care_tags) and not r.moved_out}
    problems = check_visit(data, clock.today(), present, tagged)
    kept = data.follow_up.strip() == stored.data.follow_up
    if kept and problems.get("follow_up") and problems["follow_up"].code == "visit.follow_up_past":
        del problems["follow_up"]
    if problems:
        raise FormError(problems)
    follow = parse_iso_day(data.follow_up) if data.follow_up.strip() else None
    seen = list(dict.fromkeys(data.residents_seen))
    if set(seen) == set(stored.data.residents_seen):
        seen = stored.data.residents_seen  # the same people: not a change, whatever the order
    rev = Writer(conn, actor).update(
        "visit",
        visit_uuid,
        {
            "outcome": data.outcome,
            "residents_seen": seen,
            "care_checks": {k: v for k, v in data.care_checks.items() if v.strip()},
            "concerns": data.concerns.strip(),
            "follow_up": follow,
            "roster_changes": roster_changes
            if roster_changes is not None
            else stored.roster_changes,
        },
        expect_rev=expect_rev,
    )
    delete_draft(conn, visit_fix_draft_key(visit_uuid))
    return rev


def stored_household(conn: Connection, household_uuid: str) -> dict[str, Any] | None:
    """A live household's editable fields and its rev (None when gone)."""
    row = conn.execute(
        select(Household.head_name, Household.phone, Household.occupancy, Household.rev).where(
            Household.uuid == household_uuid, Household.deleted.is_(False)
        )
    ).first()
    return None if row is None else dict(row._mapping)


def update_household(
    conn: Connection,
    actor: str,
    household_uuid: str,
    head_name: str,
    phone: str,
    occupancy: str,
    *,
    expect_rev: str | None = None,
) -> str | None:
    """Save a household's head, phone and occupancy (FormError by field, nothing written);
    returns the new rev, None when nothing changed; StaleWrite over a change made meanwhile."""
    problems: dict[str, Invalid] = {}
    phone = phone.strip()
    if phone:
        bad = check_phone(phone)
        if bad is not None:
            problems["phone"] = bad
        else:
            phone = normalize_phone(phone)
    if occupancy not in {o.value for o in Occupancy}:
        problems["occupancy"] = Invalid(
            "household.occupancy",
            f"未知的居住情况「{occupancy}」",
            f"unknown occupancy {occupancy!r}",
        )
    for name, value in (("head_name", head_name.strip()), ("phone", phone)):
        bad = fields.check_value("household", name, value) if value else None
        if bad is not None:
            problems[name] = bad
    if problems:
        raise FormError(problems)
    changes = {
        "head_name": head_name.strip() or None,
        "phone": phone or None,
        "occupancy": occupancy,
    }
    return Writer(conn, actor).update("household", household_uuid, changes, expect_rev=expect_rev)
