"""`gridwalker issue …`: list, show and move issues through the workflow from a terminal."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from gridwalker import config
from gridwalker.cli.common import EXAMPLES, epilog, fail, home_paths, no_database, pick_language
from gridwalker.cli.root import main
from gridwalker.domain.choices import IssueStatus, Role
from gridwalker.domain.i18n import _
from gridwalker.domain.workflow import TRANSITIONS, IssueAction

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from gridwalker.store.issues import IssueDetail, SortKey

EXAMPLES.update(
    {
        "issue_list": "gridwalker issue list --status reported --status accepted --overdue --mine",
        "issue_show": "gridwalker issue show 6d2c538d --json",
        "issue_act": 'gridwalker issue act 6d2c538d accept --note "已联系物业"',
    }
)

_DB_HELP = "The field database (default: gridwalker.db in the data folder)."
_LANG_HELP = "Language of the output and messages."


def _json_default(value: object) -> str:
    """JSON for dates and datetimes (ISO 8601)."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_json(obj: dict[str, Any]) -> None:
    """Print one JSON object on stdout."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=_json_default))


def _open(db: Path | None, home: config.Paths):  # noqa: ANN202 - an Engine
    """Open an existing field database, or fail (never create one by reading it)."""
    from gridwalker.cli.unlock import open_laptop

    db = db or home.field_db
    if not db.exists():
        fail(no_database(db))
    return open_laptop(db)


def _settings(home: config.Paths) -> config.Settings:
    """The settings, or exit 1 with the reason when the file is broken."""
    try:
        return config.load_settings(home)
    except ValueError as exc:
        fail(str(exc))
        raise  # fail has exited


def _lang(lang: str | None, home: config.Paths) -> str:
    """The language of this command's output: --lang, else the settings, else the locale."""
    from gridwalker.domain.i18n import language, set_language

    set_language(pick_language(lang, home))
    return language()


def _parse_action(_ctx: click.Context, _param: click.Parameter, value: str) -> IssueAction:
    """An action by code or label (accept, 受理, "Start work")."""
    try:
        return IssueAction.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.group()
def issue() -> None:
    """Residents' issues (居民诉求): list, show, act on the workflow."""


@issue.command("list", epilog=epilog("issue_list"))
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice([s.value for s in IssueStatus], case_sensitive=False),
    help="Only issues in this status (repeat for several).",
)
@click.option("--overdue", is_flag=True, help="Only issues past their due date and not resolved.")
@click.option("--mine", is_flag=True, help="Only issues logged by you (the member in settings).")
@click.option(
    "--sort",
    type=click.Choice(["due", "age"]),
    default="due",
    show_default=True,
    help="By due date, or newest first.",
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), help=_LANG_HELP)
def issue_list(
    statuses: tuple[str, ...],
    overdue: bool,
    mine: bool,
    sort: str,
    limit: int,
    as_json: bool,
    db: Path | None,
    lang: str | None,
) -> None:
    """List issues, overdue ones marked, with the total and the counts per status."""
    from gridwalker.store.issues import IssueFilter, issue_count, issue_page, status_counts

    home = home_paths()
    language = _lang(lang, home)
    settings = _settings(home)
    if mine and not settings.member_uuid:
        raise click.UsageError("--mine needs a member in the settings (open the app once).")
    flt = IssueFilter(
        statuses=frozenset(s.lower() for s in statuses) if statuses else None,
        overdue=overdue,
        mine=settings.member_uuid if mine else None,
    )
    engine = _open(db, home)
    try:
        with engine.connect() as conn:
            total = issue_count(conn, flt)
            rows = issue_page(conn, flt, cast("SortKey", sort), 0, limit)
            counts = status_counts(conn, flt)
    finally:
        engine.dispose()
    if as_json:
        _print_json({"total": total, "status_counts": counts, "issues": [asdict(r) for r in rows]})
        return
    for r in rows:
        mark = "!" if r.overdue else " "
        due = r.due_date.isoformat() if r.due_date else "-"
        click.echo(
            f"{r.uuid[:8]} {mark} {r.status.label(language)}\t{due}\t"
            f"{r.category.label(language)}\t{r.place}\t{r.summary}"
        )
    shown = ", ".join(f"{IssueStatus(code).label(language)} {n}" for code, n in counts.items() if n)
    click.echo(
        _("{shown} of {total} issues; {counts}").format(shown=len(rows), total=total, counts=shown),
        err=True,
    )


