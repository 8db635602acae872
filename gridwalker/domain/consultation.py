"""Building consultations (意见征询): the owners' count the way the Civil Code counts it.

A consultation asks the owners of a building (or one 单元 of it) either for a **decision**
under Civil Code art. 278 — an ordinary matter (items 1–5, 9) or a major one (items 6–8: the
maintenance fund raised, the building or its facilities rebuilt or altered — an added
elevator —, common parts put to another use) — or for their opinion in a **survey** with the
options the community writes.

Head count (SPC interpretation on building differentiated ownership, art. 9): one room
(专有部分) counts as one owner, except that one owner holding several rooms counts once, and
the developer's unsold rooms count once. Areas are `Decimal` m²; every ratio is an exact
`Fraction`, so "exactly 2/3" is never lost to float rounding. 以上 includes the number itself
(art. 1259: ≥), 过半数 does not (>): exactly half fails.

Pure Python: the store hands in rooms and effective votes, and gets plain results back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from fractions import Fraction

from .choices import Choice

# Thresholds (Civil Code art. 278): participation ≥ 2/3 of area and heads; a major matter
# passes with ≥ 3/4 of the participating area and heads, an ordinary one with > 1/2.
PARTICIPATION = Fraction(2, 3)
MAJOR = Fraction(3, 4)
ORDINARY = Fraction(1, 2)
CENT = Decimal("0.01")
AREA_MAX = Decimal("100000")  # m² of one room: far above any flat, far below nonsense
MONEY_MAX = Decimal("1000000000")  # yuan: the dearest building works stay under a billion
DEVELOPER = "\x00developer"  # the owner key of the developer's unsold rooms (no name has it)


class ConsultKind(Choice):
    """What a consultation asks."""

    DECISION = ("decision", "表决", "Decision")
    SURVEY = ("survey", "意见调查", "Opinion survey")


class Matter(Choice):
    """The kind of matter a decision is on (Civil Code art. 278)."""

    MAJOR = ("major", "重大事项（第278条第6至8项）", "Major matter (art. 278 items 6–8)")
    ORDINARY = ("ordinary", "一般事项（第278条其他各项）", "Ordinary matter (art. 278 other items)")

    @property
    def threshold(self) -> Fraction:
        """The share of participating area and heads that must agree."""
        return MAJOR if self is Matter.MAJOR else ORDINARY

    @property
    def strict(self) -> bool:
        """Whether the share must be exceeded (过半数) rather than reached (以上)."""
        return self is Matter.ORDINARY


class ConsultStatus(Choice):
    """Whether a consultation still takes votes."""

    OPEN = ("open", "征询中", "Open")
    CLOSED = ("closed", "已结束", "Closed")


class VoteChoice(Choice):
    """An owner's answer to a decision."""

    AGREE = ("agree", "同意", "Agree")
    DISAGREE = ("disagree", "不同意", "Disagree")
    ABSTAIN = ("abstain", "弃权", "Abstain")


class VoteWay(Choice):
    """How an owner's vote was given."""

    SIGNED = ("signed", "在场签字", "Signed in person")
    PROXY = ("proxy", "委托", "By proxy")
    WRITTEN = ("written", "书面送达", "Written, delivered")


class ConsultError(ValueError):
    """A consultation input the rules refuse (the message says what, in zh and en)."""


def parse_area(text: str) -> Decimal:
    """An area in m² as written (85, 85.3, 85.30): positive, at most two decimals."""
    value = _decimal(text, "面积", "area")
    if value <= 0 or value > AREA_MAX or value != value.quantize(CENT):
        raise ConsultError(
            f"面积「{text}」应为大于 0、不超过 {AREA_MAX} 的平方米数，最多两位小数 / "
            f"area {text!r}: expected m² above 0 and at most {AREA_MAX}, two decimals at most"
        )
    return value.quantize(CENT)


