"""Records of a bundle (BUNDLE.md, Records): a row as a JSON line and back, with the schema check.

A record is `{"entity", "uuid", "op", "rev", "base_rev", "origin", "change", "updated_at",
"updated_by", "data"}`. `origin` is the rev of the row in the device's previous bundle (null
when the device never exported the row): with it the hub tells a device's own later edit
(several local edits between two bundles) from an edit made concurrently on another laptop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String

from gridwalker.domain import fields
from gridwalker.store.tables import SYNCED_TABLES, data_columns

RECORD_KEYS = frozenset(
    (
        "entity",
        "uuid",
        "op",
        "rev",
        "base_rev",
        "origin",
        "change",
        "updated_at",
        "updated_by",
        "data",
    )
)
REV_RE = re.compile(r"^[1-9][0-9]{0,8}-[0-9a-f]{24}$")
# What no envelope text (uuid, updated_by) holds: the domain's rule for any short text.
_CONTROL = fields.forbidden_characters("record", "uuid")
OPS = ("upsert", "delete")


class RecordError(ValueError):
    """A record that does not match the schema (the message names the field)."""


@dataclass(frozen=True)
class Column_:
    """How one data column is checked and converted (the domain's rules: domain.fields)."""

    entity: str
    name: str
    kind: str  # str, int, bool, date, datetime, json
    nullable: bool
    length: int | None  # the longest text (the column's or the domain's, the smaller)
    codes: frozenset[str] | None = None  # the value list's codes


def _kind(sa_type: object) -> str:
    if isinstance(sa_type, JSON):
        return "json"
    if isinstance(sa_type, Boolean):
        return "bool"
    if isinstance(sa_type, Integer):
        return "int"
    impl = getattr(sa_type, "impl", sa_type)
    if isinstance(sa_type, DateTime) or isinstance(impl, DateTime):
        return "datetime"
    if isinstance(sa_type, Date) or isinstance(impl, Date):
        return "date"
    if isinstance(sa_type, String) or isinstance(impl, String):
        return "str"
    raise TypeError(f"no record kind for column type {sa_type!r}")


_COLUMNS: dict[str, list[Column_]] = {}


def columns(entity: str) -> list[Column_]:
    """The data columns of an entity with their kinds (cached)."""
    if entity not in _COLUMNS:
        table = SYNCED_TABLES[entity].__table__
        _COLUMNS[entity] = [
            Column_(
                entity,
                name,
                _kind(table.c[name].type),
                bool(table.c[name].nullable),
                min(
                    getattr(table.c[name].type, "length", None) or fields.NOTE_MAX,
                    fields.text_max(entity, name),
                ),
                fields.codes(entity, name),
            )
            for name in data_columns(entity)
        ]
    return _COLUMNS[entity]


# A column, its name, kind, nullable, longest text, value list, forbidden characters, and
# whether any text within those passes (not a decimal text, whose number is checked too).
_Spec = tuple[Column_, str, str, bool, int | None, frozenset[str] | None, re.Pattern[str], bool]
_SPECS: dict[str, tuple[list[_Spec], frozenset[str]]] = {}


def _spec(entity: str) -> tuple[list[_Spec], frozenset[str]]:
    """The data columns of an entity unpacked for check_record's loop, and their names (cached)."""
    if entity not in _SPECS:
        cols = columns(entity)
        _SPECS[entity] = (
            [
                (
                    c,
                    c.name,
                    c.kind,
                    c.nullable,
                    c.length,
                    c.codes,
                    fields.forbidden_characters(entity, c.name),
                    (entity, c.name) not in fields.DECIMALS,
                )
                for c in cols
            ],
            frozenset(c.name for c in cols),
        )
    return _SPECS[entity]


def _refuse(bad: fields.Invalid) -> RecordError:
    """A domain rule's refusal as a record error (its English reason, the field named)."""
    return RecordError(f"data.{bad.en}")


def json_encoder(entity: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function turning a row's data (Python values) into JSON types in place."""
    dated = [c.name for c in columns(entity) if c.kind in ("date", "datetime")]

    def encode(data: dict[str, Any]) -> dict[str, Any]:
        for name in dated:
            value = data[name]
            if value is not None:
                data[name] = value.isoformat()
        return data

    return encode


def _check_value(col: Column_, value: Any) -> Any:
    """The database value of one data field, or RecordError."""
    if value is None:
        if col.nullable:
            return None
        raise RecordError(f"data.{col.name}: must not be null")
    kind = col.kind
    if kind == "str":
        if type(value) is not str:
            raise RecordError(f"data.{col.name}: expected a string")
        bad = fields.check_text(col.entity, col.name, value)
        if bad is not None:
            raise _refuse(bad)
        if col.length is not None and len(value) > col.length:
            raise RecordError(f"data.{col.name}: longer than {col.length} characters")
        return value
    if kind == "int":
        if type(value) is not int:
            raise RecordError(f"data.{col.name}: expected an integer")
        bad = fields.check_int(col.entity, col.name, value)
        if bad is not None:
            raise _refuse(bad)
        return value
    if kind == "bool":
        if type(value) is not bool:
            raise RecordError(f"data.{col.name}: expected true or false")
        return value
    if kind == "date":
        try:
            if type(value) is not str or len(value) != 10:
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            raise RecordError(f"data.{col.name}: expected a date YYYY-MM-DD") from None
        bad = fields.check_date(col.entity, col.name, day)
        if bad is not None:
            raise _refuse(bad)
        return day
    if kind == "datetime":
        return parse_instant(value, f"data.{col.name}")
    if type(value) not in (list, dict):
        raise RecordError(f"data.{col.name}: expected a JSON list or object")
    bad = fields.check_json(col.entity, col.name, value)
    if bad is not None:
        raise _refuse(bad)
    return value


def parse_instant(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time with its offset, or RecordError."""
    try:
        if type(value) is not str:
            raise ValueError
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(f"{where}: expected an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise RecordError(f"{where}: the date-time needs a UTC offset")
    # The domain's years (as for dates): far from datetime's edges, where converting to UTC
    # or to local time would overflow in whoever reads the row later.
    if not fields.DATE_MIN <= parsed.date() <= fields.DATE_MAX:
        raise RecordError(
            f"{where}: date-time {value[:40]} is not between {fields.DATE_MIN} and {fields.DATE_MAX}"
        )
    return parsed


def _check_rev(value: Any, where: str, nullable: bool) -> str | None:
    if value is None and nullable:
        return None
    if type(value) is not str or not REV_RE.match(value):
        raise RecordError(f"{where}: expected a rev like 3-0123456789abcdef01234567")
    return value


def check_record(entity: str, record: Any, from_change: int, to_change: int) -> dict[str, Any]:
    """The row values (database types) of a record, or RecordError naming what is wrong."""
    if type(record) is not dict:
        raise RecordError("a record must be a JSON object")
    keys = record.keys()
    if keys != RECORD_KEYS:
        missing = sorted(RECORD_KEYS - keys)
        extra = sorted(keys - RECORD_KEYS)
        raise RecordError(
            "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if part
            )
        )
    if record["entity"] != entity:
        raise RecordError(f"entity: {record['entity']!r} in records/{entity}.jsonl")
    uuid = record["uuid"]
    if type(uuid) is not str or not 1 <= len(uuid) <= fields.UUID_MAX or _CONTROL.search(uuid):
        raise RecordError("uuid: expected a string of 1 to 36 characters (no control characters)")
    if record["op"] not in OPS:
        raise RecordError("op: expected upsert or delete")
    change = record["change"]
    if type(change) is not int or not from_change <= change <= to_change:
        raise RecordError(f"change: expected an integer from {from_change} to {to_change}")
    by = record["updated_by"]
    if type(by) is not str or len(by) > 64 or _CONTROL.search(by):
        raise RecordError(
            "updated_by: expected a string of at most 64 characters (no control characters)"
        )
    data = record["data"]
    if type(data) is not dict:
        raise RecordError("data: expected an object")
    spec, names = _spec(entity)
    if data.keys() != names:
        missing = sorted(names - data.keys())
        extra = sorted(data.keys() - names)
        raise RecordError(
            "data: "
            + "; ".join(
                p
                for p in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if p
            )
        )
    row = {}
    for col, name, kind, nullable, length, codes, forbidden, plain in spec:
        # The common, valid cases inline (the hub checks every record of every bundle);
        # anything else, and every error message, goes through _check_value.
        value = data[name]
        if value is None:
            if nullable:
                row[name] = None
                continue
        elif kind == "str":
            if type(value) is str and (
                value in codes
                if codes is not None
                else plain
                and (length is None or len(value) <= length)
                and not forbidden.search(value)
            ):
                row[name] = value
                continue
        elif kind == "int":
            if type(value) is int and fields.INT_MIN <= value <= fields.INT_MAX:
                row[name] = value
                continue
        elif kind == "bool":
            if type(value) is bool:
                row[name] = value
                continue
        elif kind == "json":
            if (type(value) is list or type(value) is dict) and fields.check_json(
                entity, name, value
            ) is None:
                row[name] = value
                continue
        row[name] = _check_value(col, value)
    row["uuid"] = uuid
    row["rev"] = _check_rev(record["rev"], "rev", False)
    row["base_rev"] = _check_rev(record["base_rev"], "base_rev", True)
    _check_rev(record["origin"], "origin", True)
    row["change"] = change
    row["updated_at"] = parse_instant(record["updated_at"], "updated_at")
    row["updated_by"] = by
    row["deleted"] = record["op"] == "delete"
    return row


_PARSERS: dict[str, list[tuple[str, Callable[[str], Any] | None]]] = {}


def record_row(entity: str, record: Any) -> dict[str, Any]:
    """The row values of a record that is checked elsewhere (`check_record`, run beside the
    import in another process): the same values check_record gives for a good record,
    converted without the checks. A bad record may raise anything or give any values; the
    caller writes them only inside a transaction that the check's verdict commits or rolls
    back."""
    if entity not in _PARSERS:
        parse = {"date": date.fromisoformat, "datetime": datetime.fromisoformat}
        _PARSERS[entity] = [(c.name, parse.get(c.kind)) for c in columns(entity)]
    data = record["data"]
    row = {}
    for name, parse in _PARSERS[entity]:
        value = data[name]
        row[name] = value if parse is None or value is None else parse(value)
    row["uuid"] = record["uuid"]
    row["rev"] = record["rev"]
    row["base_rev"] = record["base_rev"]
    row["change"] = record["change"]
    row["updated_at"] = datetime.fromisoformat(record["updated_at"])
    row["updated_by"] = record["updated_by"]
    row["deleted"] = record["op"] == "delete"
    return row


def db_values(entity: str, data: dict[str, Any]) -> dict[str, Any]:
    """A row's data in JSON types (as in a record) as database values."""
    return {c.name: _check_value(c, data.get(c.name)) for c in columns(entity)}
