"""`bundle inspect`: what a bundle holds and whether every check passes, without writing anything.

A device bundle is checked as the hub checks it. A hub bundle (`direction: hub-to-device`) is
checked as the laptop checks it: its `records/review_decision.jsonl` is allowed and every
decision record is checked too; it is decrypted with this home's laptop age identity when
there is one, and its signature is checked against the hub key this home knows (the one a
laptop trusts, or the hub's own), before the keys `lookup` knows. As on the hub and the
laptop, the signature is verified before the manifest is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridwalker import config
from gridwalker.sync import bundle as fmt
from gridwalker.sync import reading
from gridwalker.sync.hub.export import DIRECTION, HUB_ENTITIES
from gridwalker.sync.keys import (
    KeyProblem,
    device_identity_path,
    hub_signing_paths,
    load_identity,
    read_public_key,
    trusted_hub_key,
)


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
            if m.get("direction") == DIRECTION:
                out.insert(2, f"  to       device {m.get('to_device')} (a hub bundle)")
        for check, ok, detail in self.checks:
            out.append(f"  {'ok  ' if ok else 'FAIL'} {check}" + (f": {detail}" if detail else ""))
        if self.reason:
            out.append(f"  → 有问题 / NOT OK [{self.reason}]: {self.message}")
        else:
            out.append("  → 全部检查通过 / all checks passed")
        return out


def _laptop_identity(home: config.Paths) -> list[object]:
    """This home's laptop age identity, if it has one (hub bundles are encrypted to it)."""
    path = device_identity_path(home)
    try:
        return [load_identity(path)[0]] if path.exists() else []
    except KeyProblem:
        return []


def _hub_keys(home: config.Paths, lookup: fmt.KeyLookup) -> fmt.KeyLookup:
    """`lookup`, preceded by the hub signing keys this home knows (a broken key file is skipped)."""
    known: dict[str, fmt.SigningKey] = {}
    own = hub_signing_paths(home)[1]
    try:
        trusted = trusted_hub_key(home)
        if trusted:
            known[trusted[0]] = fmt.SigningKey(*trusted, "the hub this laptop trusts")
    except KeyProblem:
        pass
    try:
        if own.exists():
            key_id, line = read_public_key(own)
            known[key_id] = fmt.SigningKey(key_id, line, "this hub")
    except KeyProblem:
        pass

    def look(key_id: str) -> fmt.SigningKey:
        return known[key_id] if key_id in known else lookup(key_id)

    return look


def inspect_bundle(
    path: Path,
    identities: list[object],
    lookup: fmt.KeyLookup,
    home: config.Paths | None = None,
) -> Inspection:
    """Open and check a bundle as its reader would, reporting instead of refusing."""
    from gridwalker.sync.laptop.import_ import check_decisions

    home = home or config.paths()
    report = Inspection(path)
    step = "container, signature and manifest"
    try:
        # The manifest is read only once its signature is verified: with the hub keys this
        # home knows first (a hub bundle), then `lookup`.
        opened = fmt.open_bundle(
            path,
            [*identities, *_laptop_identity(home)],
            None,
            _hub_keys(home, lookup),
            extra_entities=HUB_ENTITIES,
        )
        with opened:  # its private copy is removed afterwards
            report.manifest, report.encrypted = opened.manifest, opened.encrypted
            hub_bundle = opened.manifest.get("direction") == DIRECTION
            key = opened.key if hub_bundle else lookup(opened.key.key_id)  # a device's own key
            report.checks.append(
                ("container", True, "age-encrypted zip" if opened.encrypted else "plain zip")
            )
            report.checks.append(
                ("structure and manifest", True, f"format {opened.manifest['format_version']}")
            )
            report.checks.append(
                (
                    "signature",
                    True,
                    f"key {key.key_id}" + (f" ({key.member})" if key.member else ""),
                )
            )
            step = "files"
            files = fmt.check_files(opened, extra_entities=HUB_ENTITIES if hub_bundle else ())
            report.checks.append(("files sha256 and sizes", True, f"{len(files)} files"))
            step = "records"
            total = reading.check_records(opened, files)
            report.checks.append(("records schema", True, f"{total:,} records"))
            if hub_bundle:
                step = "decisions"
                decisions = check_decisions(opened, files)
                report.checks.append(("decision records", True, f"{decisions:,} decisions"))
    except fmt.BundleRefused as refused:
        report.manifest = report.manifest or refused.manifest
        report.checks.append((step, False, refused.reason))
        report.reason, report.message = refused.reason, refused.message
    return report
