"""The owners' votes: recorded one at a time (at the door) or imported from the paper forms.

A vote is never overwritten. A later vote for the same room is a new row; the count takes
each room's latest vote — by the day it was given, then by when it was recorded, then by its
id, so every database that holds the same votes (each laptop, the hub) counts the same — and
the earlier ones stay as the room's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from gridwalker.domain import clock, fields
from gridwalker.domain.consultation import ConsultKind, VoteChoice, VoteWay
from gridwalker.store.consult import ConsultProblem
from gridwalker.store.consult.consultations import ConsultationInfo, ensure_open
from gridwalker.store.consult.register import RegisterRoom, check_scope, register_rooms, room_label
from gridwalker.store.roster.checking import cell_text, parse_date, room_name
from gridwalker.store.roster.columns import RosterError, RowError, in_language
from gridwalker.store.roster.reading import read_rows
from gridwalker.store.tables import Consultation, ConsultVote
from gridwalker.store.writes import Writer

VOTE_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "building": ("楼栋", "building", ("楼栋号", "楼号")),
    "unit": ("单元", "unit", ("单元号",)),
    "room": ("房号", "room", ("房间号", "门牌号")),
    "choice": ("意见", "choice", ("表决意见", "选项", "option")),
    "way": ("方式", "way", ("表决方式",)),
    "form_no": ("表单编号", "form_no", ("表单号", "编号")),
    "date": ("日期", "date", ("表决日期",)),
    "proxy": ("委托人", "proxy", ("受托人", "代理人")),
}
VOTE_REQUIRED = ("building", "room", "choice", "way", "date")


@dataclass(frozen=True)
class Vote:
    """One vote as the history shows it."""

    uuid: str
    room_uuid: str
    choice: str
    way: VoteWay
    form_no: str | None
    proxy_name: str | None
    voted_on: date
    recorded_at: datetime
    recorded_by: str | None


@dataclass
class VotesResult:
    """What a votes import did (or, with errors or a dry run, would do)."""

    rows: int = 0
    recorded: int = 0
    unchanged: int = 0  # lines the room's history already holds
    errors: list[RowError] = field(default_factory=list)
    written: bool = False


def vote_order(vote: Vote) -> tuple[date, datetime, str]:
    """Which of a room's votes is the later: by day given, then recorded, then id."""
    return (vote.voted_on, vote.recorded_at, vote.uuid)


def vote_history(conn: Connection, consultation_uuid: str) -> list[Vote]:
    """Every live vote of a consultation, oldest first."""
    stmt = select(ConsultVote.__table__).where(
        ConsultVote.consultation_uuid == consultation_uuid, ConsultVote.deleted.is_(False)
    )
    votes = [
        Vote(
            v.uuid,
            v.room_uuid,
            v.choice,
            VoteWay(v.way),
            v.form_no,
            v.proxy_name,
            v.voted_on,
            _aware(v.recorded_at),
            v.recorded_by,
        )
        for v in conn.execute(stmt)
    ]
    return sorted(votes, key=vote_order)


def votes_after_closing(conn: Connection, after_change: int) -> int:
    """How many votes written after change number `after_change` (what an import just took
    in) belong to a closed consultation that was not closed on them: kept, never counted."""
    rows = conn.execute(
        select(ConsultVote.uuid, Consultation.counted)
        .join(Consultation, Consultation.uuid == ConsultVote.consultation_uuid)
        .where(
            ConsultVote.change > after_change,
            ConsultVote.deleted.is_(False),
            Consultation.closed_at.is_not(None),
        )
    )
    return sum(uuid not in (counted or ()) for uuid, counted in rows)


def _aware(at: datetime) -> datetime:
    """SQLite hands back naive UTC; PostgreSQL aware: compare them as aware."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def effective_votes(history: list[Vote]) -> dict[str, Vote]:
    """Each room's latest vote, in the order they were given (oldest first)."""
    latest: dict[str, Vote] = {}
    for vote in history:  # sorted by vote_order
        latest.pop(vote.room_uuid, None)
        latest[vote.room_uuid] = vote
    return latest


