"""`bundle inspect`: what a bundle holds and whether every check passes, without writing anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridwalker.sync import bundle as fmt


@dataclass
class Inspection:
    """A bundle's manifest summary and the result of each check."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    encrypted: bool = False
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    reason: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        """Whether every check made passed."""
        return not self.reason

    def as_json(self) -> dict[str, Any]:
        """The inspection as one JSON object."""
        m = self.manifest
        return {
            "file": str(self.path),
            "ok": self.ok,
            "reason": self.reason or None,
            "message": self.message or None,
            "encrypted": self.encrypted,
            "manifest": {k: v for k, v in m.items() if k != "files"},
            "files": m.get("files", []),
            "checks": [{"check": c, "ok": ok, "detail": d} for c, ok, d in self.checks],
        }

    def lines(self) -> list[str]:
        """The inspection as lines of text."""
        m = self.manifest
        out = [f"{self.path}"]
        if m:
            counts = ", ".join(f"{k} {v}" for k, v in m.get("counts", {}).items() if v)
            out += [
                f"  device   {m.get('device_id')} (key {m.get('device_key_id')}), member {m.get('member')!r}",
                f"  bundle   seq {m.get('seq')} {m.get('kind')}, changes {m.get('from_change')}–{m.get('to_change')}, "
                f"format {m.get('format_version')}, app {m.get('app_version')}, schema {m.get('schema_version')}",
                f"  created  {m.get('created_at')} (device clock), id {m.get('bundle_id')}",
                f"  hub      {m.get('hub') or '(any: plaintext)'}",
                f"  records  {counts or 'none'}",
            ]
        for check, ok, detail in self.checks:
            out.append(f"  {'ok  ' if ok else 'FAIL'} {check}" + (f": {detail}" if detail else ""))
        if self.reason:
            out.append(f"  → 有问题 / NOT OK [{self.reason}]: {self.message}")
        else:
            out.append("  → 全部检查通过 / all checks passed")
        return out


def inspect_bundle(path: Path, identities: list[object], lookup: fmt.KeyLookup) -> Inspection:
    """Open and check a bundle as the hub would, reporting instead of refusing."""
    report = Inspection(path)
    step = "container"
    try:
        opened = fmt.open_bundle(path, identities, None)
        report.manifest, report.encrypted = opened.manifest, opened.encrypted
        report.checks.append(
            ("container", True, "age-encrypted zip" if opened.encrypted else "plain zip")
        )
        report.checks.append(
            ("structure and manifest", True, f"format {opened.manifest['format_version']}")
        )
        step = "signature"
        key = fmt.check_signature(opened, lookup)
        report.checks.append(
            ("signature", True, f"key {key.key_id}" + (f" ({key.member})" if key.member else ""))
        )
        step = "files"
        files = fmt.check_files(opened)
        report.checks.append(("files sha256 and sizes", True, f"{len(files)} files"))
        step = "records"
        total = fmt.check_records(opened, files)
        report.checks.append(("records schema", True, f"{total:,} records"))
    except fmt.BundleRefused as refused:
        report.manifest = report.manifest or refused.manifest
        report.checks.append((step, False, refused.reason))
        report.reason, report.message = refused.reason, refused.message
    return report
