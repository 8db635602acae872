"""Tests for identifier and phone validation."""

from datetime import date

import pytest
from stdnum.cn import ric, uscc

from gridwalker.domain import clock
from gridwalker.domain.validators import (
    Invalid,
    birth_date_from_id,
    check_phone,
    check_resident_id,
    check_uscc,
    make_resident_id,
    make_uscc,
    normalize_phone,
    normalize_resident_id,
    normalize_uscc,
)

# A Jianghan resident born 1950-03-15: 420103 did not exist then, the ID is still valid.
JIANGHAN_1950 = "420103195003151230"
JIANGHAN_1950_X = "42010319500315049X"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with clock.frozen(date(2026, 11, 20)):
        yield


def code(result: Invalid | None) -> str | None:
    return None if result is None else result.code


# Resident ID


@pytest.mark.parametrize(
    "value",
    [JIANGHAN_1950, JIANGHAN_1950_X, JIANGHAN_1950_X.lower(), f"  {JIANGHAN_1950}\n"],
)
def test_valid_resident_ids(value: str) -> None:
    assert check_resident_id(value) is None


def test_stdnum_agrees_on_the_check_character() -> None:
    # stdnum's calc_check_digit takes the full number, check character included.
    assert ric.calc_check_digit(JIANGHAN_1950) == JIANGHAN_1950[-1]
    assert ric.calc_check_digit(JIANGHAN_1950_X) == "X"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("420103195003151231", "id.check"),
        ("420103195003151239", "id.check"),
        ("420103195002301234", "id.birth_date"),
        ("420103203001011234", "id.birth_date"),
        ("420103188912311234", "id.birth_date"),
        ("42010319500315123", "id.length"),
        ("4201031950031512300", "id.length"),
        ("", "id.length"),
        ("42010A195003151230", "id.digits"),
        ("42010319500315123Y", "id.last_char"),
    ],
)
def test_invalid_resident_ids(value: str, expected: str) -> None:
    assert code(check_resident_id(value)) == expected


def test_id_messages_are_specific() -> None:
    wrong = check_resident_id("420103195003151231")
    assert wrong is not None
    assert "「0」" in wrong.zh and "'0'" in wrong.en
    assert wrong.text("en") == wrong.en and wrong.text("zh") == wrong.zh
    impossible = check_resident_id("420103195002301234")
    assert impossible is not None and "1950-02-30" in impossible.zh
    future = check_resident_id(make_resident_id("420103", date(2026, 11, 21), 1, "male"))
    assert future is not None and future.code == "id.birth_date" and "2026-11-21" in future.en
    assert check_resident_id(make_resident_id("420103", date(2026, 11, 20), 1, "male")) is None


@pytest.mark.parametrize("value", [None, "\x00", "🙂" * 18, "１" * 18, "X" * 18, " " * 40])
def test_check_never_raises(value) -> None:
    assert isinstance(check_resident_id(value), Invalid)
    assert isinstance(check_uscc(value), Invalid)
    assert isinstance(check_phone(value), Invalid)


def test_full_width_digits_are_folded() -> None:
    full_width = JIANGHAN_1950.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert normalize_resident_id(full_width) == JIANGHAN_1950
    assert check_resident_id(full_width) is None


def test_birth_date_and_sex_from_id() -> None:
    from gridwalker.domain.validators import sex_from_id

    assert birth_date_from_id(JIANGHAN_1950) == date(1950, 3, 15)
    assert sex_from_id(JIANGHAN_1950) == "male"
    female = make_resident_id("420103", date(1988, 7, 2), 42, "female")
    assert sex_from_id(female) == "female"
    assert birth_date_from_id("420103195003151231") is None
    assert sex_from_id("nonsense") is None


@pytest.mark.parametrize("seq", [0, 1, 2, 57, 998, 999])
@pytest.mark.parametrize("sex", ["male", "female"])
def test_make_resident_id(seq: int, sex: str) -> None:
    from gridwalker.domain.validators import sex_from_id

    value = make_resident_id("420103", date(1975, 12, 31), seq, sex)
    assert check_resident_id(value) is None
    assert sex_from_id(value) == sex
    assert value[:14] == "42010319751231"