def parse_money(text: str, zh: str, en: str) -> Decimal:
    """An amount in yuan (cost, subsidy): not negative, to the fen."""
    value = _decimal(text, zh, en)
    if value < 0 or value > MONEY_MAX or value != value.quantize(CENT):
        raise ConsultError(
            f"{zh}「{text}」应为 0 至 {MONEY_MAX} 元，最多两位小数 / "
            f"{en} {text!r}: expected 0 to {MONEY_MAX} yuan, two decimals at most"
        )
    return value.quantize(CENT)


def check_decimal_text(text: str, *, money: bool = False) -> str | None:
    """Why a stored area or amount (decimal text) is not one, or None when it is."""
    try:
        if money:
            parse_money(text, "金额", "amount")
        else:
            parse_area(text)
    except ConsultError as exc:
        return str(exc)
    return None


def parse_coefficient(text: str) -> Decimal:
    """A floor's cost coefficient (0 for the ground floor, e.g. 1.2 higher up): 0 to 100."""
    value = _decimal(text, "系数", "coefficient")
    if value < 0 or value > 100:
        raise ConsultError(
            f"系数「{text}」应在 0 至 100 之间 / coefficient {text!r}: expected 0 to 100"
        )
    return value


def _decimal(text: str, zh: str, en: str) -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", ""))
    except InvalidOperation:
        raise ConsultError(f"{zh}「{text}」不是数字 / {en} {text!r} is not a number") from None
    if not value.is_finite():
        raise ConsultError(f"{zh}「{text}」不是数字 / {en} {text!r} is not a number")
    return value


def owner_key(owner: str, *, unsold: bool = False) -> str:
    """Who a room's owner is for the head count: the name as written (spaces and the
    separators between co-owners folded), or the developer for every unsold room."""
    if unsold:
        return DEVELOPER
    names = [n for n in _split_owners(owner) if n]
    return "、".join(sorted(names))


def _split_owners(owner: str) -> list[str]:
    for sep in ("，", ",", "；", ";", "/", "／", "和"):
        owner = owner.replace(sep, "、")
    return ["".join(part.split()) for part in owner.split("、")]


@dataclass(frozen=True)
class Room:
    """One room of the owner register: its key, who owns it (`owner_key`) and its area."""

    key: str
    owner: str
    area: Decimal


@dataclass(frozen=True)
class Share:
    """Part and whole, heads and area, as exact fractions."""

    owners: int
    area: Decimal
    owners_ratio: Fraction | None
    area_ratio: Fraction | None
    met: bool | None


@dataclass(frozen=True)
class Missing:
    """What would still be needed to pass: more agreeing owners and more agreeing m²."""

    owners: int
    area: Decimal


@dataclass(frozen=True)
class OptionCount:
    """A survey option: the owners and the area that chose it, as shares of the participants."""

    option: str
    owners: int
    area: Decimal
    owners_ratio: Fraction | None
    area_ratio: Fraction | None


@dataclass(frozen=True)
class Tally:
    """The count of a consultation (decision or survey)."""

    kind: ConsultKind
    matter: Matter | None
    rooms: int
    owners: int
    area_total: Decimal
    participation: Share
    agree: Share | None
    passed: bool | None
    missing: Missing | None
    options: list[OptionCount] = field(default_factory=list)
    not_asked: list[str] = field(default_factory=list)


def ratio(part: Decimal | int, whole: Decimal | int) -> Fraction | None:
    """part / whole exactly (None when there is no whole)."""
    if not whole:
        return None
    return Fraction(part) / Fraction(whole)


def reaches(value: Fraction | None, threshold: Fraction, *, strict: bool = False) -> bool:
    """Whether a share reaches (以上, ≥) or exceeds (过半数, >) a threshold."""
    if value is None:
        return False
    return value > threshold if strict else value >= threshold


def fraction_text(value: Fraction | None) -> str | None:
    """A ratio as "num/den" (the CLI's JSON), None when there is none."""
    return None if value is None else f"{value.numerator}/{value.denominator}"


