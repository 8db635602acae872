"""Row revisions: `<generation>-<hash>` over the base rev and the canonical data (BUNDLE.md)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any


def json_value(value: Any) -> Any:
    """A column value as a JSON type (dates as ISO 8601)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def canonical(data: dict[str, Any]) -> str:
    """Canonical JSON of a row's data: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(
        {k: json_value(v) for k, v in data.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def generation(rev: str | None) -> int:
    """The generation number of a rev (0 for none)."""
    if not rev:
        return 0
    return int(rev.split("-", 1)[0])


def next_rev(base_rev: str | None, data: dict[str, Any], deleted: bool = False) -> str:
    """The rev of an edit: the same edit from the same base gives the same rev everywhere."""
    digest = hashlib.sha256()
    digest.update((base_rev or "").encode())
    digest.update(b"\x00D" if deleted else b"\x00U")
    digest.update(canonical(data).encode())
    return f"{generation(base_rev) + 1}-{digest.hexdigest()[:24]}"