# Unified social credit code

REAL_FORMAT_USCC = [
    "91420103MA4K2B3C76",  # enterprise registered in Jianghan
    "914201033036147259",  # enterprise, old-style organisation code body
    "N2420103MJH12345A6",  # letter-first (trade union class)
    "Y142010357208619X7",  # letter-first (other class)
]


@pytest.mark.parametrize("value", REAL_FORMAT_USCC)
def test_valid_uscc(value: str) -> None:
    assert check_uscc(value) is None
    assert check_uscc(value.lower()) is None
    assert uscc.calc_check_digit(value[:17]) == value[-1]


@pytest.mark.parametrize(
    "prefix", ["91420103MA4K2B3C7", "51420103MJ9876543", "12420103441234567", "Y1420103000000000"]
)
def test_make_uscc(prefix: str) -> None:
    value = make_uscc(prefix)
    assert value[:17] == prefix and check_uscc(value) is None
    assert uscc.calc_check_digit(prefix) == value[-1]


def test_make_uscc_refuses_bad_prefix() -> None:
    with pytest.raises(ValueError):
        make_uscc("91420103MA4K2B3CO")
    with pytest.raises(ValueError):
        make_uscc("9142")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("91420103MA4K2B3C77", "uscc.check"),
        ("N2420103MJH12345A7", "uscc.check"),
        ("91420103MA4K2I3C76", "uscc.alphabet"),
        ("91420103MA4K2O3C76", "uscc.alphabet"),
        ("91420103MA4K2Z3C76", "uscc.alphabet"),
        ("91420103MA4K2S3C76", "uscc.alphabet"),
        ("91420103MA4K2V3C76", "uscc.alphabet"),
        ("91420103MA4K2B3C7", "uscc.length"),
        ("91420103MA4K2B3C766", "uscc.length"),
        ("", "uscc.length"),
    ],
)
def test_invalid_uscc(value: str, expected: str) -> None:
    assert code(check_uscc(value)) == expected


def test_uscc_messages_name_position_and_expected_char() -> None:
    bad = check_uscc("91420103MA4K2O3C76")
    assert bad is not None and "第14位「O」" in bad.zh and "14" in bad.en
    wrong = check_uscc("91420103MA4K2B3C77")
    assert wrong is not None and "「6」" in wrong.zh and "'6'" in wrong.en
    assert normalize_uscc(" 91420103ma4k2b3c76 ") == "91420103MA4K2B3C76"


# Phones


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("138-0000-1234", "13800001234"),
        ("+86 139 0000 1234", "13900001234"),
        ("19912345678", "19912345678"),
        ("027-85551234", "027-85551234"),
        ("02785551234", "027-85551234"),
        (" 027-85551234 ", "027-85551234"),
    ],
)
def test_valid_phones(value: str, canonical: str) -> None:
    assert check_phone(value) is None
    assert normalize_phone(value) == canonical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12800001234", "phone.mobile_prefix"),
        ("10800001234", "phone.mobile_prefix"),
        ("23800001234", "phone.mobile_prefix"),
        ("1380000123", "phone.length"),
        ("138000012345", "phone.length"),
        ("85551234", "phone.length"),
        ("010-12345678", "phone.landline_area"),
        ("027-8555123", "phone.landline_length"),
        ("027-8555-1234", "phone.landline_format"),
        ("138O0001234", "phone.chars"),
        ("(027)85551234", "phone.chars"),
        ("", "phone.empty"),
        ("   ", "phone.empty"),
    ],
)
def test_invalid_phones(value: str, expected: str) -> None:
    assert code(check_phone(value)) == expected


def test_normalize_phone_leaves_invalid_text_alone() -> None:
    assert normalize_phone(" 12800001234 ") == "12800001234"
    assert normalize_phone(None) == ""
