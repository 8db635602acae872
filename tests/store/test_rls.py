"""Row-level security on a PostgreSQL hub: a street's login reading, changing and deleting
another street's rows through raw SQL gets nothing; its own street works; an admin login
sees all; decisions record `current_user`; `hub user add` (real server, no mocks)."""

from __future__ import annotations

import uuid as uuid_mod
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from gridwalker import config
from gridwalker.cli import main
from gridwalker.store import rls
from gridwalker.store.desk import coverage_lists as cl
from gridwalker.store.desk.arrivals import ARRIVALS_MARK, record_arrivals
from gridwalker.store.desk.coverage import coverage_table
from gridwalker.store.desk.decisions import approve
from gridwalker.store.desk.errors import ReviewError
from gridwalker.store.desk.people import desk_actor
from gridwalker.store.desk.queue import QueueFilter, queue_count
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import Street
from gridwalker.store.tables.hub import HubUser
from gridwalker.store.tables.review import HubDecision, HubMark, HubReview
from tests.support.demo import DEMO_TODAY
from tests.support.hubs import Desk
from tests.support.laptops import Field
from tests.support.streets import OTHER_STREET, OtherStreet, add_other_street

pytestmark = pytest.mark.parametrize("hub_engine", ["postgresql"], indirect=True)

Login = Callable[[str, str], Engine]


@pytest.fixture
def two_streets(desk: Desk, field_a: Field) -> tuple[str, OtherStreet]:
    """The demo street (from a laptop's bundle) and another written at the hub."""
    assert desk.one(field_a.export().path).status == "applied"
    desk.arrivals()
    other = add_other_street(desk.engine)
    with desk.engine.connect() as conn:
        demo = conn.execute(select(Street.uuid).where(Street.uuid != other.street)).scalar_one()
    return demo, other


@pytest.fixture
def login(desk: Desk) -> Iterator[Login]:
    """Make a login (`rls.add_login`, as the hub's owner) and an engine connected as it; the
    roles go when the test ends (roles are the cluster's, shared by every test database)."""
    made: list[tuple[str, Engine]] = []

    def make(street_uuid: str, role: str) -> Engine:
        name = f"gwt_{role[:3]}_{uuid_mod.uuid4().hex[:10]}"
        with desk.engine.begin() as conn:
            rls.add_login(conn, name, street_uuid, role)
        url = make_url(str(desk.db)).set(username=name, password=None)
        engine = create_engine(url)
        made.append((name, engine))
        return engine

    yield make
    for name, engine in made:
        engine.dispose()
        with desk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))


def _count(engine: Engine, table: str, where: str = "true", **params: object) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text(f"SELECT count(*) FROM {table} WHERE {where}"), params
        ).scalar_one()


def test_a_street_login_sees_only_its_street(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    demo, other = two_streets
    sup = login(demo, "supervisor")
    for table in rls.STREET_TABLES:
        assert _count(sup, table, "street_uuid = :s", s=other.street) == 0, table
        assert _count(sup, table, "street_uuid IS DISTINCT FROM :s", s=demo) == 0, table
        assert _count(sup, table) == _count(desk.engine, table, "street_uuid = :s", s=demo), table
    for table in ("household", "resident", "visit", "hub_review", "building", "grid"):
        assert _count(sup, table) > 0, table
    # By record: versions, decisions, the audit trail and the search index of the other
    # street's records are out of sight; the demo street's are there.
    for table in ("hub_rev", "audit", "search_doc"):
        theirs = [*other.households, *other.residents, other.visit, other.issue]
        assert _count(sup, table, "uuid = ANY(:u)", u=theirs) == 0, table
        assert _count(desk.engine, table, "uuid = ANY(:u)", u=theirs) > 0 or table == "hub_rev"
    assert _count(sup, "hub_rev") == _count(desk.engine, "hub_rev")  # every version is the demo's
    # Streets and communities are names, seen by all: the login knows the other street exists.
    assert _count(sup, "street") == 2


def test_a_street_login_changes_and_deletes_nothing_of_another_street(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    demo, other = two_streets
    sup = login(demo, "supervisor")
    theirs = other.households[0]
    with desk.engine.connect() as conn:
        before = conn.execute(
            text("SELECT head_name, rev FROM household WHERE uuid = :u"), {"u": theirs}
        ).one()
        mine = conn.execute(
            text("SELECT uuid FROM household WHERE street_uuid = :s LIMIT 1"), {"s": demo}
        ).scalar_one()
    with sup.begin() as conn:
        for sql in (
            "UPDATE household SET head_name = '改' WHERE uuid = :u",
            "DELETE FROM resident WHERE household_uuid = :u",
            "DELETE FROM visit WHERE household_uuid = :u",
            "UPDATE hub_review SET state = 'approved' WHERE uuid = :u",
            "DELETE FROM hub_review WHERE uuid = :u",
            "DELETE FROM search_doc WHERE uuid = :u",
        ):
            assert conn.execute(text(sql), {"u": theirs}).rowcount == 0, sql
        # Nor by a wider statement: only its own street's rows are reached.
        done = conn.execute(text("UPDATE issue SET description = description")).rowcount
        assert done == _count(desk.engine, "issue", "street_uuid = :s", s=demo)
        assert (
            conn.execute(
                text("UPDATE household SET head_name = head_name WHERE uuid = :u"), {"u": mine}
            ).rowcount
            == 1
        )
    with desk.engine.connect() as conn:
        after = conn.execute(
            text("SELECT head_name, rev FROM household WHERE uuid = :u"), {"u": theirs}
        ).one()
        assert after == before
        assert (
            conn.execute(
                text("SELECT count(*) FROM resident WHERE household_uuid = :u"), {"u": theirs}
            ).scalar_one()
            == 1
        )
        assert (
            conn.execute(
                text("SELECT count(*) FROM visit WHERE uuid = :u"), {"u": other.visit}
            ).scalar_one()
            == 1
        )
    # Nor can it write a row into the other street (the policy's WITH CHECK).
    with pytest.raises(ProgrammingError, match="row-level security"), sup.begin() as conn:
        conn.execute(
            text("UPDATE household SET street_uuid = :s WHERE uuid = :u"),
            {"s": other.street, "u": mine},
        )
    with pytest.raises(ProgrammingError, match="row-level security"), sup.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO hub_decision (entity, uuid, rev, state, comment, actor, at) "
                "VALUES ('household', :u, 'x', 'approved', '', 'me', now())"
            ),
            {"u": theirs},
        )