@issue.command("show", epilog=epilog("issue_show"))
@click.argument("issue_id", metavar="ISSUE")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), help=_LANG_HELP)
def issue_show(issue_id: str, as_json: bool, db: Path | None, lang: str | None) -> None:
    """Show one issue (uuid or a unique prefix of 6+ characters) with its timeline."""
    from gridwalker.store.issues import IssueNotFound, issue_detail, resolve_issue

    home = home_paths()
    language = _lang(lang, home)
    engine = _open(db, home)
    try:
        with engine.connect() as conn:
            detail = issue_detail(conn, resolve_issue(conn, issue_id))
    except IssueNotFound as exc:
        fail(exc.invalid.text(language))
    finally:
        engine.dispose()
    if as_json:
        data = asdict(detail)
        data["actions"] = {role.value: [a.value for a in detail.actions(role)] for role in Role}
        _print_json(data)
        return
    en = language == "en"
    due = detail.due_date.isoformat() if detail.due_date else "-"
    overdue = (" (overdue)" if en else "（已逾期）") if detail.overdue else ""
    where = [detail.community_name, detail.grid_name, detail.household_address]
    where += [detail.enterprise_name]
    fields = [
        ("Issue" if en else "编号", detail.uuid),
        ("Status" if en else "状态", detail.status.label(language)),
        ("Category" if en else "类别", detail.category.label(language)),
        ("Urgency" if en else "紧急程度", detail.urgency.label(language)),
        ("Place" if en else "地点", detail.place),
        ("Belongs to" if en else "所属", " / ".join(w for w in where if w)),
        ("Reported" if en else "上报日期", detail.reported_on.isoformat()),
        ("Due" if en else "办结期限", due + overdue),
        ("Reporter" if en else "反映人", _reporter(detail, language)),
        ("People affected" if en else "涉及人数", _text(detail.people_affected)),
        ("Logged by" if en else "登记人", detail.logged_by_name or detail.logged_by or "-"),
    ]
    for name, value in fields:
        click.echo(f"{name}: {value}")
    click.echo("")
    click.echo(detail.description)
    click.echo("")
    click.echo("Timeline:" if en else "处理记录：")
    for ev in detail.timeline:
        start = ev.from_status.label(language) if ev.from_status else "-"
        note = f" — {ev.note}" if ev.note else ""
        click.echo(
            f"  {ev.at:%Y-%m-%d %H:%M}  {ev.who}  {ev.action.label(language)}: "
            f"{start} → {ev.to_status.label(language)}{note}"
        )


def _reporter(detail: IssueDetail, language: str) -> str:
    """Who reported an issue, e.g. "居民 王芳"."""
    kind = detail.reporter_kind.label(language)
    return f"{kind} {detail.reporter_name}" if detail.reporter_name else kind


def _text(value: object) -> str:
    """A value for display; "-" for none."""
    return "-" if value is None else str(value)


def _check_supervisor(conn: Connection, member_uuid: str, language: str) -> None:
    """Only a member recorded as a supervisor (网格长) may act as one from the command line."""
    from sqlalchemy import select

    from gridwalker.store.tables import Member

    role = None
    if member_uuid:
        role = conn.execute(select(Member.role).where(Member.uuid == member_uuid)).scalar()
    if role != Role.SUPERVISOR.value:
        fail(
            "只有登记为网格长的人员可以以网格长身份操作（--as supervisor）"
            if language != "en"
            else "only a member recorded as a supervisor may act with --as supervisor"
        )


def actions_help() -> str:
    """The actions `issue act` takes, each with its labels and where it leads (for --help)."""
    lines = ["\b", "ACTION is the code or either label (受理, Accept):"]
    width = max(len(a.value) for a in IssueAction)
    for action in IssueAction:
        step = TRANSITIONS[action]
        sources = "/".join(s.value for s in step.sources)
        target = step.target.value if step.target else "(back)"
        who = "" if Role.MEMBER in step.roles else "  [--as supervisor]"
        lines.append(
            f"  {action.value:<{width}}  {action.zh} / {action.en}   {sources} → {target}{who}"
        )
    return "\n".join(lines) + "\n\n" + epilog("issue_act")


@issue.command("act", epilog=actions_help())
@click.argument("issue_id", metavar="ISSUE")
@click.argument("action", metavar="ACTION", callback=_parse_action)
@click.option("--note", default="", help="Why (needed to decline or return).")
@click.option(
    "--as",
    "role",
    type=click.Choice([r.value for r in Role]),
    default=Role.MEMBER.value,
    show_default=True,
    help="Act as a grid member, or as the supervisor (only a member recorded as one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@click.option("--lang", type=click.Choice(["zh", "en"]), help=_LANG_HELP)
def issue_act(
    issue_id: str,
    action: IssueAction,
    note: str,
    role: str,
    as_json: bool,
    db: Path | None,
    lang: str | None,
) -> None:
    """Take a workflow action on an issue; an action the workflow refuses writes nothing."""
    from gridwalker.domain.workflow import TransitionError
    from gridwalker.store.issues import IssueNotFound, resolve_issue, transition
    from gridwalker.store.writes import StaleWrite

    home = home_paths()
    language = _lang(lang, home)
    settings = _settings(home)
    engine = _open(db, home)
    try:
        with engine.begin() as conn:
            if role == Role.SUPERVISOR.value:
                _check_supervisor(conn, settings.member_uuid, language)
            uuid = resolve_issue(conn, issue_id)
            new = transition(
                conn,
                uuid,
                action,
                role=role,
                actor=settings.member_name or "cli",
                note=note,
                member_uuid=settings.member_uuid or None,
            )
    except (IssueNotFound, TransitionError, StaleWrite) as exc:
        # StaleWrite: another window wrote the issue between this command's read and write.
        fail(exc.invalid.text(language))
    finally:
        engine.dispose()
    if as_json:
        _print_json({"issue": uuid, "action": action.value, "status": new.value})
        return
    click.echo(f"{uuid[:8]}: {action.label(language)} → {new.label(language)}")
