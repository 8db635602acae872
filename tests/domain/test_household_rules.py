"""Household rules: one 本人 per household, moving out (day and where to), and the care tags
that follow from facts (高龄老人 from the birth date, 独居老人 from the household)."""

from __future__ import annotations

from datetime import date

import pytest

from gridwalker.domain.fields import NOTE_MAX
from gridwalker.domain.forms import age_on, check_move_out, second_head, tag_hints

TODAY = date(2026, 11, 20)


def test_one_head_per_household() -> None:
    assert second_head("self", []) is None  # the first head
    assert second_head("spouse", ["王建国"]) is None  # not a head
    bad = second_head("self", ["王建国"])
    assert bad is not None and bad.code == "resident.second_head"
    assert "本户已有本人（户主）：王建国" in bad.zh
    assert "already has its head (self): 王建国" in bad.en


def test_move_out_day_defaults_are_checked() -> None:
    born = date(1950, 3, 15)
    assert check_move_out("2026-11-20", "", born, TODAY) == {}
    assert check_move_out("2026-01-02", "武昌区 积玉桥", born, TODAY) == {}
    assert check_move_out("1950-03-15", "", born, TODAY) == {}  # the birth day itself
    assert check_move_out("2026-11-20", "", None, TODAY) == {}  # no birth date known


@pytest.mark.parametrize(
    ("day", "code", "zh"),
    [
        ("", "resident.moved_out_on", "请填写迁出日期"),
        ("2026-02-30", "resident.moved_out_on_format", "无法识别"),
        ("next week", "resident.moved_out_on_format", "无法识别"),
        ("2026-11-21", "resident.moved_out_future", "迁出日期晚于今天"),
        ("1950-03-14", "resident.moved_out_before_birth", "早于出生日期 1950-03-15"),
    ],
)
def test_a_bad_move_out_day_has_its_reason(day: str, code: str, zh: str) -> None:
    problems = check_move_out(day, "", date(1950, 3, 15), TODAY)
    assert set(problems) == {"moved_out_on"}
    assert problems["moved_out_on"].code == code and zh in problems["moved_out_on"].zh
    assert problems["moved_out_on"].en


def test_where_to_follows_the_note_rules() -> None:
    assert check_move_out("2026-11-20", "x" * NOTE_MAX, None, TODAY) == {}
    too_long = check_move_out("2026-11-20", "x" * (NOTE_MAX + 1), None, TODAY)
    assert set(too_long) == {"moved_to"}
    assert too_long["moved_to"].zh.startswith("迁往：超过 5000 字")
    hidden = check_move_out("2026-11-20", "武昌\u202e区", None, TODAY)
    assert set(hidden) == {"moved_to"} and "U+202E" in hidden["moved_to"].en


def test_age_in_whole_years() -> None:
    assert age_on(date(1946, 11, 20), TODAY) == 80
    assert age_on(date(1946, 11, 21), TODAY) == 79


def hints(birth: date | None, tags: list[str], alone: bool | None) -> set[tuple[str, bool]]:
    return {(h.tag, h.offer) for h in tag_hints(birth, tags, TODAY, lives_alone=alone)}


def test_aged_80_is_offered_from_the_80th_birthday_and_flagged_below() -> None:
    assert hints(date(1946, 11, 20), [], False) == {("aged_80", True)}
    assert hints(date(1946, 11, 21), [], False) == set()
    assert hints(date(1946, 11, 20), ["aged_80"], False) == set()
    assert hints(date(1946, 11, 21), ["aged_80"], False) == {("aged_80", False)}
    stale = tag_hints(date(1950, 1, 1), ["aged_80"], TODAY, lives_alone=None)[0]
    assert "“高龄老人”与出生日期不符：76 岁" in stale.zh and "aged 76" in stale.en
    assert hints(None, ["aged_80"], None) == set()  # nothing known: nothing said


def test_elderly_alone_follows_the_household() -> None:
    sixty = date(1966, 11, 20)
    assert hints(sixty, [], True) == {("elderly_alone", True)}
    assert hints(date(1966, 11, 21), [], True) == set()  # 59
    assert hints(sixty, [], False) == set()
    assert hints(sixty, ["elderly_alone"], True) == set()
    assert hints(sixty, ["elderly_alone"], False) == {("elderly_alone", False)}
    assert hints(date(1990, 1, 1), ["elderly_alone"], True) == {("elderly_alone", False)}
    both = hints(date(1940, 1, 1), [], True)
    assert both == {("aged_80", True), ("elderly_alone", True)}
    flag = tag_hints(sixty, ["elderly_alone"], TODAY, lives_alone=False)[0]
    assert "户内还有其他在住人员" in flag.text("zh") and "others live here" in flag.text("en")
