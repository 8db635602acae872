"""Checking a census form and saving it as the enterprise row and the year's record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, false, select

from gridwalker.domain import clock
from gridwalker.domain.choices import (
    Choice,
    Industry,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Scale,
)
from gridwalker.domain.validators import (
    Invalid,
    check_phone,
    check_uscc,
    normalize_phone,
    normalize_uscc,
)
from gridwalker.store.census.enterprises import enterprise_row, find_by_uscc
from gridwalker.store.census.rows import CHOICE_FIELDS, CensusForm, CensusInputError
from gridwalker.store.census.values import as_int, choice_code, is_blank, text_or_none
from gridwalker.store.tables import Building, CensusRecord
from gridwalker.store.writes import StaleWrite, Writer


def _invalid_choice(name: str, choice: type[Choice], value: object) -> Invalid:
    """The reason a value is not in its value list."""
    zh = "、".join(m.zh for m in choice)
    en = ", ".join(m.en for m in choice)
    return Invalid(
        f"census.{name}.choice",
        f"「{value}」不是可选的取值，可选：{zh}",
        f"{value!r} is not one of the values: {en}",
    )


def _check_count(value: object, zh_name: str, en_name: str) -> Invalid | None:
    """A head count: a whole number, not negative (empty is checked by the caller)."""
    number = as_int(value)
    if number is None:
        return Invalid(
            "census.count.number",
            f"{zh_name}应为整数，实际为「{value}」",
            f"{en_name} must be a whole number, not {value!r}",
        )
    if number < 0:
        return Invalid(
            "census.count.negative",
            f"{zh_name}不能为负数",
            f"{en_name} cannot be negative",
        )
    return None


def validate_census(
    conn: Connection, form: CensusForm, *, enterprise_uuid: str | None = None
) -> dict[str, Invalid]:
    """Every problem of a form, by field; empty when it can be saved (flags never block).

    `enterprise_uuid` names the enterprise being edited (LookupError when there is none).
    """
    problems: dict[str, Invalid] = {}
    existing = enterprise_row(conn, enterprise_uuid) if enterprise_uuid is not None else None

    if is_blank(form.uscc):
        if existing is None or existing["uscc"]:
            problems["uscc"] = Invalid(
                "census.uscc.required",
                "请填写统一社会信用代码（18位，见营业执照）",
                "Enter the unified social credit code (18 characters, on the business licence)",
            )
    else:
        bad = check_uscc(form.uscc)
        if bad is not None:
            problems["uscc"] = bad
        else:
            other = find_by_uscc(conn, form.uscc, exclude_uuid=enterprise_uuid)
            if other is not None:
                problems["uscc"] = Invalid(
                    "census.duplicate_uscc",
                    f"该统一社会信用代码已登记为「{other.name}」（{other.place('zh')}），"
                    f"请打开该企业的记录，不要重复登记",
                    f"This credit code is already recorded for {other.name} "
                    f"({other.place('en')}); open that record instead of adding a duplicate",
                )

    if is_blank(form.name):
        problems["name"] = Invalid(
            "census.name.required", "请填写企业名称", "Enter the enterprise's name"
        )

    for name, choice in CHOICE_FIELDS.items():
        value = getattr(form, name)
        if is_blank(value):
            continue
        try:
            choice.parse(str(value))
        except ValueError:
            problems[name] = _invalid_choice(name, choice, value)
    if is_blank(form.operating_status):
        problems["operating_status"] = Invalid(
            "census.operating_status.required", "请选择经营状态", "Choose the operating status"
        )

    employees = None
    if not is_blank(form.employees):
        bad = _check_count(form.employees, "从业人数", "The number of employees")
        if bad is not None:
            problems["employees"] = bad
        else:
            employees = as_int(form.employees)
    members = None
    if is_blank(form.party_members):
        problems["party_members"] = Invalid(
            "census.party_members.required",
            "请填写党员人数（没有党员填0）",
            "Enter the number of party members (0 when there are none)",
        )
    else:
        bad = _check_count(form.party_members, "党员人数", "The number of party members")
        if bad is not None:
            problems["party_members"] = bad
        else:
            members = as_int(form.party_members)
    if employees is not None and members is not None and members > employees:
        problems["party_members"] = Invalid(
            "census.party_members.more_than_employees",
            f"党员人数（{members}）不能多于从业人数（{employees}）",
            f"Party members ({members}) cannot outnumber employees ({employees})",
        )

    status = None
    if is_blank(form.party_org_status):
        problems["party_org_status"] = Invalid(
            "census.party_org_status.required",
            "请选择党组织建立情况（单独组建、联合组建或未建立）",
            "Choose the party organisation: own, joint or none",
        )
    elif "party_org_status" not in problems:
        status = PartyOrgStatus.parse(str(form.party_org_status))
    if status is not None and "party_org_kind" not in problems:
        if status.covered and is_blank(form.party_org_kind):
            problems["party_org_kind"] = Invalid(
                "census.party_org_kind.required",
                "已建立党组织时请选择组织类型（党支部、党总支或党委）",
                "With an organisation, choose its kind: branch, general branch or committee",
            )
        elif not status.covered and not is_blank(form.party_org_kind):
            problems["party_org_kind"] = Invalid(
                "census.party_org_kind.without_org",
                "未建立党组织时不填组织类型",
                "Leave the kind empty when there is no organisation",
            )

    if not is_blank(form.floor) and as_int(form.floor) is None:
        problems["floor"] = Invalid(
            "census.floor.number",
            f"楼层应为整数，实际为「{form.floor}」",
            f"The floor must be a whole number, not {form.floor!r}",
        )
    if not is_blank(form.contact_phone):
        bad = check_phone(str(form.contact_phone))
        if bad is not None:
            problems["contact_phone"] = bad
    return problems


def _enterprise_values(form: CensusForm) -> dict[str, Any]:
    """The enterprise row's fields from a valid form, normalised."""
    phone = text_or_none(form.contact_phone)
    return {
        "name": str(form.name).strip(),
        "uscc": normalize_uscc(form.uscc) or None,
        "industry": choice_code(Industry, form.industry),
        "ownership": choice_code(Ownership, form.ownership),
        "floor": as_int(form.floor),
        "room": text_or_none(form.room),
        "contact_name": text_or_none(form.contact_name),
        "contact_phone": normalize_phone(phone) if phone else None,
        "operating_status": choice_code(OperatingStatus, form.operating_status),
    }


