"""What each stored field may hold: its value list, its longest text, its range, its JSON shape.

One set of rules for every way a row comes in (a form, the roster import, the hub's intake of
a laptop bundle, a laptop's import of a hub bundle): `check_field` says why a value does not
fit, as an `Invalid` with a zh and an en message. The storage layer knows the columns' types;
this module knows what the domain allows in them.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .choices import (
    BuildingKind,
    CareTag,
    Choice,
    Industry,
    IssueCategory,
    IssueStatus,
    Occupancy,
    OperatingStatus,
    Ownership,
    PartyOrgKind,
    PartyOrgStatus,
    Relation,
    ReporterKind,
    ResidenceType,
    Role,
    Scale,
    Sex,
    Urgency,
    VisitOutcome,
)
from .consultation import (
    ConsultKind,
    ConsultStatus,
    Matter,
    VoteWay,
    check_decimal_text,
    parse_coefficient,
)
from .validators import Invalid
from .workflow import IssueAction

# Longest texts (characters): generous for real use, far below what could hurt a screen.
NAME_MAX = 200  # a person's, a place's or an enterprise's name
TEXT_MAX = 500  # any other short text: a room, an address, a contact, a phone, an ID number
NOTE_MAX = 5000  # notes, concerns and descriptions
UUID_MAX = 36
# Integers: counts, floors, years (SQLite and every client read them as 32-bit safely).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
# Dates: none before the earliest birth an ID number may carry, none in another century.
DATE_MIN, DATE_MAX = date(1890, 1, 1), date(2199, 12, 31)
# JSON lists and objects: at most this many items; a visit's roster change is a flat object
# of at most CHANGE_KEYS_MAX texts (nothing nested: no depth for a reader to trip over).
ITEMS_MAX = 500
CHANGE_KEYS_MAX = 10
KEY_MAX = 40
# Characters no stored text holds: C0 controls (a note keeps its tabs and line breaks), DEL, C1
# controls (ESC sequences start here), bidi overrides and isolates (they reorder what a terminal
# or a log shows), and the Unicode line and paragraph separators outside notes.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)))
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_FORBIDDEN_IN_TEXT = re.compile("[" + re.escape(_CONTROLS + _BIDI + "\u2028\u2029") + "]")
_FORBIDDEN_IN_NOTE = re.compile(
    "[" + re.escape(_CONTROLS.replace("\t", "").replace("\n", "").replace("\r", "") + _BIDI) + "]"
)

CHOICES: dict[str, dict[str, type[Choice]]] = {
    "member": {"role": Role},
    "building": {"kind": BuildingKind},
    "household": {"occupancy": Occupancy},
    "resident": {"sex": Sex, "relation": Relation, "residence_type": ResidenceType},
    "visit": {"outcome": VisitOutcome},
    "enterprise": {
        "industry": Industry,
        "ownership": Ownership,
        "operating_status": OperatingStatus,
    },
    "census_record": {
        "industry": Industry,
        "ownership": Ownership,
        "scale": Scale,
        "operating_status": OperatingStatus,
        "party_org_status": PartyOrgStatus,
        "party_org_kind": PartyOrgKind,
    },
    "issue": {
        "reporter_kind": ReporterKind,
        "category": IssueCategory,
        "urgency": Urgency,
        "status": IssueStatus,
        "held_from": IssueStatus,
    },
    "issue_event": {"action": IssueAction, "from_status": IssueStatus, "to_status": IssueStatus},
    "consultation": {"kind": ConsultKind, "matter": Matter, "status": ConsultStatus},
    "consult_vote": {"way": VoteWay},
}
# Decimal text (exact areas in m² and amounts in yuan): field → whether it is money.
DECIMALS = {
    ("consult_room", "area"): False,
    ("consultation", "cost"): True,
    ("consultation", "subsidy"): True,
}
OPTION_MAX = 200  # a survey option's text
OPTIONS_MAX = 20  # options of one survey
FLOORS_MAX = 200  # floors with a cost coefficient
# A closed consultation's counted votes (ids): every vote of a building, its history included.
COUNTED_MAX = 20_000

_NOTES = {
    ("visit", "concerns"),
    ("issue", "description"),
    ("issue_event", "note"),
    ("review_decision", "comment"),  # a supervisor's comment on a returned record
    ("resident", "moved_to"),  # where a resident moved to (free text)
}
_UUIDS = {"uuid", "actor"}  # fields holding a uuid besides the *_uuid ones


def text_max(entity: str, name: str) -> int:
    """The longest text a field may hold."""
    if (entity, name) in _NOTES:
        return NOTE_MAX
    if name.endswith("_uuid") or name in _UUIDS:
        return UUID_MAX
    if name == "name" or name.endswith("_name"):
        return NAME_MAX
    return TEXT_MAX


def codes(entity: str, name: str) -> frozenset[str] | None:
    """The codes a field's value list allows, or None when it has no value list."""
    cls = CHOICES.get(entity, {}).get(name)
    return None if cls is None else frozenset(member.value for member in cls)


