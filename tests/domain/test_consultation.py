"""The consultation count at its legal boundaries (Civil Code art. 278, SPC interpretation art. 9).

The boundary table (each row a test below):

| case                               | heads took part | area took part | agree heads | agree area | result |
|------------------------------------|-----------------|----------------|-------------|------------|--------|
| exactly 2/3 took part, all agree   | 2/3             | 2/3            | 1           | 1          | passes |
| a hundredth of a m² under 2/3      | 2/3             | < 2/3          | 1           | 1          | fails  |
| major, exactly 3/4 agree           | 1               | 1              | 3/4         | 3/4        | passes |
| major, 3/4 heads, area just under  | 1               | 1              | 3/4         | < 3/4      | fails  |
| ordinary, exactly half agree       | 1               | 1              | 1/2         | 1/2        | fails  |
| ordinary, one more than half       | 1               | 1              | 3/5         | 3/5        | passes |
| one owner with three rooms         | counts once                                               |
| an unsold block (developer)        | counts once                                               |
"""

from decimal import Decimal
from fractions import Fraction

import pytest

from gridwalker.domain.consultation import (
    ConsultError,
    ConsultKind,
    CostRoom,
    Matter,
    Room,
    VoteChoice,
    VoteWay,
    cost_shares,
    fraction_text,
    owner_key,
    parse_area,
    parse_money,
    tally,
)

D = ConsultKind.DECISION
AGREE, NO, ABSTAIN = VoteChoice.AGREE.value, VoteChoice.DISAGREE.value, VoteChoice.ABSTAIN.value


def rooms(*areas: str, owners: list[str] | None = None) -> list[Room]:
    names = owners or [f"业主{i}" for i in range(len(areas))]
    return [Room(f"r{i}", owner_key(names[i]), Decimal(a)) for i, a in enumerate(areas)]


def test_exactly_two_thirds_takes_part() -> None:
    t = tally(D, Matter.MAJOR, rooms("100", "100", "100"), {"r0": AGREE, "r1": AGREE})
    assert t.participation.owners_ratio == Fraction(2, 3)
    assert t.participation.area_ratio == Fraction(2, 3)
    assert t.participation.met and t.agree.met and t.passed
    assert (t.missing.owners, t.missing.area) == (0, Decimal("0.00"))


def test_a_hundredth_under_two_thirds_of_the_area_does_not_take_part() -> None:
    # 2 of 3 heads, but 199.99 of 300.00 m² (two thirds would be 200.00)
    t = tally(D, Matter.MAJOR, rooms("99.99", "100", "100.01"), {"r0": AGREE, "r1": AGREE})
    assert t.participation.owners_ratio == Fraction(2, 3)
    assert t.participation.area_ratio < Fraction(2, 3)
    assert not t.participation.met and not t.passed
    # each measure on its own: the heads are enough, the area lacks a hundredth of a m²
    assert t.missing.owners == 0
    assert t.missing.area == Decimal("0.01")


def test_major_passes_at_exactly_three_quarters() -> None:
    votes = {"r0": AGREE, "r1": AGREE, "r2": AGREE, "r3": NO}
    t = tally(D, Matter.MAJOR, rooms("80", "80", "80", "80"), votes)
    assert t.agree.owners_ratio == Fraction(3, 4) == t.agree.area_ratio
    assert t.passed


def test_major_fails_when_the_area_is_just_under_three_quarters() -> None:
    votes = {"r0": AGREE, "r1": AGREE, "r2": AGREE, "r3": NO}
    t = tally(D, Matter.MAJOR, rooms("80", "80", "79.99", "80.01"), votes)
    assert t.agree.owners_ratio == Fraction(3, 4)
    assert t.agree.area_ratio < Fraction(3, 4)
    assert not t.agree.met and not t.passed
    assert t.missing.owners == 0
    assert t.missing.area == Decimal("0.04")  # (3/4·320 − 239.99) / (1/4) = 0.04


