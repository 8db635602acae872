"""Validation of identifiers and phone numbers, with specific bilingual reasons."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from . import clock


@dataclass(frozen=True)
class Invalid:
    """Why a value is invalid: a stable code plus a zh and an en message."""

    code: str
    zh: str
    en: str

    def text(self, lang: str) -> str:
        """Return the message in `lang` ("en", else Chinese)."""
        return self.en if lang == "en" else self.zh


def _clean(value: object) -> str:
    """Return `value` as text with full-width characters folded and surrounding space removed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


# Resident ID 身份证号 (GB 11643-1999)

ID_LENGTH = 18
ID_EARLIEST_BIRTH = date(1890, 1, 1)
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK_CHARS = "10X98765432"
_ASCII_DIGITS = frozenset("0123456789")


def normalize_resident_id(value: str) -> str:
    """Return the ID stripped and upper-cased (full-width characters folded)."""
    return _clean(value).upper()


def resident_id_check_char(body17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def _read_birth(number: str) -> date | None:
    """Return the birth date at positions 7–14, or None when it is not a calendar date."""
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def check_resident_id(value: str) -> Invalid | None:
    """Check a resident ID number: length, digits, birth date and check character."""
    number = normalize_resident_id(value)
    if len(number) != ID_LENGTH:
        return Invalid(
            "id.length",
            f"身份证号应为18位，实际为{len(number)}位",
            f"An ID number has 18 characters; this one has {len(number)}",
        )
    for pos, char in enumerate(number[:17], start=1):
        if char not in _ASCII_DIGITS:
            return Invalid(
                "id.digits",
                f"身份证号前17位应为数字，第{pos}位是「{char}」",
                f"The first 17 characters must be digits; character {pos} is {char!r}",
            )
    last = number[17]
    if last not in _ASCII_DIGITS and last != "X":
        return Invalid(
            "id.last_char",
            f"身份证号最后一位应为数字或X，实际为「{last}」",
            f"The last character must be a digit or X, not {last!r}",
        )
    raw = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    birth = _read_birth(number)
    if birth is None:
        return Invalid(
            "id.birth_date",
            f"身份证号中的出生日期 {raw} 不是有效日期",
            f"The birth date in the ID number, {raw}, is not a real date",
        )
    if birth > clock.today():
        return Invalid(
            "id.birth_date",
            f"身份证号中的出生日期 {raw} 晚于今天",
            f"The birth date in the ID number, {raw}, is in the future",
        )
    if birth < ID_EARLIEST_BIRTH:
        return Invalid(
            "id.birth_date",
            f"身份证号中的出生日期 {raw} 早于1890-01-01",
            f"The birth date in the ID number, {raw}, is before 1890-01-01",
        )
    expected = resident_id_check_char(number[:17])
    if last != expected:
        return Invalid(
            "id.check",
            f"身份证号校验码不符：最后一位应为「{expected}」，实际为「{last}」，请核对号码",
            f"Check character mismatch: the last character should be {expected!r}, "
            f"not {last!r}; please check the number",
        )
    return None


def birth_date_from_id(value: str) -> date | None:
    """Return the birth date of a valid ID number, else None."""
    number = normalize_resident_id(value)
    return _read_birth(number) if check_resident_id(number) is None else None


def sex_from_id(value: str) -> str | None:
    """Return "male" or "female" from the 17th digit of a valid ID number, else None."""
    number = normalize_resident_id(value)
    if check_resident_id(number) is not None:
        return None
    return "male" if int(number[16]) % 2 else "female"


def make_resident_id(area: str, birth: date, seq: int, sex: str) -> str:
    """Build a valid ID: area code, birth date, sequence (parity set by sex) and check char."""
    if len(area) != 6 or not all(c in _ASCII_DIGITS for c in area):
        raise ValueError(f"area code must be 6 digits, got {area!r}")
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', got {sex!r}")
    seq = seq % 1000
    if (seq % 2 == 1) != (sex == "male"):
        seq = seq - 1 if seq % 2 else seq + 1
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_char(body)


# Unified social credit code 统一社会信用代码 (GB 32100-2015)

USCC_LENGTH = 18
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))


def normalize_uscc(value: str) -> str:
    """Return the credit code stripped and upper-cased (full-width characters folded)."""
    return _clean(value).upper()