def _invalid(entity: str, name: str, zh: str, en: str) -> Invalid:
    return Invalid(f"{entity}.{name}", f"{name}：{zh}", f"{name}: {en}")


def forbidden_characters(entity: str, name: str) -> re.Pattern[str]:
    """What a field's text must not contain (a note keeps tabs and line breaks)."""
    return _FORBIDDEN_IN_NOTE if (entity, name) in _NOTES else _FORBIDDEN_IN_TEXT


def check_text(entity: str, name: str, value: str) -> Invalid | None:
    """A text within its field's longest length and value list."""
    allowed = codes(entity, name)
    if allowed is not None:
        if value not in allowed:
            shown = value if len(value) <= 40 else value[:40] + "…"
            return _invalid(
                entity,
                name,
                f"未知的取值「{shown}」",
                f"unknown code {shown!r} (allowed: {', '.join(sorted(allowed))})",
            )
        return None
    if (entity, name) in DECIMALS:
        why = check_decimal_text(value, money=DECIMALS[entity, name])
        if why is not None:
            return Invalid(f"{entity}.{name}", f"{name}：{why}", f"{name}: {why}")
        return None
    limit = text_max(entity, name)
    bad = forbidden_characters(entity, name).search(value)
    if bad is not None:
        code = f"U+{ord(bad.group()):04X}"
        return _invalid(
            entity,
            name,
            f"含有不可见的控制字符（{code}，第 {bad.start() + 1} 个字符）",
            f"holds an invisible control character ({code} at character {bad.start() + 1})",
        )
    if len(value) > limit:
        return _invalid(
            entity,
            name,
            f"超过 {limit} 字（{len(value):,} 字）",
            f"longer than {limit} characters ({len(value):,})",
        )
    return None


def check_int(entity: str, name: str, value: int) -> Invalid | None:
    """An integer within the range every client can hold."""
    if not INT_MIN <= value <= INT_MAX:
        return _invalid(entity, name, "数值超出范围", f"out of range ({INT_MIN:,} to {INT_MAX:,})")
    return None


def check_date(entity: str, name: str, value: date) -> Invalid | None:
    """A date within the years the domain knows."""
    if not DATE_MIN <= value <= DATE_MAX:
        return _invalid(
            entity,
            name,
            f"日期 {value} 不在 {DATE_MIN} 至 {DATE_MAX} 之间",
            f"date {value} is not between {DATE_MIN} and {DATE_MAX}",
        )
    return None


_CARE_TAG_CODES = frozenset(member.value for member in CareTag)