def area_text(value: Decimal) -> str:
    """An area as a decimal string to the hundredth of a m²."""
    return str(value.quantize(CENT))


def tally(
    kind: ConsultKind,
    matter: Matter | None,
    rooms: Sequence[Room],
    votes: dict[str, str],
    options: Sequence[str] = (),
) -> Tally:
    """Count a consultation: `votes` maps a room key to its effective choice (the owner's
    latest vote for that room: a `VoteChoice` code for a decision, an option for a survey).

    An owner of several rooms counts once: they took part when any of their rooms voted, and
    their head goes with the latest vote among their rooms in `votes`' order (the caller
    passes votes oldest first). Area always goes with each room's own vote.
    """
    keys = {room.key for room in rooms}
    unknown = set(votes) - keys
    if unknown:
        raise ConsultError(
            f"表决的房间不在业主名册中：{'、'.join(sorted(unknown))} / "
            f"votes for rooms not in the owner register: {', '.join(sorted(unknown))}"
        )
    owner_of = {room.key: room.owner for room in rooms}
    area_of = {room.key: room.area for room in rooms}
    owners = {room.owner for room in rooms}
    area_total = sum((room.area for room in rooms), Decimal(0))
    head_choice: dict[str, str] = {}
    for key, choice in votes.items():  # oldest first: the owner's last word stands
        head_choice.pop(owner_of[key], None)
        head_choice[owner_of[key]] = choice
    voted_area = sum((area_of[k] for k in votes), Decimal(0))
    participation_ratios = (ratio(len(head_choice), len(owners)), ratio(voted_area, area_total))
    not_asked = [room.key for room in rooms if room.key not in votes]
    if kind is ConsultKind.SURVEY:
        counts = []
        for option in options:
            heads = sum(1 for c in head_choice.values() if c == option)
            area = sum((area_of[k] for k, c in votes.items() if c == option), Decimal(0))
            counts.append(
                OptionCount(
                    option, heads, area, ratio(heads, len(head_choice)), ratio(area, voted_area)
                )
            )
        return Tally(
            kind,
            None,
            len(rooms),
            len(owners),
            area_total,
            Share(len(head_choice), voted_area, *participation_ratios, None),
            None,
            None,
            None,
            counts,
            not_asked,
        )
    if matter is None:
        raise ConsultError("表决须注明事项类别 / a decision needs its matter (major or ordinary)")
    took_part = all(reaches(r, PARTICIPATION) for r in participation_ratios)
    agree_heads = sum(1 for c in head_choice.values() if c == VoteChoice.AGREE.value)
    agree_area = sum(
        (area_of[k] for k, c in votes.items() if c == VoteChoice.AGREE.value), Decimal(0)
    )
    agree_ratios = (ratio(agree_heads, len(head_choice)), ratio(agree_area, voted_area))
    agreed = all(reaches(r, matter.threshold, strict=matter.strict) for r in agree_ratios)
    passed = took_part and agreed
    missing = Missing(
        _more_heads(len(owners), len(head_choice), agree_heads, matter),
        _more_area(area_total, voted_area, agree_area, matter),
    )
    return Tally(
        kind,
        matter,
        len(rooms),
        len(owners),
        area_total,
        Share(len(head_choice), voted_area, *participation_ratios, took_part),
        Share(agree_heads, agree_area, *agree_ratios, agreed),
        passed,
        Missing(0, Decimal("0.00")) if passed else missing,
        [],
        not_asked,
    )


def _needed(total: Fraction, took: Fraction, agreed: Fraction, matter: Matter) -> Fraction:
    """How much more must agree (from those who have not voted yet) for participation and
    agreement both to reach their thresholds: the bound, exactly (strictness aside).

    Participation: took + x ≥ 2/3 · total. Agreement: (agreed + x) / (took + x) ≥ t, i.e.
    x ≥ (t · took − agreed) / (1 − t).
    """
    t = matter.threshold
    return max(PARTICIPATION * total - took, (t * took - agreed) / (1 - t), Fraction(0))