def uscc_check_char(body17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def check_uscc(value: str) -> Invalid | None:
    """Check a unified social credit code: length, alphabet and check character."""
    code = normalize_uscc(value)
    if len(code) != USCC_LENGTH:
        return Invalid(
            "uscc.length",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
            f"A unified social credit code has 18 characters; this one has {len(code)}",
        )
    for pos, char in enumerate(code, start=1):
        if char not in USCC_ALPHABET:
            return Invalid(
                "uscc.alphabet",
                f"统一社会信用代码第{pos}位「{char}」不是允许的字符"
                f"（只能是数字和除I、O、S、V、Z外的大写字母）",
                f"Character {pos}, {char!r}, is not allowed "
                f"(digits and capital letters except I, O, S, V, Z)",
            )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return Invalid(
            "uscc.check",
            f"统一社会信用代码校验码不符：最后一位应为「{expected}」，实际为「{code[17]}」",
            f"Check character mismatch: the last character should be {expected!r}, "
            f"not {code[17]!r}",
        )
    return None


def make_uscc(prefix17: str) -> str:
    """Return `prefix17` (17 allowed characters) with its check character appended."""
    body = normalize_uscc(prefix17)
    if len(body) != 17 or any(c not in USCC_ALPHABET for c in body):
        raise ValueError(f"need 17 characters from {USCC_ALPHABET}, got {prefix17!r}")
    return body + uscc_check_char(body)


# Phone numbers: mobiles anywhere in China, landlines in Wuhan (027)

WUHAN_AREA_CODE = "027"
_LANDLINE = re.compile(r"027-?(\d{8})")
_PHONE_CHARS = frozenset("0123456789 -")


def _phone_text(value: str) -> str:
    """Return the phone text folded, stripped, and without a +86 country prefix."""
    text = _clean(value)
    if text.startswith("+86"):
        text = text[3:].lstrip(" -")
    return text


def check_phone(value: str) -> Invalid | None:
    """Check a mobile number (1[3-9] + 9 digits) or a Wuhan landline (027-xxxxxxxx)."""
    text = _phone_text(value)
    if not text:
        return Invalid("phone.empty", "请填写电话号码", "Enter a phone number")
    for pos, char in enumerate(text, start=1):
        if char not in _PHONE_CHARS:
            return Invalid(
                "phone.chars",
                f"电话号码只能包含数字、空格和短横线，第{pos}位是「{char}」",
                f"A phone number may hold only digits, spaces and dashes; "
                f"character {pos} is {char!r}",
            )
    digits = text.replace(" ", "").replace("-", "")
    if digits.startswith("0"):
        if not digits.startswith(WUHAN_AREA_CODE):
            return Invalid(
                "phone.landline_area",
                "座机号只接受武汉号码，格式为027-xxxxxxxx",
                "Only Wuhan landlines are accepted, written 027-xxxxxxxx",
            )
        if len(digits) != 11:
            return Invalid(
                "phone.landline_length",
                f"武汉座机号区号027后应为8位号码，实际为{len(digits) - 3}位",
                f"A Wuhan landline has 8 digits after 027; this one has {len(digits) - 3}",
            )
        if not _LANDLINE.fullmatch(text.replace(" ", "")):
            return Invalid(
                "phone.landline_format",
                "座机号请写成027-xxxxxxxx",
                "Write a landline as 027-xxxxxxxx",
            )
        return None
    if len(digits) != 11:
        return Invalid(
            "phone.length",
            f"手机号应为11位数字，实际为{len(digits)}位（座机请写成027-xxxxxxxx）",
            f"A mobile number has 11 digits; this one has {len(digits)} "
            f"(write a landline as 027-xxxxxxxx)",
        )
    if digits[0] != "1" or digits[1] not in "3456789":
        return Invalid(
            "phone.mobile_prefix",
            f"手机号应以13–19开头，实际以「{digits[:2]}」开头",
            f"A mobile number starts with 13 to 19, not {digits[:2]!r}",
        )
    return None


def normalize_phone(value: str) -> str:
    """Return a valid phone in canonical form (11 digits or 027-xxxxxxxx), else as typed."""
    text = _phone_text(value)
    if check_phone(value) is not None:
        return _clean(value)
    digits = text.replace(" ", "").replace("-", "")
    if digits.startswith("0"):
        return f"{WUHAN_AREA_CODE}-{digits[3:]}"
    return digits
