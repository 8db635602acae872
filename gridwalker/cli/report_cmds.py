"""`gridwalker report …`: report files for the sub-district (CLI.md)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gridwalker.cli import consult_cmds
from gridwalker.cli.common import (
    NO_FOLDER,
    DatabaseUrl,
    fail,
    home_paths,
    hub_db_option,
    no_database,
    parse_day,
    pick_language,
)
from gridwalker.cli.root import main

if TYPE_CHECKING:
    from sqlalchemy import Connection

REPORT_SUFFIXES = (".csv", ".xlsx")
COVERAGE_EXAMPLE = (
    "\b\nExample:\n  gridwalker report coverage --out 覆盖情况.xlsx --today 2026-11-20"
)
CENSUS_EXAMPLE = (
    "\b\nExample:\n"
    "  gridwalker report census --out 楼宇企业普查.xlsx\n"
    "  gridwalker report census --out 良友大厦.csv --tower 良友大厦 --with-contacts"
)


def _report_file(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """The --out file: its suffix must name a format we write."""
    if value.suffix.lower() not in REPORT_SUFFIXES:
        raise click.BadParameter(
            f"{value.name!r} must end in .xlsx or .csv (报表文件名须以 .xlsx 或 .csv 结尾)"
        )
    return value


def _out_option(help_text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`--out FILE`: the report file to write, .xlsx or .csv."""
    return click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        callback=_report_file,
        help=help_text,
    )


@main.group()
def report() -> None:
    """Report files for the sub-district (报表)."""


@report.command("census", epilog=CENSUS_EXAMPLE)
@_out_option("The file to write: .xlsx or .csv (UTF-8 with BOM, opens in Excel).")
@click.option(
    "--with-contacts",
    is_flag=True,
    help="Write contact phones in full (masked as 138****1234 otherwise).",
)
@click.option("--tower", "tower", help="Only the enterprises of this tower (its name).")
@click.option("--street", "street", help="Only this street's enterprises (its name or code).")
@hub_db_option("The database: a file or a URL (default: the field database).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of headers and values.")
def report_census(
    out: Path,
    with_contacts: bool,
    tower: str | None,
    street: str | None,
    db: Path | DatabaseUrl | None,
    lang: str | None,
) -> None:
    """The party-building information base (党建工作信息库): every enterprise present."""
    from gridwalker.domain.i18n import _, language, set_language
    from gridwalker.store.census import InfoFilter
    from gridwalker.store.reports import write_census_report

    home = home_paths()
    set_language(pick_language(lang, home))
    with _report_reading(db or home.field_db, out) as conn:
        street_uuid = _street_uuid(conn, street)
        try:
            tower_uuid = _tower_uuid(conn, tower) if tower else None
        except LookupError as exc:
            fail(str(exc.args[0]))
        rows = write_census_report(
            conn,
            out,
            InfoFilter(tower_uuid=tower_uuid, street_uuid=street_uuid),
            with_contacts=with_contacts,
            lang=language(),
        )
    if with_contacts:
        click.echo(
            _(
                "{path} holds personal data (full contact phone numbers): share it with care."
            ).format(path=out),
            err=True,
        )
    click.echo(_("{path}: {n} enterprises").format(path=out, n=rows))


@contextmanager
def _report_reading(db: Path | DatabaseUrl, out: Path) -> Iterator[Connection]:
    """The connection a report reads through: the database must exist and the folder to
    write in too (exit 1 otherwise, nothing written); a file that cannot be written is a clear
    error (exit 1), not a traceback."""
    from gridwalker.cli.unlock import open_laptop
    from gridwalker.domain.i18n import _

    if not db.exists():
        fail(no_database(db))
    if not out.parent.is_dir():
        fail(f"{out.parent}: {NO_FOLDER}")
    engine = open_laptop(db)
    try:
        with engine.connect() as conn:
            yield conn
    except OSError as exc:
        fail(
            _("{path}: cannot write the report: {reason}").format(
                path=out, reason=exc.strerror or exc
            )
        )
    finally:
        engine.dispose()


def _street_uuid(conn: Connection, street: str | None) -> str | None:
    """The street a `--street` names (by name, code or uuid), or None; one that is not there
    is wrong usage (exit 2, naming the streets there are)."""
    from gridwalker.store.streets import UnknownStreet, find_street

    if not street:
        return None
    try:
        return find_street(conn, street)
    except UnknownStreet as exc:
        fail(str(exc), 2)


