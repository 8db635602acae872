"""`gridwalker consult …`: building consultations (意见征询) from a terminal (issue #17).

`new`, `owners import`, `votes import`, `tally`, `list`, on a laptop (`--db PATH`, default the
field database) or on a hub (`--hub`, `--db PATH|URL`, default hub.db). Results to stdout,
messages to stderr; `--json` prints one object; exit 0 done, 1 refused (a bad line, an
unknown consultation), 2 wrong usage. Ratios in JSON are exact fractions ("2/3"), areas
decimal strings ("1444.00").
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gridwalker import config
from gridwalker.cli.common import (
    EXAMPLES,
    epilog,
    fail,
    home_paths,
    hub_actor,
    no_database,
    parse_day,
    pick_language,
)
from gridwalker.cli.root import main
from gridwalker.sync.synclog import inert

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from gridwalker.store.roster.columns import RowError

EXAMPLES.update(
    {
        "consult_new": "gridwalker consult new --title 1栋1单元加装电梯 "
        "--scope 新华街/邮三社区/第1网格/1栋/1单元 --kind decision --matter major --json\n"
        "  gridwalker consult new --title 停车方案 --scope XH-02-01/3栋 --kind survey "
        "--option 方案A --option 方案B",
        "consult_owners": "gridwalker consult owners import 6d2c538d 业主名册.xlsx",
        "consult_votes": "gridwalker consult votes import 6d2c538d 意见征询表.csv",
        "consult_tally": "gridwalker consult tally 6d2c538d --json",
        "consult_list": "gridwalker consult list --hub --db /srv/gridwalker/hub.db",
    }
)


def db_options(func):  # noqa: ANN001, ANN202 - a click decorator
    """--db, --hub and --lang, which every consult command takes."""
    func = click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages.")(
        func
    )
    func = click.option(
        "--hub",
        "on_hub",
        is_flag=True,
        help="Work on the hub's database (--db PATH|URL, default hub.db).",
    )(func)
    return click.option(
        "--db",
        "db",
        help="The database: a laptop's file (default gridwalker.db), or with --hub the hub's "
        "file or URL (default hub.db).",
    )(func)


def _print_json(obj: dict[str, Any]) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


def _lang(lang: str | None, home: config.Paths) -> str:
    from gridwalker.domain.i18n import language, set_language

    set_language(pick_language(lang, home))
    return language()


def consult_engine(db: str | None, on_hub: bool, home: config.Paths) -> Engine:
    """An open database: a laptop's file (its key found first when it is encrypted), or a
    hub's file or URL (GRIDWALKER_HUB_DB by default, as every hub command)."""
    import os

    from gridwalker.cli.common import DATABASE, HUB_DB_ENV
    from gridwalker.cli.unlock import open_laptop
    from gridwalker.store.migrate import open_database

    if not on_hub:
        if db and "://" in db:
            fail(_t("a database URL needs --hub (a laptop's database is a file)"), 2)
        path = Path(db) if db else home.field_db
        if not path.is_file():
            fail(no_database(path))
        return open_laptop(path)
    target = DATABASE.convert(db or os.environ.get(HUB_DB_ENV) or home.hub_db, None, None)
    if not target.exists():
        fail(no_database(target))
    return open_database(target)


def _import_file(
    importer: Any,
    ident: str,
    file: Path,
    dry_run: bool,
    db: str | None,
    on_hub: bool,
    lang: str | None,
) -> tuple[Any, Any]:
    """Run one of the store's consultation importers (owners, votes) on `file` in one
    transaction; a refusal or bad lines end the command. Returns (consultation, result)."""
    from gridwalker.store.consult import ConsultProblem
    from gridwalker.store.consult.consultations import find_consultation

    home = home_paths()
    language = _lang(lang, home)
    engine = consult_engine(db, on_hub, home)
    try:
        with engine.begin() as conn:
            info = find_consultation(conn, ident)
            result = importer(
                conn, _actor(on_hub, home), info, file, lang=language, dry_run=dry_run
            )
    except ConsultProblem as exc:
        _problem(exc, language)
    finally:
        engine.dispose()
    if result.errors:
        _row_errors(file, result.errors)
    return info, result


def _t(text: str) -> str:
    from gridwalker.domain.i18n import _

    return _(text)


def _actor(on_hub: bool, home: config.Paths) -> str:
    """Who records: the hub's login, or the laptop's member (from the settings)."""
    if on_hub:
        return hub_actor()
    try:
        return config.load_settings(home).member_name or "cli"
    except ValueError as exc:
        fail(str(exc))
        raise


def _problem(exc: Exception, lang: str) -> None:
    """A refused consultation command: its reason in the command's language, exit 1."""
    from gridwalker.store.consult import ConsultProblem

    fail(exc.in_language(lang) if isinstance(exc, ConsultProblem) else str(exc))


