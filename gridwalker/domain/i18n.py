"""gettext for UI strings: msgids are English, Chinese comes from the zh_CN catalog."""

from __future__ import annotations

import gettext
import os
from pathlib import Path

from .choices import Choice

DOMAIN = "gridwalker"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
_language: str | None = None
_catalog: gettext.NullTranslations | None = None


def _from_environment() -> str:
    """Return "en" when the locale environment names English, else "zh"."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip()
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def set_language(lang: str | None) -> None:
    """Set the UI language ("zh" or "en"); None reads it from LC_ALL / LANG (default zh)."""
    global _language
    if lang is None:
        _language = _from_environment()
    else:
        _language = "en" if lang.strip().lower().startswith("en") else "zh"


def language() -> str:
    """Return the UI language, "zh" or "en"."""
    if _language is None:
        set_language(None)
    assert _language is not None
    return _language


def _zh_catalog() -> gettext.NullTranslations:
    """Load the Chinese catalog once; a missing .mo gives a pass-through catalog."""
    global _catalog
    if _catalog is None:
        _catalog = gettext.translation(
            DOMAIN, localedir=str(LOCALE_DIR), languages=["zh_CN"], fallback=True
        )
    return _catalog


def _(msgid: str) -> str:
    """Translate an English UI string into the current language."""
    if language() == "en":
        return msgid
    return _zh_catalog().gettext(msgid)


def label(choice: Choice) -> str:
    """Return a value-list member's label in the current language."""
    return choice.label(language())
