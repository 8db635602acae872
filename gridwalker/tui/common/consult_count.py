"""A consultation's count as both apps show it: participation and agreement by heads and by
area against the thresholds, what is still missing to pass, a survey's shares, and — once a
supervisor closed it at the hub — that the result is fixed and which votes came after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from gridwalker.domain.consultation import ConsultKind, VoteChoice, area_text
from gridwalker.domain.i18n import _, language

if TYPE_CHECKING:
    from fractions import Fraction

    from gridwalker.store.consult.counting import Count
    from gridwalker.store.consult.votes import Vote


def ratio_words(value: Fraction | None) -> str:
    """An exact share as a percentage with two decimals ("66.67%"), "—" when none."""
    return "—" if value is None else f"{float(value):.2%}"


def met_words(met: bool | None) -> tuple[str, str]:
    """✓ met / ✗ not met, with its style."""
    if met is None:
        return "", ""
    return (_("✓ met"), "green") if met else (_("✗ not yet"), "yellow")


def opinion_words(found: Count, vote: Vote | None) -> str:
    """A vote's choice in the UI language ("not asked" without one)."""
    if vote is None:
        return _("not asked")
    if found.consultation.kind is ConsultKind.DECISION:
        return VoteChoice(vote.choice).label(language())
    return vote.choice


def result_words(found: Count) -> tuple[str, str]:
    """The result in a few words, with its style: passed, what is missing, or a survey's
    leading option; "(fixed)" once closed."""
    t = found.tally
    if t.matter is None:
        best = max(t.options, key=lambda o: (o.owners, o.area), default=None)
        words = _("leads: {option}").format(option=best.option) if best and best.owners else "—"
        style = ""
    elif t.passed:
        words, style = _("Passed"), "bold green"
    elif t.missing is not None:
        words, style = _("missing: {what}").format(what=missing_words(found)), "yellow"
    else:
        words, style = "—", ""
    if found.consultation.closed:
        words = _("{result} (fixed)").format(result=words)
    return words, style


def missing_words(found: Count) -> str:
    """What a decision still lacks to pass: "3 more owners / 142.00 m² more"."""
    m = found.tally.missing
    if m is None:
        return ""
    parts = []
    if m.owners:
        parts.append(_("{n} more owners").format(n=m.owners))
    if m.area:
        parts.append(_("{area} m² more").format(area=area_text(m.area)))
    return " / ".join(parts)


def closing_text(found: Count) -> Text:
    """Closed by whom and when, the result fixed; the votes after closing (kept, not
    counted); counted votes this database does not hold yet. Empty while open."""
    c = found.consultation
    text = Text()
    if not c.closed:
        return text
    when = c.closed_at.date().isoformat() if c.closed_at else "—"
    text.append(
        _("Closed on {day} by {who}: the result is fixed, no more votes are taken.").format(
            day=when, who=c.closed_by or "—"
        ),
        "bold magenta",
    )
    if found.late:
        text.append(
            "\n"
            + _("{n} votes arrived after closing: kept, not counted.").format(n=len(found.late)),
            "yellow",
        )
    if found.absent:
        text.append(
            "\n" + _("{n} counted votes have not reached this laptop yet.").format(n=found.absent),
            "yellow",
        )
    return text


def count_text(found: Count, share_problem: str = "") -> Text:
    """The live count (fixed once closed) in lines, with the thresholds and what is missing."""
    t = found.tally
    text = Text()
    closing = closing_text(found)
    if closing:
        text.append_text(closing)
        text.append("\n")
    text.append(
        _("Owner register: {rooms} rooms, {owners} owners, {area} m²").format(
            rooms=t.rooms, owners=t.owners, area=area_text(t.area_total)
        )
        + "\n"
    )
    p = t.participation
    words, style = met_words(p.met)
    text.append(
        _("Took part: {owners} owners ({op}) · {area} m² ({ap})  — needs ≥ 2/3 of both").format(
            owners=p.owners,
            op=ratio_words(p.owners_ratio),
            area=area_text(p.area),
            ap=ratio_words(p.area_ratio),
        )
    )
    text.append("  " + words + "\n", style)
    if t.agree is not None and t.matter is not None:
        a = t.agree
        words, style = met_words(a.met)
        rule = _("needs more than half of both") if t.matter.strict else _("needs ≥ 3/4 of both")
        text.append(
            _("Agree: {owners} owners ({op}) · {area} m² ({ap})").format(
                owners=a.owners,
                op=ratio_words(a.owners_ratio),
                area=area_text(a.area),
                ap=ratio_words(a.area_ratio),
            )
            + f"  — {rule}"
        )
        text.append("  " + words + "\n", style)
        if t.passed:
            text.append(_("Passed"), "bold green")
        elif t.missing is not None:
            text.append(
                _("Still missing to pass: {what} agreeing").format(what=missing_words(found)),
                "bold yellow",
            )
    for o in t.options:
        text.append(
            f"{o.option}: {o.owners} ({ratio_words(o.owners_ratio)}) · "
            f"{area_text(o.area)} m² ({ratio_words(o.area_ratio)})\n"
        )
    text.append("\n" + _("Not yet asked: {n} rooms").format(n=len(t.not_asked)), "bold")
    if share_problem:
        text.append("\n" + share_problem, "red")
    return text
