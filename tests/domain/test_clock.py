"""Tests for the clock, the cycle helpers and the UI language."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest

from gridwalker.domain import clock, i18n
from gridwalker.domain.choices import Sex


@pytest.fixture(autouse=True)
def _unfrozen():
    clock.freeze(None)
    yield
    clock.freeze(None)


def test_now_is_aware_and_in_china() -> None:
    current = clock.now()
    assert current.tzinfo is not None
    assert current.utcoffset() == timedelta(hours=8)
    assert not clock.is_frozen()


def test_freeze_a_date_at_nine() -> None:
    clock.freeze(date(2026, 11, 20))
    assert clock.today() == date(2026, 11, 20)
    assert clock.now().hour == 9 and clock.now().utcoffset() == timedelta(hours=8)
    assert clock.now() == clock.now()
    clock.freeze(None)
    assert not clock.is_frozen()


def test_freeze_datetimes() -> None:
    clock.freeze(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    assert clock.today() == date(2027, 1, 1)  # 04:00 next day in Wuhan
    clock.freeze(datetime(2026, 12, 31, 23, 30))  # naive means local
    assert clock.today() == date(2026, 12, 31)


def test_frozen_context_restores() -> None:
    clock.freeze(date(2026, 1, 5))
    with clock.frozen(date(2026, 11, 20)) as at:
        assert at.date() == date(2026, 11, 20) == clock.today()
    assert clock.today() == date(2026, 1, 5)


def test_environment_freezes_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRIDWALKER_TODAY", "2026-11-20")
    importlib.reload(clock)
    assert clock.today() == date(2026, 11, 20)
    monkeypatch.setenv("GRIDWALKER_TODAY", "20-11-2026")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        clock.freeze_from_env()


@pytest.mark.parametrize(
    ("day", "bounds", "label"),
    [
        (date(2026, 12, 31), (date(2026, 12, 1), date(2027, 1, 1)), "2026-12"),
        (date(2027, 1, 1), (date(2027, 1, 1), date(2027, 2, 1)), "2027-01"),
        (date(2026, 11, 20), (date(2026, 11, 1), date(2026, 12, 1)), "2026-11"),
        (date(2028, 2, 29), (date(2028, 2, 1), date(2028, 3, 1)), "2028-02"),
    ],
)
def test_cycle(day: date, bounds: tuple[date, date], label: str) -> None:
    assert clock.cycle_bounds(day) == bounds
    assert clock.cycle_label(day) == label


def test_language_from_argument_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    try:
        i18n.set_language(None)
        assert i18n.language() == "zh"
        monkeypatch.setenv("LANG", "en_GB.UTF-8")
        i18n.set_language(None)
        assert i18n.language() == "en"
        monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
        i18n.set_language(None)
        assert i18n.language() == "zh"
        i18n.set_language("en")
        assert i18n._("Save") == "Save"
        assert i18n.label(Sex.MALE) == "Male"
        i18n.set_language("zh")
        assert i18n._("A string with no translation") == "A string with no translation"
        assert i18n.label(Sex.MALE) == "男"
    finally:
        i18n.set_language(None)
