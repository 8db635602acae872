"""Field-by-field checks of what a member types into the resident and visit forms.

Each check returns a dict of field name → `Invalid` (empty when everything is valid), so a
screen can put each reason next to its field and the store can refuse the same input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .choices import CareTag, Relation, ResidenceType, Sex, VisitOutcome
from .fields import check_text
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


# -- household rules: one head, moving out, the tags that follow from facts ---------------------


def second_head(relation: str, other_heads: list[str]) -> Invalid | None:
    """One 本人 (the head, relation "self") per household: `other_heads` are the names of the
    household's other present residents related as "self" (a form's own resident excluded)."""
    if relation != Relation.SELF.value or not other_heads:
        return None
    name = other_heads[0]
    return Invalid(
        "resident.second_head",
        f"本户已有本人（户主）：{name}。每户只能有一位本人，请选择与户主的其他关系",
        f"This household already has its head (self): {name}. "
        "One per household: choose another relation",
    )


def check_move_out(
    day_text: str, moved_to: str, birth: date | None, today: date
) -> dict[str, Invalid]:
    """A move out (迁出): the day (not in the future, not before the birth date) and where to
    (free text, optional, a note's length)."""
    problems: dict[str, Invalid] = {}
    day = parse_iso_day(day_text) if day_text.strip() else None
    if not day_text.strip():
        problems["moved_out_on"] = Invalid(
            "resident.moved_out_on", "请填写迁出日期", "Enter the day of moving out"
        )
    elif day is None:
        problems["moved_out_on"] = Invalid(
            "resident.moved_out_on_format",
            f"迁出日期 {day_text} 无法识别，请按 YYYY-MM-DD 填写",
            f"Moving-out day {day_text} not understood; type YYYY-MM-DD",
        )
    elif day > today:
        problems["moved_out_on"] = Invalid(
            "resident.moved_out_future", "迁出日期晚于今天", "The moving-out day is in the future"
        )
    elif birth is not None and day < birth:
        problems["moved_out_on"] = Invalid(
            "resident.moved_out_before_birth",
            f"迁出日期早于出生日期 {birth}",
            f"The moving-out day is before the birth date {birth}",
        )
    bad = check_text("resident", "moved_to", moved_to.strip())
    if bad is not None:
        problems["moved_to"] = Invalid(
            "resident.moved_to",
            f"迁往：{bad.zh.split('：', 1)[-1]}",
            f"Moved to: {bad.en.split(': ', 1)[-1]}",
        )
    return problems


ELDERLY_AGE = 60  # 老人: the age 独居老人 (elderly living alone) applies from
AGED_AGE = 80  # 高龄老人


def age_on(birth: date, day: date) -> int:
    """Age in whole years on a day."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class TagHint:
    """A care tag the facts call for (offer) or contradict (stale), with the reason."""

    tag: str
    offer: bool  # True: the facts call for the tag and it is missing; False: it is stale
    zh: str
    en: str

    def text(self, lang: str) -> str:
        """The reason in `lang` ("en", else Chinese)."""
        return self.en if lang == "en" else self.zh


def tag_hints(
    birth: date | None, tags: list[str], today: date, *, lives_alone: bool | None
) -> list[TagHint]:
    """What the facts say about the tags that follow from them (DOMAIN.md): 高龄老人 from the
    birth date (80+), 独居老人 from the birth date (60+) and the household (`lives_alone`: the
    only present resident; None when unknown). Never a change: a screen offers or flags them."""
    hints: list[TagHint] = []
    age = age_on(birth, today) if birth is not None else None
    aged, alone = CareTag.AGED_80, CareTag.ELDERLY_ALONE
    if age is not None and age >= AGED_AGE and aged.value not in tags:
        hints.append(
            TagHint(
                aged.value,
                True,
                f"已满 {AGED_AGE} 周岁（{age} 岁）：可加“{aged.zh}”标签",
                f"Aged {age} (80 or over): add the tag {aged.en}?",
            )
        )
    elif age is not None and age < AGED_AGE and aged.value in tags:
        hints.append(
            TagHint(
                aged.value,
                False,
                f"“{aged.zh}”与出生日期不符：{age} 岁，未满 {AGED_AGE} 周岁",
                f"{aged.en} does not fit the birth date: aged {age}, under {AGED_AGE}",
            )
        )
    if alone.value in tags:
        if lives_alone is False:
            hints.append(
                TagHint(
                    alone.value,
                    False,
                    f"“{alone.zh}”与本户不符：户内还有其他在住人员",
                    f"{alone.en} does not fit the household: others live here",
                )
            )
        elif age is not None and age < ELDERLY_AGE:
            hints.append(
                TagHint(
                    alone.value,
                    False,
                    f"“{alone.zh}”与出生日期不符：{age} 岁，未满 {ELDERLY_AGE} 周岁",
                    f"{alone.en} does not fit the birth date: aged {age}, under {ELDERLY_AGE}",
                )
            )
    elif lives_alone and age is not None and age >= ELDERLY_AGE:
        hints.append(
            TagHint(
                alone.value,
                True,
                f"{age} 岁，独自居住：可加“{alone.zh}”标签",
                f"Aged {age} and the only one living here: add the tag {alone.en}?",
            )
        )
    return hints