def _record_values(form: CensusForm, own: dict[str, Any]) -> dict[str, Any]:
    """This year's census answers from a valid form, normalised."""
    return {
        "industry": own["industry"],
        "ownership": own["ownership"],
        "scale": choice_code(Scale, form.scale),
        "employees": as_int(form.employees),
        "operating_status": own["operating_status"],
        "contact_name": own["contact_name"],
        "contact_phone": own["contact_phone"],
        "party_org_status": choice_code(PartyOrgStatus, form.party_org_status),
        "party_org_kind": choice_code(PartyOrgKind, form.party_org_kind),
        "party_members": as_int(form.party_members),
        "instructor_assigned": bool(form.instructor_assigned),
        "has_union": bool(form.has_union),
        "has_youth_league": bool(form.has_youth_league),
    }


def _year_record(conn: Connection, enterprise_uuid: str, year: int) -> tuple[str, str] | None:
    """This year's live record of an enterprise: (uuid, rev), or None."""
    row = conn.execute(
        select(CensusRecord.uuid, CensusRecord.rev).where(
            CensusRecord.enterprise_uuid == enterprise_uuid,
            CensusRecord.year == year,
            CensusRecord.deleted == false(),  # a deleted record's year is entered anew
        )
    ).first()
    return None if row is None else (row[0], row[1])


def _check_record_rev(
    writer: Writer, existing: tuple[str, str] | None, expected: str | None
) -> None:
    """StaleWrite when this year's record is not as the form found it (`expected`: its rev,
    None when there was none): entered, changed or deleted elsewhere since."""
    if existing is None and expected is None:
        return
    if existing is not None and existing[1] == expected:
        return
    if existing is not None:  # entered or changed since: StaleWrite with its data now
        writer.current("census_record", existing[0], expected or "")
    raise StaleWrite("census_record", "", expected or "", "", {}, deleted=True)


def save_census(
    conn: Connection,
    form: CensusForm,
    *,
    year: int,
    actor: str,
    member_uuid: str | None,
    enterprise_uuid: str | None = None,
    tower_uuid: str | None = None,
    expect_revs: tuple[str, str | None] | None = None,
) -> tuple[str, str]:
    """Save a census: returns (enterprise uuid, census record uuid).

    Refuses a form with problems (`CensusInputError`, nothing written). A new enterprise is
    created in `tower_uuid`; an existing one gets its changed fields (and moves to
    `tower_uuid` when given). This year's record is inserted, or edited when it exists.
    Moving out or deregistering is an operating status: the enterprise and its history stay.

    `expect_revs` are the revs the form was read at (`CensusForm.enterprise_rev` and
    `.record_rev`, None when there was no record this year): when the enterprise or this
    year's record changed elsewhere since (a record entered, edited or deleted meanwhile
    included), StaleWrite and nothing is written.
    """
    writer = Writer(conn, actor)
    ent_rev, record_rev = expect_revs if expect_revs is not None else (None, None)
    existing = None
    if enterprise_uuid is not None:
        existing = _year_record(conn, enterprise_uuid, year)
        if expect_revs is not None:  # before anything else: a deleted enterprise is stale too
            writer.current("enterprise", enterprise_uuid, ent_rev)
            _check_record_rev(writer, existing, record_rev)
    problems = validate_census(conn, form, enterprise_uuid=enterprise_uuid)
    if problems:
        raise CensusInputError(problems)
    if enterprise_uuid is None and tower_uuid is None:
        raise ValueError("a new enterprise needs the tower it is in (tower_uuid)")
    if tower_uuid is not None:
        found = conn.execute(
            select(Building.uuid).where(Building.uuid == tower_uuid, Building.deleted == false())
        ).first()
        if found is None:
            raise LookupError(f"no building {tower_uuid}")
    own = _enterprise_values(form)
    if enterprise_uuid is None:
        enterprise_uuid = writer.insert("enterprise", {"building_uuid": tower_uuid, **own})
    else:
        changes = dict(own)
        if tower_uuid is not None:
            changes["building_uuid"] = tower_uuid
        writer.update("enterprise", enterprise_uuid, changes, expect_rev=ent_rev)
    answers = _record_values(form, own)
    if existing is not None:
        writer.update("census_record", existing[0], answers, expect_rev=record_rev)
        return enterprise_uuid, existing[0]
    record_uuid = writer.insert(
        "census_record",
        {
            "enterprise_uuid": enterprise_uuid,
            "year": year,
            "census_date": clock.today(),
            "member_uuid": member_uuid,
            **answers,
        },
    )
    return enterprise_uuid, record_uuid