def check_choice(consultation: ConsultationInfo, text: str) -> str:
    """A vote's choice as stored: a VoteChoice code for a decision, the option for a survey."""
    text = " ".join(cell_text(text).split())
    if consultation.kind is ConsultKind.DECISION:
        try:
            return VoteChoice.parse(text).value
        except ValueError as exc:
            raise ConsultProblem(str(exc), "choice") from None
    for option in consultation.options:  # as the community wrote it; a cell is NFKC-folded
        if " ".join(cell_text(option).split()) == text:
            return option
    listed = " / ".join(consultation.options)
    raise ConsultProblem(
        f"意见「{text}」不是本调查的选项（{listed}）/ {text!r} is not an option ({listed})",
        "choice",
    )


def _recorded_at(conn: Connection, room_uuids: list[str]) -> datetime:
    """Now, but after every vote already recorded for these rooms (a frozen or coarse clock
    must not leave a later vote tied with an earlier one)."""
    now = clock.now()
    if not room_uuids:
        return now
    last = conn.execute(
        select(func.max(ConsultVote.recorded_at)).where(ConsultVote.room_uuid.in_(room_uuids))
    ).scalar()
    if last is not None and _aware(last) >= now:
        return _aware(last) + timedelta(microseconds=1)
    return now


def record_vote(
    conn: Connection,
    actor: str,
    consultation: ConsultationInfo,
    room: RegisterRoom,
    *,
    choice: str,
    way: str,
    voted_on: date,
    form_no: str | None = None,
    proxy_name: str | None = None,
) -> str:
    """Record one owner's vote (a new row: an earlier vote of the room stays as history)."""
    data = _vote_data(consultation, choice, way, voted_on, form_no, proxy_name)
    data.update(
        consultation_uuid=consultation.uuid,
        room_uuid=room.uuid,
        recorded_at=_recorded_at(conn, [room.uuid]),
        recorded_by=actor,
    )
    return Writer(conn, actor).insert("consult_vote", data)


def _vote_data(
    consultation: ConsultationInfo,
    choice: str,
    way: str,
    voted_on: date,
    form_no: str | None,
    proxy_name: str | None,
) -> dict[str, Any]:
    ensure_open(consultation)
    try:
        the_way = VoteWay.parse(way)
    except ValueError as exc:
        raise ConsultProblem(str(exc), "way") from None
    form = " ".join((form_no or "").split()) or None
    proxy = " ".join((proxy_name or "").split()) or None
    if the_way is VoteWay.SIGNED and not form:
        raise ConsultProblem(
            "在场签字须填写表单编号 / a vote signed in person needs its form number", "form_no"
        )
    if the_way is VoteWay.PROXY and not proxy:
        raise ConsultProblem(
            "委托表决须写明委托人姓名 / a vote by proxy needs the proxy's name", "proxy"
        )
    if voted_on > clock.today():
        raise ConsultProblem(f"日期 {voted_on} 在今天之后 / {voted_on} is after today", "date")
    if consultation.opens and voted_on < consultation.opens:
        raise ConsultProblem(
            f"日期 {voted_on} 早于征询开始（{consultation.opens}）/ {voted_on} is before the "
            f"consultation opened ({consultation.opens})",
            "date",
        )
    if consultation.closes and voted_on > consultation.closes:
        raise ConsultProblem(
            f"日期 {voted_on} 晚于征询结束（{consultation.closes}）/ {voted_on} is after the "
            f"consultation closed ({consultation.closes})",
            "date",
        )
    data = {
        "choice": check_choice(consultation, choice),
        "way": the_way.value,
        "form_no": form,
        "proxy_name": proxy,
        "voted_on": voted_on,
    }
    for name, value in data.items():
        bad = fields.check_value("consult_vote", name, value)
        if bad is not None:
            raise ConsultProblem(f"{bad.zh} / {bad.en}", name)
    return data


