"""Both languages complete: every msgid in the code has its Chinese, and the .mo is current."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "gridwalker/locale/zh_CN/LC_MESSAGES/gridwalker.po"
MO = PO.with_suffix(".mo")


def code_msgids() -> dict[str, str]:
    """Every msgid marked with _() or N_() in the package, with where it is."""
    found = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "gridwalker"),
        method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None},
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, filename)
    return found


def test_every_ui_string_has_a_chinese_translation() -> None:
    catalog = read_po(PO.open("rb"))
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in code_msgids().items()
        if msgid not in catalog or not catalog[msgid].string
    ]
    assert not missing, "untranslated:\n" + "\n".join(missing)


def test_compiled_catalog_matches_the_po_file() -> None:
    catalog = read_po(PO.open("rb"))
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [m.id for m in catalog if m.id and m.string and compiled.gettext(m.id) != m.string]
    assert not stale, f"run `make i18n`: {len(stale)} entries differ, e.g. {stale[:3]}"


def test_placeholders_survive_translation() -> None:
    import re

    catalog = read_po(PO.open("rb"))
    field = re.compile(r"\{[a-z_]+")
    bad = [
        m.id
        for m in catalog
        if m.id and m.string and sorted(field.findall(m.id)) != sorted(field.findall(m.string))
    ]
    assert not bad, f"placeholders differ in: {bad}"
