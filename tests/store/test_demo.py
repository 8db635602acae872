"""The demo street: deterministic, valid identifiers, every issue status, the right sizes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from gridwalker.demo.street import build_demo
from gridwalker.domain.choices import IssueStatus
from gridwalker.domain.validators import check_phone, check_resident_id, check_uscc
from gridwalker.store.migrate import open_database
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Resident,
    Visit,
)


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Community, Grid, Building, Household, Resident, Visit, Enterprise, Issue)
        }


def test_same_seed_same_street(tmp_path) -> None:
    revs = []
    for name in ("a", "b"):
        engine = open_database(tmp_path / f"{name}.db")
        build_demo(engine, households=120, seed=3, months=2, today=date(2026, 11, 20))
        with engine.connect() as conn:
            revs.append(
                conn.execute(
                    select(Resident.uuid, Resident.rev, Resident.name).order_by(Resident.uuid)
                ).all()
            )
        engine.dispose()
    assert revs[0] == revs[1]


def test_one_grid_laptop_sizes(demo_engine) -> None:
    c = counts(demo_engine)
    assert c["community"] == 9 and c["grid"] == 1
    assert c["household"] == 400
    assert 800 <= c["resident"] <= 1300
    assert 30 <= c["enterprise"] <= 60
    assert c["visit"] > 400 * 10


def test_identifiers_are_valid(demo_engine) -> None:
    with demo_engine.connect() as conn:
        ids = (
            conn.execute(select(Resident.id_number).where(Resident.id_number.is_not(None)))
            .scalars()
            .all()
        )
        phones = (
            conn.execute(select(Resident.phone).where(Resident.phone.is_not(None))).scalars().all()
        )
        codes = conn.execute(select(Enterprise.uscc)).scalars().all()
    assert ids and all(check_resident_id(i) is None for i in ids)
    assert phones and all(check_phone(p) is None for p in phones)
    assert codes and all(check_uscc(c) is None for c in codes)


def test_issues_in_every_status_with_consistent_timelines(demo_engine) -> None:
    with demo_engine.connect() as conn:
        statuses = set(conn.execute(select(Issue.status)).scalars())
        last = conn.execute(
            select(IssueEvent.issue_uuid, IssueEvent.to_status).order_by(
                IssueEvent.issue_uuid, IssueEvent.at
            )
        ).all()
        current = dict(conn.execute(select(Issue.uuid, Issue.status)).all())
    assert statuses >= {s.value for s in IssueStatus} - {"draft"}
    final = {}
    for issue, status in last:
        final[issue] = status
    assert final == current


def test_current_cycle_partly_covered(demo_engine) -> None:
    with demo_engine.connect() as conn:
        visited = conn.execute(
            select(func.count(func.distinct(Visit.household_uuid))).where(
                Visit.visited_on >= date(2026, 11, 1), Visit.outcome != "nobody_home"
            )
        ).scalar_one()
    assert 0 < visited < 400


def test_real_places_of_xinhua_street(demo_engine) -> None:
    with demo_engine.connect() as conn:
        names = set(conn.execute(select(Community.name)).scalars())
        towers = set(
            conn.execute(select(Building.name).where(Building.kind == "commercial")).scalars()
        )
    assert {"邮三社区", "江北社区", "单洞社区"} <= names
    assert "良友大厦" in towers


def test_the_demo_elevator_in_yousan_stands_close_to_passing(demo_engine) -> None:  # noqa: ANN001
    from gridwalker.store.consult.consultations import list_consultations
    from gridwalker.store.consult.counting import count

    with demo_engine.connect() as conn:
        [elevator] = list_consultations(conn)  # one grid of 邮三社区: no 江北 grid to survey
        found = count(conn, elevator)
    assert "邮三社区" in elevator.scope and elevator.matter.value == "major"
    t = found.tally
    assert t.participation.met and not t.passed
    assert 1 <= t.missing.owners <= 3
    assert t.owners == t.rooms - 1  # one owner holds two rooms
    assert len(found.history) > len(found.latest)  # owners who changed their minds
    assert t.not_asked  # rooms still to visit