def test_an_admin_login_sees_all_and_a_login_without_a_row_sees_nothing(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    demo, other = two_streets
    admin = login(other.street, "admin")
    for table in (*rls.STREET_TABLES, *rls.RECORD_TABLES):
        assert _count(admin, table) == _count(desk.engine, table), table
    # A role granted by hand but named in no hub_user row: the policies give it nothing.
    sup = login(demo, "supervisor")
    name = sup.url.username
    with desk.engine.begin() as conn:
        conn.execute(HubUser.__table__.delete().where(HubUser.login == name))
    for table in ("household", "visit", "hub_review"):
        assert _count(sup, table) == 0, table
    # … but the names of streets and communities, and their versions.
    assert _count(sup, "hub_rev", "entity NOT IN ('street', 'community')") == 0
    assert _count(sup, "hub_rev") == _count(
        desk.engine, "hub_rev", "entity IN ('street', 'community')"
    )


def test_decisions_record_the_login_and_reach_only_its_street(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    demo, other = two_streets
    sup = login(demo, "supervisor")
    name = sup.url.username
    with desk.engine.connect() as conn:
        mine = conn.execute(
            select(HubReview.entity, HubReview.uuid)
            .where(HubReview.street_uuid == demo, HubReview.current, HubReview.state == "received")
            .limit(1)
        ).one()
        decisions = conn.execute(select(func.count()).select_from(HubDecision)).scalar_one()
    with sup.begin() as conn:
        actor = desk_actor(conn, "不相干的名字", None)  # the login decides, whatever --as says
        assert actor == name == conn.execute(text("SELECT current_user")).scalar_one()
        assert approve(conn, [(mine.entity, mine.uuid)], actor) == 1
    with pytest.raises(ReviewError), sup.begin() as conn:
        approve(conn, [("household", other.households[0])], name)
    with desk.engine.connect() as conn:
        row = conn.execute(
            select(HubReview.state, HubReview.decided_by).where(
                HubReview.uuid == mine.uuid, HubReview.current
            )
        ).one()
        assert row == ("approved", name)
        logged = conn.execute(
            select(HubDecision.actor, HubDecision.uuid).order_by(HubDecision.id.desc())
        ).first()
        assert logged == (name, mine.uuid)
        assert (
            conn.execute(select(func.count()).select_from(HubDecision)).scalar_one()
            == decisions + 1
        )


def test_a_login_claims_its_street_s_records_and_sees_no_claim_of_another_street(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    from gridwalker.store.desk.claims import claim, live_claim

    demo, other = two_streets
    sup = login(demo, "supervisor")
    with desk.engine.connect() as conn:
        mine = conn.execute(
            select(HubReview.entity, HubReview.uuid)
            .where(HubReview.street_uuid == demo, HubReview.current)
            .limit(1)
        ).one()
    with desk.engine.begin() as conn:  # the other street's supervisor (the owner here) has one
        claim(conn, "household", other.households[0], "desk-other", "别街主任")
    with sup.begin() as conn:
        held = claim(conn, mine.entity, mine.uuid, "desk-1", sup.url.username)
        assert held.holder == "desk-1"
        assert live_claim(conn, "household", other.households[0]) is None
    assert _count(sup, "hub_claim") == 1
    with pytest.raises(ProgrammingError), sup.begin() as conn:  # its row would be invisible
        claim(conn, "household", other.households[1], "desk-1", sup.url.username)
    assert _count(desk.engine, "hub_claim") == 2


def test_a_confined_login_records_no_arrivals(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    """The arrivals mark is the whole hub's: a login seeing one street must not advance it."""
    demo, _other = two_streets
    sup = login(demo, "supervisor")
    with desk.engine.connect() as conn:
        mark = conn.execute(select(HubMark.value).where(HubMark.name == ARRIVALS_MARK)).scalar()
    with sup.begin() as conn:
        assert rls.confined(conn)
        assert record_arrivals(conn) == 0
    with desk.engine.connect() as conn:
        assert not rls.confined(conn)
        assert (
            conn.execute(select(HubMark.value).where(HubMark.name == ARRIVALS_MARK)).scalar()
            == mark
        )


def _cli(*args: str, home: Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, list(args), env={config.HOME_ENV: str(home)}, catch_exceptions=False
    )
    return result.exit_code, result.stdout, result.stderr


def _role_exists(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return (
            conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
            is not None
        )


def test_hub_user_add_twice_is_idempotent_and_a_bad_street_writes_nothing(
    desk: Desk, two_streets: tuple[str, OtherStreet], tmp_path: Path
) -> None:
    _demo, other = two_streets
    name = f"gwt_cli_{uuid_mod.uuid4().hex[:10]}"
    db = str(desk.db)
    try:
        code, out, err = _cli(
            "hub", "user", "add", name, "--street", "汉口街道", "--db", db, home=tmp_path
        )
        assert code == 2 and "汉口街道" in err and OTHER_STREET in err
        assert not _role_exists(desk.engine, name)
        assert _count(desk.engine, "hub_user") == 0

        code, out, err = _cli(
            "hub", "user", "add", name, "--street", OTHER_STREET, "--db", db, home=tmp_path
        )
        assert code == 0, err
        assert name in out and OTHER_STREET in out
        code, again, err = _cli(
            "hub", "user", "add", name, "--street", OTHER_STREET, "--db", db, home=tmp_path
        )
        assert code == 0, err and again != out
        with desk.engine.connect() as conn:
            rows = conn.execute(select(HubUser.login, HubUser.street_uuid, HubUser.role)).all()
        assert rows == [(name, other.street, "supervisor")]
        assert _role_exists(desk.engine, name)
        url = make_url(db).set(username=name)
        engine = create_engine(url)
        try:
            assert _count(engine, "household") == 2
        finally:
            engine.dispose()
    finally:
        if _role_exists(desk.engine, name):
            with desk.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"DROP OWNED BY {name}"))
                conn.execute(text(f"DROP ROLE {name}"))

    for bad in ("Wang Li", "1abc", "postgres", "x" * 64):
        code, _out, err = _cli(
            "hub", "user", "add", bad, "--street", OTHER_STREET, "--db", db, home=tmp_path
        )
        assert code == 2 and bad[:10] in err, bad
    assert _count(desk.engine, "hub_user", "login <> :n", n=name) == 0


def test_a_login_opens_the_hub_and_its_desk_shows_its_street_alone(
    desk: Desk, two_streets: tuple[str, OtherStreet], login: Login
) -> None:
    """The desk as a supervisor opens it (their own URL): the coverage, the queue and the
    lists hold its street, with no district total; the owner's desk shows both streets."""
    demo, other = two_streets
    sup = login(other.street, "supervisor")
    opened = open_database(sup.url.render_as_string(hide_password=False))
    try:
        with opened.connect() as conn:
            table = coverage_table(conn, DEMO_TODAY)
            assert {r.street_uuid for r in table} == {other.street}
            assert [r.level for r in table] == ["community", "grid", "street"]
            assert table[-1].households == 2
            assert queue_count(conn, QueueFilter(states=frozenset())) == 7
            assert cl.household_count(conn, cl.Area(), None, DEMO_TODAY) == 2
    finally:
        opened.dispose()
    with desk.engine.connect() as conn:
        table = coverage_table(conn, DEMO_TODAY)
        assert {r.street_uuid for r in table if r.level == "street"} == {demo, other.street}
        assert table[-1].level == "district"