def check_json(entity: str, name: str, value: list[Any] | dict[str, Any]) -> Invalid | None:
    """A JSON list or object of the field's shape (care tags, uuids, notes by uuid)."""
    if (entity, name) == ("consultation", "counted"):
        if (
            type(value) is not list
            or len(value) > COUNTED_MAX
            or not all(_short(v, UUID_MAX) for v in value)
            or len(set(value)) != len(value)
        ):
            return _invalid(
                entity,
                name,
                f"应为最多 {COUNTED_MAX} 个互不相同的意见编号的列表",
                f"expected a list of at most {COUNTED_MAX} different vote uuids",
            )
        return None
    if (entity, name) == ("consultation", "counted_rooms"):
        if (
            type(value) is not dict
            or len(value) > COUNTED_MAX
            or not all(_counted_room(k, v) for k, v in value.items())
        ):
            return _invalid(
                entity,
                name,
                f"应为最多 {COUNTED_MAX} 个房间编号到业主和面积（平方米数文字）的对象",
                f"expected an object of at most {COUNTED_MAX} room uuids to an owner and an "
                "area (decimal text)",
            )
        return None
    if len(value) > ITEMS_MAX:
        return _invalid(entity, name, f"超过 {ITEMS_MAX} 项", f"more than {ITEMS_MAX} items")
    if (entity, name) == ("resident", "care_tags"):
        allowed = _CARE_TAG_CODES
        if type(value) is not list or not all(type(t) is str and t in allowed for t in value):
            return _invalid(
                entity,
                name,
                "关爱标签应为已知标签代码的列表",
                f"expected a list of care tag codes ({', '.join(sorted(allowed))})",
            )
    elif (entity, name) == ("visit", "residents_seen"):
        if type(value) is not list or not all(_short(u, UUID_MAX) for u in value):
            return _invalid(entity, name, "应为人员编号列表", "expected a list of resident uuids")
    elif (entity, name) == ("visit", "care_checks"):
        if type(value) is not dict or not all(
            _short(k, UUID_MAX)
            and type(v) is str
            and len(v) <= NOTE_MAX
            and not _FORBIDDEN_IN_NOTE.search(v)
            for k, v in value.items()
        ):
            return _invalid(
                entity,
                name,
                f"应为人员编号到说明（不超过 {NOTE_MAX} 字）的对象",
                f"expected an object of resident uuid to a note of at most {NOTE_MAX} characters",
            )
    elif (entity, name) == ("consultation", "options"):
        if (
            type(value) is not list
            or len(value) > OPTIONS_MAX
            or not all(_short(v, OPTION_MAX) and v.strip() for v in value)
            or len(set(value)) != len(value)
        ):
            return _invalid(
                entity,
                name,
                f"应为最多 {OPTIONS_MAX} 个互不相同的选项（每项不超过 {OPTION_MAX} 字）",
                f"expected at most {OPTIONS_MAX} different options "
                f"(at most {OPTION_MAX} characters each)",
            )
    elif (entity, name) == ("consultation", "coefficients"):
        if (
            type(value) is not dict
            or len(value) > FLOORS_MAX
            or not all(_floor_coefficient(k, v) for k, v in value.items())
        ):
            return _invalid(
                entity,
                name,
                "应为楼层到分摊系数（0 至 100 的数字文字）的对象",
                "expected an object of floor number to a cost coefficient (decimal text, 0 to 100)",
            )
    elif (entity, name) == ("visit", "roster_changes"):
        if type(value) is not list or not all(_roster_change(item) for item in value):
            return _invalid(
                entity,
                name,
                f"应为对象列表，每个对象最多 {CHANGE_KEYS_MAX} 项，值为不超过 {TEXT_MAX} 字的文字",
                f"expected a list of objects of at most {CHANGE_KEYS_MAX} text values "
                f"(at most {TEXT_MAX} characters each)",
            )
    return None


def _short(value: Any, limit: int) -> bool:
    """A text of at most `limit` characters without control characters (a uuid, a name)."""
    return type(value) is str and len(value) <= limit and not _FORBIDDEN_IN_TEXT.search(value)


def _counted_room(uuid: Any, room: Any) -> bool:
    """One room of a closed consultation's counted register: {"owner": …, "area": "85.30"}."""
    return (
        _short(uuid, UUID_MAX)
        and type(room) is dict
        and set(room) == {"owner", "area"}
        and _short(room["owner"], TEXT_MAX)
        and type(room["area"]) is str
        and len(room["area"]) <= 16
        and check_decimal_text(room["area"]) is None
    )


def _floor_coefficient(floor: Any, coefficient: Any) -> bool:
    """One floor's cost coefficient: {"3": "0.8"} (a floor from -9 to 999)."""
    if type(floor) is not str or not re.fullmatch(r"-?[0-9]{1,3}", floor):
        return False
    if type(coefficient) is not str or len(coefficient) > 12:
        return False
    try:
        parse_coefficient(coefficient)
    except ValueError:
        return False
    return True


def _roster_change(item: Any) -> bool:
    """One roster change of a visit: a flat object of short texts ({op, resident, name})."""
    return (
        type(item) is dict
        and len(item) <= CHANGE_KEYS_MAX
        and all(_short(k, KEY_MAX) and _short(v, TEXT_MAX) for k, v in item.items())
    )


def check_value(entity: str, name: str, value: Any) -> Invalid | None:
    """Any stored value of a field against its rules (None and booleans have none)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return check_text(entity, name, value)
    if isinstance(value, int):
        return check_int(entity, name, value)
    if isinstance(value, date):  # a datetime is a date too
        return check_date(entity, name, value if type(value) is date else value.date())
    if isinstance(value, list | dict):
        return check_json(entity, name, value)
    return None