def test_ordinary_fails_at_exactly_half() -> None:
    votes = {"r0": AGREE, "r1": AGREE, "r2": NO, "r3": ABSTAIN}
    t = tally(D, Matter.ORDINARY, rooms("50", "50", "50", "50"), votes)
    assert t.agree.owners_ratio == Fraction(1, 2) == t.agree.area_ratio
    assert not t.agree.met and not t.passed


def test_ordinary_passes_with_more_than_half() -> None:
    votes = {"r0": AGREE, "r1": AGREE, "r2": AGREE, "r3": NO, "r4": ABSTAIN}
    t = tally(D, Matter.ORDINARY, rooms("50", "50", "50", "50", "50"), votes)
    assert t.agree.owners_ratio == Fraction(3, 5)
    assert t.passed


def test_abstaining_takes_part_but_does_not_agree() -> None:
    t = tally(D, Matter.MAJOR, rooms("60", "60", "60"), {"r0": ABSTAIN, "r1": AGREE})
    assert t.participation.met
    assert t.agree.owners_ratio == Fraction(1, 2)


def test_one_owner_with_three_rooms_counts_once() -> None:
    owners = ["张三", "张 三", "张三", "李四", "王五"]
    rs = rooms("70", "70", "70", "90", "90", owners=owners)
    t = tally(D, Matter.MAJOR, rs, {"r0": AGREE, "r3": AGREE})
    assert (t.rooms, t.owners) == (5, 3)
    assert t.participation.owners == 2
    assert t.participation.owners_ratio == Fraction(2, 3)  # heads: 张三 and 李四 of three
    assert t.participation.area == Decimal("160")  # area: only the rooms that voted
    assert not t.participation.met  # 160 of 390 m²


def test_an_owner_of_several_rooms_is_counted_by_their_latest_vote() -> None:
    rs = rooms("70", "70", "90", owners=["张三", "张三", "李四"])
    t = tally(D, Matter.MAJOR, rs, {"r0": NO, "r1": AGREE, "r2": AGREE})  # oldest first
    assert t.agree.owners == 2 and t.agree.area == Decimal("160")


def test_an_unsold_block_counts_once() -> None:
    rs = [Room(f"u{i}", owner_key("开发商", unsold=True), Decimal("100")) for i in range(6)]
    rs += [
        Room("a", owner_key("赵六"), Decimal("100")),
        Room("b", owner_key("钱七"), Decimal("100")),
    ]
    t = tally(D, Matter.MAJOR, rs, {"a": AGREE, "b": AGREE})
    assert (t.rooms, t.owners) == (8, 3)
    assert t.participation.owners_ratio == Fraction(2, 3)
    assert t.participation.area_ratio == Fraction(1, 4)
    assert not t.passed
    assert t.missing.area == Decimal("333.34")  # 2/3 · 800 − 200 = 333.33…, rounded up


def test_missing_counts_heads_and_area_to_pass() -> None:
    t = tally(D, Matter.MAJOR, rooms(*["100"] * 9), {f"r{i}": AGREE for i in range(5)})
    assert (t.missing.owners, t.missing.area) == (1, Decimal("100.00"))
    assert t.not_asked == ["r5", "r6", "r7", "r8"]


def test_missing_for_a_strict_majority_is_one_more_than_half() -> None:
    votes = {"r0": AGREE, "r1": NO, "r2": AGREE, "r3": NO}
    t = tally(D, Matter.ORDINARY, rooms("50", "50", "50", "50", "50", "50"), votes)
    assert not t.passed
    assert t.missing.owners == 1  # 3 of 5: more than half
    assert t.missing.area == Decimal("0.01")  # any area above the half


def test_nobody_voted_yet() -> None:
    t = tally(D, Matter.ORDINARY, rooms("50", "50", "50"), {})
    assert t.participation.owners_ratio == Fraction(0)
    assert t.agree.owners_ratio is None and not t.passed
    assert t.missing.owners == 2 and t.missing.area == Decimal("100.00")