def import_votes(
    conn: Connection,
    actor: str,
    consultation: ConsultationInfo,
    path: Path,
    *,
    lang: str = "zh",
    dry_run: bool = False,
) -> VotesResult:
    """Check every line of a votes file (the paper forms typed up), then record them all (or
    nothing). A room's lines are taken in the order of their dates: a later date replaces
    the owner's earlier vote; two lines of one room on one day is an error (which stands?)."""
    try:
        _keys, _headers, lines, read_errors = read_rows(
            Path(path), lang, VOTE_COLUMNS, VOTE_REQUIRED
        )
    except RosterError as exc:
        raise ConsultProblem(str(exc)) from None
    result = VotesResult(rows=len(lines), errors=list(read_errors))
    rooms = {(r.unit, r.room): r for r in register_rooms(conn, consultation.uuid)}
    if not rooms:
        raise ConsultProblem(
            "该征询还没有业主名册：先导入（consult owners import）/ this consultation has no "
            "owner register yet: import it first (consult owners import)"
        )
    checked: list[tuple[int, RegisterRoom, dict[str, Any]]] = []
    seen: dict[tuple[str, date], int] = {}
    for line, cells in lines:
        got = _check_line(consultation, rooms, line, cells, lang, result.errors)
        if got is None:
            continue
        room, data = got
        key = (room.uuid, data["voted_on"])
        if key in seen:
            result.errors.append(
                RowError(
                    line,
                    "date",
                    in_language(
                        lang,
                        f"{room_label(room.unit, room.room)} 在 {data['voted_on']} 已有第 "
                        f"{seen[key]} 行的意见",
                        f"{room_label(room.unit, room.room)} already has a vote on "
                        f"{data['voted_on']} (line {seen[key]})",
                    ),
                )
            )
            continue
        seen[key] = line
        checked.append((line, room, data))
    if result.errors:
        result.errors.sort(key=lambda e: e.line)
        return result
    # A line the room's history already holds (the same file imported again) is not a new vote.
    known = {
        (v.room_uuid, v.choice, v.way.value, v.form_no, v.proxy_name, v.voted_on)
        for v in vote_history(conn, consultation.uuid)
    }
    checked.sort(key=lambda item: (item[2]["voted_on"], item[0]))
    at = _recorded_at(conn, [room.uuid for _line, room, _data in checked])
    inserts = []
    for i, (_line, room, data) in enumerate(checked):
        key = (room.uuid, data["choice"], data["way"], data["form_no"], data["proxy_name"])
        if (*key, data["voted_on"]) in known:
            result.unchanged += 1
            continue
        inserts.append(
            {
                **data,
                "consultation_uuid": consultation.uuid,
                "room_uuid": room.uuid,
                # in the file's order of dates: a room's later line is recorded later
                "recorded_at": at + timedelta(microseconds=i),
                "recorded_by": actor,
            }
        )
    result.recorded = len(inserts)
    if dry_run:
        return result
    Writer(conn, actor).insert_many("consult_vote", inserts)
    result.written = True
    return result


def _check_line(
    consultation: ConsultationInfo,
    rooms: dict[tuple[int | None, str], RegisterRoom],
    line: int,
    cells: dict[str, str],
    lang: str,
    errors: list[RowError],
) -> tuple[RegisterRoom, dict[str, Any]] | None:
    before = len(errors)

    def error(column: str, zh: str, en: str) -> None:
        errors.append(RowError(line, column, in_language(lang, zh, en)))

    unit = check_scope(consultation, cells, error)
    room_text = room_name(cells.get("room", ""))
    room = rooms.get((unit, room_text))
    if room is None and len(errors) == before:
        error(
            "room",
            f"{room_label(unit, room_text)} 不在业主名册中",
            f"{room_label(unit, room_text)} is not in the owner register",
        )
    day_text = cell_text(cells.get("date", ""))
    day = parse_date(day_text)
    if day is None:
        error(
            "date",
            f"日期「{day_text}」无法识别（如 2026-11-20）",
            f"date {day_text!r}: write it as 2026-11-20",
        )
    if len(errors) > before or room is None or day is None:
        return None
    try:
        data = _vote_data(
            consultation,
            cells.get("choice", ""),
            cell_text(cells.get("way", "")),
            day,
            cell_text(cells.get("form_no", "")),
            cell_text(cells.get("proxy", "")),
        )
    except ConsultProblem as exc:
        errors.append(RowError(line, exc.column, exc.in_language(lang)))
        return None
    return room, data