def _coefficient(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict:
    """--coef FLOOR=VALUE (repeatable) as {floor: value}."""
    out: dict[int, str] = {}
    for value in values:
        floor, sep, coef = value.partition("=")
        if not sep or not floor.strip().lstrip("-").isdigit():
            raise click.BadParameter(f"{value!r}: write FLOOR=COEFFICIENT, e.g. 1=0 or 6=1.2")
        out[int(floor)] = coef.strip()
    return out


@main.group()
def consult() -> None:
    """Building consultations (意见征询): the owners' decision or opinion, counted by law."""


@consult.command("new", epilog=epilog("consult_new"))
@click.option("--title", required=True, help="What is asked (the question on the form).")
@click.option("--scope", required=True, help="街道/社区/网格/楼栋[/单元], or GRIDCODE/楼栋[/单元].")
@click.option("--kind", required=True, type=click.Choice(["decision", "survey"]))
@click.option("--matter", type=click.Choice(["major", "ordinary"]), help="A decision's matter.")
@click.option("--option", "options", multiple=True, help="A survey's option (repeat).")
@click.option("--opens", callback=parse_day, help="First day of voting (YYYY-MM-DD).")
@click.option("--closes", callback=parse_day, help="Last day of voting (YYYY-MM-DD).")
@click.option("--cost", help="Elevator cost sharing: the total cost in yuan.")
@click.option("--subsidy", help="Elevator cost sharing: the subsidy in yuan.")
@click.option(
    "--coef",
    "coefficients",
    multiple=True,
    callback=_coefficient,
    help="A floor's cost coefficient, FLOOR=VALUE (repeat; the 1st floor usually 1=0).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id": …}.')
@db_options
def consult_new(
    title: str,
    scope: str,
    kind: str,
    matter: str | None,
    options: tuple[str, ...],
    opens: date | None,
    closes: date | None,
    cost: str | None,
    subsidy: str | None,
    coefficients: dict[int, str],
    as_json: bool,
    db: str | None,
    on_hub: bool,
    lang: str | None,
) -> None:
    """Start a consultation over a building or one unit of it."""
    from gridwalker.store.consult import ConsultProblem
    from gridwalker.store.consult.consultations import create_consultation, find_consultation

    home = home_paths()
    language = _lang(lang, home)
    engine = consult_engine(db, on_hub, home)
    try:
        with engine.begin() as conn:
            uuid = create_consultation(
                conn,
                _actor(on_hub, home),
                title=title,
                scope=scope,
                kind=kind,
                matter=matter,
                options=options,
                opens=opens,
                closes=closes,
                cost=cost,
                subsidy=subsidy,
                coefficients=coefficients,
            )
            info = find_consultation(conn, uuid)
    except ConsultProblem as exc:
        _problem(exc, language)
    finally:
        engine.dispose()
    if as_json:
        _print_json({"id": uuid, "scope": info.scope})
    else:
        click.echo(f"{uuid}  {inert(info.scope)}  {inert(info.title)}")


@consult.group("owners")
def owners() -> None:
    """A consultation's owner register (业主名册)."""


@consult.group("votes")
def votes() -> None:
    """The owners' votes (意见)."""


def _row_errors(path: Path, errors: list[RowError]) -> None:
    """Every bad line, then exit 1 (nothing was written)."""
    for e in errors[:200]:
        click.echo(f"{inert(str(path))}:{e.line}: {e.column or '-'}: {inert(e.message)}", err=True)
    if len(errors) > 200:
        click.echo(f"… +{len(errors) - 200}", err=True)
    fail(_t("{path}: {n} lines in error; nothing was written").format(path=path, n=len(errors)))


@owners.command("import", epilog=epilog("consult_owners"))
@click.argument("ident", metavar="ID")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_options
def owners_import(
    ident: str,
    file: Path,
    dry_run: bool,
    as_json: bool,
    db: str | None,
    on_hub: bool,
    lang: str | None,
) -> None:
    """Import the owner register: columns 楼栋, 单元, 房号, 业主, 面积 (m²) [, 楼层, 未售];
    CSV (UTF-8, BOM, GB18030) or XLSX; all or nothing."""
    from gridwalker.store.consult.register import import_owners

    info, result = _import_file(import_owners, ident, file, dry_run, db, on_hub, lang)
    if as_json:
        _print_json(
            {
                "id": info.uuid,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "linked": result.linked,
                "written": result.written,
            }
        )
        return
    click.echo(
        _t(
            "{path}: {rows} rooms: {created} new, {updated} changed, {unchanged} unchanged; "
            "{linked} linked to a household"
        ).format(
            path=file,
            rows=result.rows,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            linked=result.linked,
        )
        + ("" if result.written else _t(" (checked only: nothing written)"))
    )


@votes.command("import", epilog=epilog("consult_votes"))
@click.argument("ident", metavar="ID")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only check the file.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_options
def votes_import(
    ident: str,
    file: Path,
    dry_run: bool,
    as_json: bool,
    db: str | None,
    on_hub: bool,
    lang: str | None,
) -> None:
    """Import votes: columns 楼栋, 单元, 房号, 意见, 方式, 表单编号, 日期 [, 委托人]; a later
    date replaces the owner's earlier vote (both kept)."""
    from gridwalker.store.consult.votes import import_votes

    info, result = _import_file(import_votes, ident, file, dry_run, db, on_hub, lang)
    if as_json:
        _print_json(
            {
                "id": info.uuid,
                "rows": result.rows,
                "recorded": result.recorded,
                "unchanged": result.unchanged,
                "written": result.written,
            }
        )
        return
    click.echo(
        _t("{path}: {rows} lines: {recorded} votes recorded, {unchanged} already recorded").format(
            path=file, rows=result.rows, recorded=result.recorded, unchanged=result.unchanged
        )
        + ("" if result.written else _t(" (checked only: nothing written)"))
    )


@consult.command("tally", epilog=epilog("consult_tally"))
@click.argument("ident", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_options
def consult_tally(
    ident: str, as_json: bool, db: str | None, on_hub: bool, lang: str | None
) -> None:
    """The count: participation and agreement by heads and by area, passed, what is missing."""
    from gridwalker.store.consult import ConsultProblem
    from gridwalker.store.consult.consultations import find_consultation
    from gridwalker.store.consult.counting import count, tally_json

    home = home_paths()
    language = _lang(lang, home)
    engine = consult_engine(db, on_hub, home)
    try:
        with engine.connect() as conn:
            found = count(conn, find_consultation(conn, ident))
    except ConsultProblem as exc:
        _problem(exc, language)
    finally:
        engine.dispose()
    out = tally_json(found)
    if as_json:
        _print_json(out)
        return
    for line in tally_lines(out, language):
        click.echo(line)


def _pct(ratio: str | None) -> str:
    if ratio is None:
        return "—"
    num, den = (int(x) for x in ratio.split("/"))
    return f"{100 * num / den:.2f}%"


def tally_lines(out: dict[str, Any], lang: str) -> list[str]:
    """The count in words, for a terminal."""
    from gridwalker.domain.consultation import ConsultKind, Matter

    kind = ConsultKind(out["kind"]).label(lang)
    matter = Matter(out["matter"]).label(lang) if out["matter"] else ""
    p = out["participation"]
    lines = [
        f"{inert(out['title'])}  ({inert(out['scope'])})",
        f"{kind} {matter}".rstrip(),
        _t("Register: {rooms} rooms, {owners} owners, {area} m²").format(
            rooms=out["rooms"], owners=out["owners"], area=out["area_total"]
        ),
        _t("Took part: {owners} owners ({op}), {area} m² ({ap})").format(
            owners=p["owners"], op=_pct(p["owners_ratio"]), area=p["area"], ap=_pct(p["area_ratio"])
        ),
    ]
    if out["agree"] is not None:
        a = out["agree"]
        lines.append(
            _t("Agree: {owners} owners ({op}), {area} m² ({ap})").format(
                owners=a["owners"],
                op=_pct(a["owners_ratio"]),
                area=a["area"],
                ap=_pct(a["area_ratio"]),
            )
        )
        if out["passed"]:
            lines.append(_t("Passed"))
        else:
            lines.append(
                _t("Not passed: {owners} more owners / {area} m² agreeing needed").format(
                    owners=out["missing"]["owners"], area=out["missing"]["area"]
                )
            )
    for o in out.get("options", []):
        lines.append(
            f"  {inert(o['option'])}: {o['owners']} ({_pct(o['owners_ratio'])}), "
            f"{o['area']} m² ({_pct(o['area_ratio'])})"
        )
    if out.get("closed_at"):
        lines.append(
            _t("Closed on {day} by {who}: the result is fixed.").format(
                day=out["closed_at"][:10], who=inert(out["closed_by"] or "")
            )
        )
        if out["after_closing"]:
            lines.append(
                _t("{n} votes arrived after closing: kept, not counted.").format(
                    n=out["after_closing"]
                )
            )
    return lines


@consult.command("list", epilog=epilog("consult_list"))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@db_options
def consult_list(as_json: bool, db: str | None, on_hub: bool, lang: str | None) -> None:
    """The consultations of this database, newest first."""
    from gridwalker.store.consult.consultations import list_consultations

    home = home_paths()
    language = _lang(lang, home)
    engine = consult_engine(db, on_hub, home)
    try:
        with engine.connect() as conn:
            found = list_consultations(conn)
    finally:
        engine.dispose()
    items = [
        {
            "id": c.uuid,
            "title": c.title,
            "scope": c.scope,
            "kind": c.kind.value,
            "matter": c.matter.value if c.matter else None,
            "status": c.status.value,
            "opens": c.opens.isoformat() if c.opens else None,
            "closes": c.closes.isoformat() if c.closes else None,
            "rooms": c.rooms,
            "votes": c.votes,
        }
        for c in found
    ]
    if as_json:
        _print_json({"consultations": items})
        return
    if not items:
        click.echo(_t("No consultations yet."), err=True)
    for c in found:
        click.echo(
            f"{c.uuid[:8]}  {c.kind.label(language)}  {c.status.label(language)}  "
            f"{inert(c.scope)}  {inert(c.title)}  ({c.rooms} / {c.votes})"
        )
