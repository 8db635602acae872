"""The result lines of the sync commands, in the language of the command line.

The language is picked as the apps pick it: `--lang` (of the command, or of `gridwalker` /
`gridwalker hub` before it), else the settings, else the locale (LC_ALL / LC_MESSAGES / LANG:
English when it names English), else Chinese. A refusal's reason comes from the bundle's
checks and stays as they word it ("中文 / English", the same words the quarantine and the
logs keep), after its code in brackets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gridwalker.domain.i18n import _
from gridwalker.sync.synclog import inert

if TYPE_CHECKING:
    from gridwalker.sync.hub.export import HubExportResult
    from gridwalker.sync.hub.intake import ImportOutcome
    from gridwalker.sync.laptop.export import ExportResult
    from gridwalker.sync.laptop.import_ import LaptopImportOutcome


def kind_words(entity: str) -> str:
    """A synced table in words (the counts of a bundle)."""
    words = {
        "street": _("Street"),
        "community": _("Community"),
        "member": _("Grid member"),
        "grid": _("Grid"),
        "building": _("Building"),
        "household": _("Household"),
        "resident": _("Resident"),
        "visit": _("Visit"),
        "enterprise": _("Enterprise"),
        "census_record": _("Census record"),
        "issue": _("Issue"),
        "issue_event": _("Issue history"),
        "consultation": _("Consultation"),
        "consult_room": _("Owner register room"),
        "consult_vote": _("Owner's vote"),
    }
    return words.get(entity, entity)


def counts_words(counts: dict[str, int]) -> str:
    """ "户 12, 入户走访 30" — the non-zero counts of a bundle."""
    return ", ".join(f"{kind_words(k)} {n:,}" for k, n in counts.items() if n)


def export_line(result: ExportResult) -> str:
    """What `gridwalker export` did."""
    if result.path is None:
        return _("Nothing new to export; no bundle written (device {device}).").format(
            device=result.device_id
        )
    return _(
        "{path}: bundle {seq} ({kind}), changes {first}–{last}, {records} records, "
        "{bytes} bytes, {sealed}: {counts}"
    ).format(
        path=result.path,
        seq=result.seq,
        kind=_("full") if result.kind == "full" else _("changes only"),
        first=result.from_change,
        last=result.to_change,
        records=f"{result.records:,}",
        bytes=f"{result.bytes:,}",
        sealed=_("encrypted to the hub") if result.encrypted else _("NOT encrypted"),
        counts=counts_words(result.counts),
    )


def hub_import_line(outcome: ImportOutcome) -> str:
    """What `gridwalker hub import` did with one file."""
    who = (
        _("device {device} bundle {seq}").format(device=outcome.device_id, seq=outcome.seq)
        if outcome.device_id
        else ""
    )
    if outcome.status == "applied":
        text = _(
            "applied ({who}, {member}): {records} records, {applied} applied, "
            "{known} already known, {conflicts} in conflict"
        ).format(
            who=who,
            member=outcome.member,
            records=f"{outcome.records:,}",
            applied=f"{outcome.applied:,}",
            known=f"{outcome.skipped:,}",
            conflicts=f"{outcome.conflicts:,}",
        )
        if outcome.after_closing:
            text += "; " + _("{n} votes arrived after closing: kept, not counted.").format(
                n=outcome.after_closing
            )
    elif outcome.status == "already":
        text = _("already imported ({who})").format(who=who)
        if outcome.message:
            text += f": {outcome.message}"
    elif outcome.status == "held":
        text = _("held until the bundles before it arrive ({who})").format(who=who)
    elif outcome.status == "skipped":
        text = _("skipped: {reason}").format(reason=outcome.message)
    elif outcome.refused_at is not None:
        text = _("refused before [{code}] on {at}; not quarantined again").format(
            code=outcome.reason, at=outcome.refused_at.isoformat(timespec="seconds")
        )
    else:
        text = _("refused [{code}]: {reason}").format(code=outcome.reason, reason=outcome.message)
        if outcome.quarantined:
            text += " → " + str(outcome.quarantined)
    return inert(f"{outcome.path.name}: {text}")  # one line, no terminal sequences


def laptop_import_line(outcome: LaptopImportOutcome) -> str:
    """What `gridwalker import` did with a hub bundle."""
    if outcome.status == "applied":
        text = _(
            "applied (hub bundle {seq}): {decisions} decisions ({returned} returned, "
            "{known} already here), {records} records: {applied} applied, "
            "{skipped} already here, {kept} newer here (kept)"
        ).format(
            seq=outcome.seq,
            decisions=f"{outcome.decisions:,}",
            returned=f"{outcome.returned:,}",
            known=f"{outcome.decisions_known:,}",
            records=f"{outcome.records:,}",
            applied=f"{outcome.applied:,}",
            skipped=f"{outcome.skipped:,}",
            kept=f"{outcome.kept_local:,}",
        )
    elif outcome.status == "already":
        text = _("already imported (hub bundle {seq})").format(seq=outcome.seq)
    else:
        text = _("refused [{code}]: {reason}; nothing was written").format(
            code=outcome.reason, reason=outcome.message
        )
    return inert(f"{outcome.path.name}: {text}")  # one line, no terminal sequences


def hub_export_line(result: HubExportResult) -> str:
    """What `gridwalker hub export` did for one device."""
    who = f"{result.device_id} ({result.member})"
    if result.refused:
        return _("{who}: not exported: {reason}").format(who=who, reason=result.refused)
    if not result.paths:
        return _("{who}: nothing new").format(who=who)
    return _("{who}: bundle {seqs}, {decisions} decisions, {records} records → {files}").format(
        who=who,
        seqs=", ".join(map(str, result.seqs)),
        decisions=f"{result.decisions:,}",
        records=f"{result.records:,}",
        files=", ".join(str(p) for p in result.paths),
    )
