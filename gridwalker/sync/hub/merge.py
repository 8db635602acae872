"""Merging concurrent versions of one row (BUNDLE.md, Import step 3), as pure functions.

The rule, chosen so that the hub ends in the same state whatever order bundles arrive in:
- A row's state is a function of its *heads*: the versions no other known version descends
  from (links: `base_rev` and `origin`). One head → that version is the row.
- Several heads → an N-way merge against their nearest common ancestor whose data the hub
  holds (none known → every field where the heads differ counts as edited by all):
  a field edited by one head only (or edited alike) takes that value; a field edited to
  different values is a conflict for the supervisor's queue, and until decided the row shows
  the value of the *winning* head — the highest (generation, rev), a choice every hub makes
  the same way. `deleted` merges like a field.
- The merged version gets a rev of its own, a hash over the sorted head revs and the merged
  data, so the same heads give the same rev on every hub and in every order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gridwalker.store.revs import canonical, generation

MERGE_ACTOR = "hub-merge"


@dataclass(frozen=True)
class Version:
    """One version of a row, its data in JSON types."""

    rev: str
    base_rev: str | None
    origin: str | None
    deleted: bool
    data: dict[str, Any]
    updated_at: datetime
    updated_by: str
    device_id: str | None = None


@dataclass
class Merged:
    """The row as merged from several heads, and the fields the supervisor must decide."""

    rev: str
    base_rev: str
    deleted: bool
    data: dict[str, Any]
    updated_at: datetime
    updated_by: str
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    merge_base: str | None = None


def rev_key(rev: str) -> tuple[int, str]:
    """Sort key of revs: generation first, then the hash (the deterministic winner)."""
    return generation(rev), rev


def parents(version: Version) -> set[str]:
    """The revs a version names as where it came from."""
    return {r for r in (version.base_rev, version.origin) if r}


def ancestors(rev: str, known: dict[str, Version]) -> set[str]:
    """Every rev `rev` descends from, as far as the known versions tell."""
    seen: set[str] = set()
    todo = list(parents(known[rev])) if rev in known else []
    while todo:
        r = todo.pop()
        if r in seen:
            continue
        seen.add(r)
        if r in known:
            todo.extend(parents(known[r]) - seen)
    return seen


def heads_of(revs: Iterable[str], known: dict[str, Version]) -> list[str]:
    """The revs no other of them descends from, sorted by rev_key (winner last)."""
    revs = set(revs)
    below: set[str] = set()
    for rev in revs:
        below |= ancestors(rev, known)
    return sorted(revs - below, key=rev_key)


def merge_base(heads: list[str], known: dict[str, Version]) -> str | None:
    """The nearest common ancestor of the heads whose data is known (None: no such version)."""
    common: set[str] | None = None
    for rev in heads:
        line = ancestors(rev, known) | {rev}
        common = line if common is None else common & line
    candidates = [r for r in common or () if r in known]
    return max(candidates, key=rev_key) if candidates else None


def merge_rev(heads: list[str], data: dict[str, Any], deleted: bool) -> str:
    """The rev of a merge: the same heads and data give the same rev everywhere."""
    digest = hashlib.sha256(b"\x00M")
    digest.update("|".join(sorted(heads)).encode())
    digest.update(b"\x00D" if deleted else b"\x00U")
    digest.update(canonical(data).encode())
    return f"{max(generation(h) for h in heads) + 1}-{digest.hexdigest()[:24]}"


_MISSING = object()


def merge(heads: list[Version], base: Version | None, fields: list[str]) -> Merged:
    """N-way merge of the head versions against their common base (see the module rule)."""
    ordered = sorted(heads, key=lambda v: rev_key(v.rev))
    winner = ordered[-1]
    conflicts: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    deleted = False
    for name in [*fields, "deleted"]:

        def value_of(v: Version, name: str = name) -> Any:
            return v.deleted if name == "deleted" else v.data.get(name)

        base_value = _MISSING if base is None else value_of(base)
        edited = [v for v in ordered if base_value is _MISSING or value_of(v) != base_value]
        distinct = {canonical({"v": value_of(v)}) for v in edited}
        if not edited:
            value = base_value
        elif len(distinct) == 1:
            value = value_of(edited[-1])
        else:
            chosen = winner if winner in edited else edited[-1]
            value = value_of(chosen)
            conflicts.append(
                {
                    "field": name,
                    "base_rev": base.rev if base else None,
                    "base_value": None if base is None else base_value,
                    "chosen_rev": chosen.rev,
                    "candidates": [
                        {
                            "rev": v.rev,
                            "value": value_of(v),
                            "device_id": v.device_id,
                            "updated_by": v.updated_by,
                            "updated_at": v.updated_at.isoformat(),
                        }
                        for v in reversed(edited)
                    ],
                }
            )
        if name == "deleted":
            deleted = bool(value)
        else:
            data[name] = value
    return Merged(
        rev=merge_rev([v.rev for v in ordered], data, deleted),
        base_rev=winner.rev,
        deleted=deleted,
        data=data,
        updated_at=max(v.updated_at for v in ordered),
        updated_by=MERGE_ACTOR,
        conflicts=conflicts,
        merge_base=base.rev if base else None,
    )
