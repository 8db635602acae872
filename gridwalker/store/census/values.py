"""Form values as typed: whole numbers, text, value-list codes given as code or label."""

from __future__ import annotations

from gridwalker.domain.choices import Choice


def as_int(value: object) -> int | None:
    """A whole number from an int or its text; None when empty or not a whole number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return None


def is_blank(value: object) -> bool:
    """Whether a form value is empty."""
    return value is None or (isinstance(value, str) and not value.strip())


def text_or_none(value: object) -> str | None:
    """Stripped text, None when empty."""
    if is_blank(value):
        return None
    return str(value).strip()


def choice_code(choice: type[Choice], value: object) -> str | None:
    """The code of a value-list entry typed as code or label; None when empty."""
    if is_blank(value):
        return None
    return choice.parse(str(value)).value
