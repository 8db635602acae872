"""Masking of sensitive identifiers for display."""

from __future__ import annotations

from .validators import WUHAN_AREA_CODE, check_phone, normalize_phone


def _mask_all_but_last4(text: str) -> str:
    """Mask every character except the last four (all of them when four or fewer)."""
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_id(value: str | None) -> str:
    """Mask an ID number as 420103********1234; other lengths keep only the last four."""
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) == 18:
        return f"{text[:6]}{'*' * 8}{text[-4:]}"
    return _mask_all_but_last4(text)


def mask_phone(value: str | None) -> str:
    """Mask a mobile as 138****1234 and a landline as 027-****5678."""
    text = (value or "").strip()
    if not text:
        return ""
    if check_phone(text) is None:
        phone = normalize_phone(text)
        if phone.startswith(f"{WUHAN_AREA_CODE}-"):
            return f"{WUHAN_AREA_CODE}-****{phone[-4:]}"
        return f"{phone[:3]}****{phone[-4:]}"
    return _mask_all_but_last4(text)


def mask_name(value: str | None) -> str:
    """Mask a person's name as 张* / 欧** (the first character kept); co-owners written
    张三、李四 are masked one by one."""
    text = (value or "").strip()
    if not text:
        return ""
    parts = text.split("、")
    return "、".join(p[:1] + "*" * max(len(p) - 1, 1) if p else p for p in parts)
