"""Field-by-field checks of what a member types into the resident and visit forms.

Each check returns a dict of field name → `Invalid` (empty when everything is valid), so a
screen can put each reason next to its field and the store can refuse the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .choices import CareTag, Relation, ResidenceType, Sex, VisitOutcome
from .validators import (
    Invalid,
    birth_date_from_id,
    check_phone,
    check_resident_id,
    normalize_phone,
    normalize_resident_id,
    sex_from_id,
)


@dataclass
class ResidentInput:
    """A resident as typed: text fields, codes for the value lists."""

    name: str = ""
    sex: str = ""
    birth_date: str = ""  # YYYY-MM-DD
    id_number: str = ""
    phone: str = ""
    relation: str = Relation.SELF.value
    residence_type: str = ResidenceType.PERMANENT.value
    care_tags: list[str] = field(default_factory=list)


def parse_iso_day(text: str) -> date | None:
    """A YYYY-MM-DD date, or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _enum_problem(cls: type, value: str, code: str, zh: str, en: str) -> Invalid | None:
    try:
        cls(value)
    except ValueError:
        return Invalid(code, f"{zh}：{value}", f"{en}: {value}")
    return None


def check_resident(data: ResidentInput, today: date) -> dict[str, Invalid]:
    """Every problem of a resident form, by field."""
    problems: dict[str, Invalid] = {}
    if not data.name.strip():
        problems["name"] = Invalid("resident.name", "请填写姓名", "Enter the name")
    id_number = normalize_resident_id(data.id_number)
    if id_number:
        bad = check_resident_id(id_number)
        if bad:
            problems["id_number"] = bad
    if data.phone.strip():
        bad = check_phone(data.phone)
        if bad:
            problems["phone"] = bad
    birth = None
    if data.birth_date.strip():
        birth = parse_iso_day(data.birth_date)
        if birth is None:
            problems["birth_date"] = Invalid(
                "resident.birth_format",
                f"出生日期 {data.birth_date} 无法识别，请按 YYYY-MM-DD 填写",
                f"Birth date {data.birth_date} not understood; type YYYY-MM-DD",
            )
        elif birth > today:
            problems["birth_date"] = Invalid(
                "resident.birth_future", "出生日期晚于今天", "The birth date is in the future"
            )
    if id_number and "id_number" not in problems:
        from_id = birth_date_from_id(id_number)
        if birth and from_id and birth != from_id and "birth_date" not in problems:
            problems["birth_date"] = Invalid(
                "resident.birth_mismatch",
                f"出生日期 {birth} 与身份证号中的 {from_id} 不一致",
                f"Birth date {birth} differs from {from_id} in the ID number",
            )
        id_sex = sex_from_id(id_number)
        if data.sex and id_sex and data.sex != id_sex:
            problems["sex"] = Invalid(
                "resident.sex_mismatch",
                f"性别与身份证号不一致（身份证号为{Sex(id_sex).zh}）",
                f"Sex differs from the ID number ({Sex(id_sex).en})",
            )
    if data.sex and "sex" not in problems:
        bad = _enum_problem(Sex, data.sex, "resident.sex", "未知性别", "Unknown sex")
        if bad:
            problems["sex"] = bad
    for name, cls, zh, en in (
        ("relation", Relation, "未知的与户主关系", "Unknown relation"),
        ("residence_type", ResidenceType, "未知的人口类型", "Unknown residence type"),
    ):
        bad = _enum_problem(cls, getattr(data, name), f"resident.{name}", zh, en)
        if bad:
            problems[name] = bad
    for tag in data.care_tags:
        bad = _enum_problem(CareTag, tag, "resident.care_tag", "未知的关爱标签", "Unknown care tag")
        if bad:
            problems["care_tags"] = bad
            break
    return problems


def resident_fields(data: ResidentInput) -> dict[str, object]:
    """A valid resident form as column values (normalised; blanks become None)."""
    id_number = normalize_resident_id(data.id_number) or None
    birth = parse_iso_day(data.birth_date) if data.birth_date.strip() else None
    if birth is None and id_number:
        birth = birth_date_from_id(id_number)
    sex = data.sex or (sex_from_id(id_number) if id_number else None) or None
    return {
        "name": data.name.strip(),
        "sex": sex,
        "birth_date": birth,
        "id_number": id_number,
        "phone": normalize_phone(data.phone) if data.phone.strip() else None,
        "relation": data.relation,
        "residence_type": data.residence_type,
        "care_tags": [CareTag(t).value for t in dict.fromkeys(data.care_tags)],
    }


@dataclass
class VisitInput:
    """A visit as typed in the visit form."""

    outcome: str = VisitOutcome.VISITED.value
    residents_seen: list[str] = field(default_factory=list)
    care_checks: dict[str, str] = field(default_factory=dict)  # resident uuid -> note
    concerns: str = ""
    follow_up: str = ""  # YYYY-MM-DD or blank


def check_visit(
    data: VisitInput, today: date, household_residents: set[str], tagged: set[str]
) -> dict[str, Invalid]:
    """Every problem of a visit form, by field."""
    problems: dict[str, Invalid] = {}
    try:
        outcome = VisitOutcome(data.outcome)
    except ValueError:
        problems["outcome"] = Invalid("visit.outcome", "请选择走访结果", "Choose the outcome")
        outcome = None
    strangers = set(data.residents_seen) - household_residents
    if strangers:
        problems["residents_seen"] = Invalid(
            "visit.residents_seen", "所选人员不属于本户", "Someone chosen is not of this household"
        )
    elif outcome is not None and not outcome.counts_as_covered and data.residents_seen:
        problems["residents_seen"] = Invalid(
            "visit.nobody_home_seen",
            "“无人在家”时不能勾选见到的人员",
            "Nobody was home: no resident can have been seen",
        )
    if set(data.care_checks) - tagged:
        problems["care_checks"] = Invalid(
            "visit.care_checks",
            "关爱情况只能填写有关爱标签的人员",
            "Care checks are for tagged residents",
        )
    if data.follow_up.strip():
        day = parse_iso_day(data.follow_up)
        if day is None:
            problems["follow_up"] = Invalid(
                "visit.follow_up_format",
                f"回访日期 {data.follow_up} 无法识别，请按 YYYY-MM-DD 填写",
                f"Follow-up date {data.follow_up} not understood; type YYYY-MM-DD",
            )
        elif day < today:
            problems["follow_up"] = Invalid(
                "visit.follow_up_past", "回访日期不能早于今天", "The follow-up date is in the past"
            )
    if len(data.concerns) > 2000:
        problems["concerns"] = Invalid(
            "visit.concerns_long", "诉求与情况不超过 2000 字", "Concerns: at most 2000 characters"
        )
    return problems