@report.command("coverage", epilog=COVERAGE_EXAMPLE)
@_out_option("The file to write: .xlsx or .csv (UTF-8 with BOM, opens in Excel).")
@hub_db_option(
    "The database: a file or a URL (default: hub.db if there is one, else the field database)."
)
@click.option("--today", callback=parse_day, help="As of this day (YYYY-MM-DD); default: today.")
@click.option("--street", "street", help="Only this street (its name or code).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of the headers.")
def report_coverage(
    out: Path,
    db: Path | DatabaseUrl | None,
    today: date | None,
    street: str | None,
    lang: str | None,
) -> None:
    """Coverage per street, community and grid: visits, care, census, party organisations,
    issues."""
    from gridwalker.domain.i18n import _, language, set_language
    from gridwalker.store.desk.coverage import write_coverage_report

    home = home_paths()
    set_language(pick_language(lang, home))
    db = db or (home.hub_db if home.hub_db.exists() else home.field_db)
    with _report_reading(db, out) as conn:
        street_uuid = _street_uuid(conn, street)
        rows = write_coverage_report(conn, out, today, lang=language(), street_uuid=street_uuid)
    click.echo(_("{path}: {n} rows (street, communities, grids)").format(path=out, n=rows))


def _tower_uuid(conn: Connection, name: str) -> str:
    """The uuid of the one live building named `name`; LookupError when none or several."""
    from sqlalchemy import false, select

    from gridwalker.store.tables import Building, Enterprise

    stmt = select(Building.uuid).where(Building.name == name.strip(), Building.deleted == false())
    found = list(conn.execute(stmt).scalars())
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise LookupError(
            f"{len(found)} buildings are named {name!r}; the report cannot tell them apart."
        )
    with_enterprises = select(Building.name).where(
        Building.deleted == false(),
        Building.uuid.in_(select(Enterprise.building_uuid).where(Enterprise.deleted == false())),
    )
    names = sorted(set(conn.execute(with_enterprises).scalars()))
    known = "、".join(names) if names else "none"
    raise LookupError(f"no tower named {name!r}; towers with enterprises: {known}")


CONSULTATION_EXAMPLE = (
    "\b\nExample:\n"
    "  gridwalker report consultation 6d2c538d --out 1栋1单元加装电梯.xlsx\n"
    "  gridwalker report consultation 6d2c538d --out 停车方案.csv --hub --db hub.db"
)


@report.command("consultation", epilog=CONSULTATION_EXAMPLE)
@click.argument("ident", metavar="ID")
@_out_option(
    "The file to write: .xlsx (rooms, totals and the printable 意见征询表 for A4) or .csv "
    "(rooms, then totals)."
)
@click.option(
    "--with-contacts",
    is_flag=True,
    help="Write owners' and proxies' names in full (masked as 张* otherwise).",
)
@consult_cmds.db_options
def report_consultation(
    ident: str,
    out: Path,
    with_contacts: bool,
    db: str | None,
    on_hub: bool,
    lang: str | None,
) -> None:
    """A building consultation: every room's vote, the count against the thresholds, the form."""
    from gridwalker.domain.i18n import _, language, set_language
    from gridwalker.store.consult import ConsultProblem
    from gridwalker.store.consult.consultations import find_consultation
    from gridwalker.store.consult.counting import count
    from gridwalker.store.consult.report import write_consultation_report

    home = home_paths()
    set_language(pick_language(lang, home))
    if not out.parent.is_dir():
        fail(f"{out.parent}: {NO_FOLDER}")
    engine = consult_cmds.consult_engine(db, on_hub, home)
    try:
        with engine.connect() as conn:
            found = count(conn, find_consultation(conn, ident))
        rooms = write_consultation_report(found, out, with_contacts=with_contacts, lang=language())
    except ConsultProblem as exc:
        fail(exc.in_language(language()))
    except OSError as exc:
        fail(
            _("{path}: cannot write the report: {reason}").format(
                path=out, reason=exc.strerror or exc
            )
        )
    finally:
        engine.dispose()
    if with_contacts:
        click.echo(
            _("{path} holds personal data (owners' names in full): share it with care.").format(
                path=out
            ),
            err=True,
        )
    click.echo(_("{path}: {n} rooms").format(path=out, n=rooms))