def test_a_vote_for_a_room_not_in_the_register_is_refused() -> None:
    with pytest.raises(ConsultError, match="r9"):
        tally(D, Matter.MAJOR, rooms("50"), {"r9": AGREE})


def test_a_survey_gives_shares_of_the_participants() -> None:
    votes = {"r0": "A", "r1": "B", "r2": "A"}
    t = tally(ConsultKind.SURVEY, None, rooms("60", "60", "80", "100"), votes, ["A", "B", "C"])
    assert t.passed is None and t.agree is None and t.missing is None
    a, b, c = t.options
    assert (a.owners, a.area, a.owners_ratio, a.area_ratio) == (
        2,
        Decimal(140),
        Fraction(2, 3),
        Fraction(140, 200),
    )
    assert (b.owners, c.owners, c.owners_ratio) == (1, 0, Fraction(0))


def test_ratios_as_text() -> None:
    assert fraction_text(Fraction(2, 3)) == "2/3"
    assert fraction_text(Fraction(0)) == "0/1"
    assert fraction_text(None) is None


@pytest.mark.parametrize("text", ["0", "-3", "85.333", "abc", "NaN", "Infinity", "1e9"])
def test_bad_areas_are_refused(text: str) -> None:
    with pytest.raises(ConsultError):
        parse_area(text)


def test_areas_keep_their_hundredths() -> None:
    assert parse_area("85.3") == Decimal("85.30")
    assert str(parse_area(" 1,085 ")) == "1085.00"
    with pytest.raises(ConsultError):
        parse_money("-1", "总造价", "cost")


def test_labels_in_both_languages() -> None:
    assert VoteChoice.parse("同意") is VoteChoice.AGREE
    assert VoteWay.parse("委托").label("en") == "By proxy"
    assert Matter.parse("major").threshold == Fraction(3, 4)


def test_cost_shares_sum_to_the_total_to_the_fen() -> None:
    coefs = {1: Decimal("0"), 2: Decimal("0.6"), 3: Decimal("0.8"), 4: Decimal("1"),
             5: Decimal("1.1"), 6: Decimal("1.2"), 7: Decimal("1.3")}  # fmt: skip
    cost_rooms = [
        CostRoom(f"{floor}0{n}", floor, Decimal(area))
        for floor in range(1, 8)
        for n, area in ((1, "71.37"), (2, "58.9"), (3, "64.05"))
    ]
    shares = cost_shares(Decimal("630000.00"), Decimal("250000.00"), coefs, cost_rooms)
    assert sum(shares.values()) == Decimal("380000.00")
    assert all(shares[f"10{n}"] == 0 for n in (1, 2, 3))  # the ground floor pays nothing
    assert all(share == share.quantize(Decimal("0.01")) for share in shares.values())
    # each share is within a fen of the exact one
    weights = {r.key: coefs[r.floor] * r.area for r in cost_rooms}
    whole = sum(weights.values())
    for key, share in shares.items():
        assert abs(share - Decimal(380000) * weights[key] / whole) < Decimal("0.01")


def test_cost_shares_break_ties_by_order_and_still_sum() -> None:
    rs = [CostRoom(k, 2, Decimal("50")) for k in ("a", "b", "c")]
    shares = cost_shares(Decimal("100.00"), Decimal("0"), {2: Decimal(1)}, rs)
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}


def test_cost_shares_refuse_what_cannot_be_shared() -> None:
    rs = [CostRoom("a", 1, Decimal("50"))]
    with pytest.raises(ConsultError, match="subsidy"):
        cost_shares(Decimal("10"), Decimal("20"), {1: Decimal(1)}, rs)
    with pytest.raises(ConsultError, match="floor 1"):
        cost_shares(Decimal("10"), Decimal("0"), {2: Decimal(1)}, rs)
    with pytest.raises(ConsultError, match="is 0"):
        cost_shares(Decimal("10"), Decimal("0"), {1: Decimal(0)}, rs)