def _would_pass(
    total: Fraction, took: Fraction, agreed: Fraction, more: Fraction, matter: Matter
) -> bool:
    """Whether `more` agreeing (heads or m²) on top of the count so far would pass."""
    return reaches(ratio_f(took + more, total), PARTICIPATION) and reaches(
        ratio_f(agreed + more, took + more), matter.threshold, strict=matter.strict
    )


def ratio_f(part: Fraction, whole: Fraction) -> Fraction | None:
    """part / whole of fractions (None when there is no whole)."""
    return part / whole if whole else None


def _more_heads(total: int, took: int, agreed: int, matter: Matter) -> int:
    """The fewest more owners who, agreeing, would make the decision pass."""
    if total == 0:
        return 0
    args = (Fraction(total), Fraction(took), Fraction(agreed))
    heads = math.ceil(_needed(*args, matter))
    while not _would_pass(*args, Fraction(heads), matter):  # 过半数: one more than the bound
        heads += 1
    return heads


def _more_area(total: Decimal, took: Decimal, agreed: Decimal, matter: Matter) -> Decimal:
    """The least more agreeing area (m², rounded up to the hundredth) that would pass."""
    if total == 0:
        return Decimal("0.00")
    args = (Fraction(total), Fraction(took), Fraction(agreed))
    area = _up_to_cent(_needed(*args, matter))
    while not _would_pass(*args, Fraction(area), matter):
        area += CENT
    return area


def _up_to_cent(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(CENT, rounding=ROUND_CEILING)


# -- elevator cost sharing -------------------------------------------------------------------


@dataclass(frozen=True)
class CostRoom:
    """A room as cost sharing sees it: key, floor and area."""

    key: str
    floor: int | None
    area: Decimal


def cost_shares(
    cost: Decimal,
    subsidy: Decimal,
    coefficients: dict[int, Decimal],
    rooms: Iterable[CostRoom],
) -> dict[str, Decimal]:
    """Each room's share of (cost − subsidy): by coefficient of its floor × area, to the fen.

    share = (cost − subsidy) × coef × area / Σ(coef × area), rounded down to the fen, and the
    fen left over go one each to the largest remainders (ties to the room listed first), so
    the shares sum exactly to the total. A floor without a coefficient is a ConsultError.
    """
    rooms = list(rooms)
    net = cost - subsidy
    if net < 0:
        raise ConsultError(
            f"补贴（{subsidy}）超过总造价（{cost}）/ the subsidy ({subsidy}) exceeds the cost ({cost})"
        )
    weights: dict[str, Fraction] = {}
    for room in rooms:
        if room.floor is None or room.floor not in coefficients:
            floor = "?" if room.floor is None else room.floor
            raise ConsultError(
                f"{room.key}：第 {floor} 层没有分摊系数 / {room.key}: floor {floor} has no "
                "cost coefficient"
            )
        weights[room.key] = Fraction(coefficients[room.floor]) * Fraction(room.area)
    whole = sum(weights.values(), Fraction(0))
    if not rooms:
        return {}
    if whole == 0:
        raise ConsultError(
            "所有房间的系数×面积之和为 0，无法分摊 / every room's coefficient × area is 0: "
            "nothing to share the cost by"
        )
    fen_total = int((net / CENT).to_integral_value(rounding=ROUND_FLOOR))
    exact = {key: Fraction(fen_total) * w / whole for key, w in weights.items()}
    fen = {key: math.floor(value) for key, value in exact.items()}
    left = fen_total - sum(fen.values())
    order = sorted(exact, key=lambda k: -(exact[k] - fen[k]))  # stable: ties keep room order
    for key in order[:left]:
        fen[key] += 1
    return {key: (Decimal(n) * CENT).quantize(CENT) for key, n in fen.items()}
