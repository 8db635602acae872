"""Tests for on-screen masking."""

import pytest

from gridwalker.domain.masking import mask_id, mask_phone


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("420103195003151234", "420103********1234"),
        ("42010319500315049X", "420103********049X"),
        ("4201031950031512", "************1512"),
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(value: str | None, masked: str) -> None:
    assert mask_id(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800001234", "138****1234"),
        ("138 0000 1234", "138****1234"),
        ("027-85555678", "027-****5678"),
        ("02785555678", "027-****5678"),
        ("12345", "*2345"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    assert mask_phone(value) == masked


def test_owner_names_keep_their_first_character() -> None:
    from gridwalker.domain.masking import mask_name

    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("王") == "王*"
    assert mask_name("张三、李四") == "张*、李*"
    assert mask_name(None) == mask_name("  ") == ""
