"""The demo hub (`gridwalker hub --demo`): the demo street as received from its laptops.

The street is built once (demo.street), then each grid's laptop — one demo device per grid,
with its own signing key and age identity, enrolled at the hub — sends one full bundle of its
grid, made and signed exactly as a laptop's bundle, encrypted to the demo hub; the hub imports
them through the real import. A second round gives the desk something to do: corrections of
returned records (corrected), the same households edited on two laptops (conflicts), a bundle
after a gap (held) and one from a laptop nobody enrolled (quarantined). Older records are
approved, a few returned with a comment, two issues accepted at the hub.
"""

from __future__ import annotations

import io
import json
import random
import shutil
import uuid as uuid_mod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, select, true

from gridwalker import __version__, config
from gridwalker.config import Paths, private_dir
from gridwalker.demo.street import build_demo
from gridwalker.demo.street_data import FULL_HOUSEHOLDS
from gridwalker.domain import clock
from gridwalker.domain.choices import IssueStatus
from gridwalker.domain.workflow import IssueAction
from gridwalker.store import ledger
from gridwalker.store.desk.arrivals import record_arrivals
from gridwalker.store.desk.conflicts import conflict_count
from gridwalker.store.desk.decisions import approve, issue_action, return_item
from gridwalker.store.desk.people import add_supervisor
from gridwalker.store.desk.queue import QueueFilter, state_counts
from gridwalker.store.migrate import open_database
from gridwalker.store.revs import json_value, next_rev
from gridwalker.store.tables import (
    SYNCED_TABLES,
    Building,
    CensusRecord,
    Community,
    Consultation,
    ConsultRoom,
    ConsultVote,
    Enterprise,
    Grid,
    Household,
    Issue,
    IssueEvent,
    Member,
    Resident,
    Visit,
    data_columns,
)
from gridwalker.store.tables.review import HubReview
from gridwalker.sync import bundle as fmt
from gridwalker.sync.hub.enrol import enroll
from gridwalker.sync.hub.intake import import_paths
from gridwalker.sync.keys import (
    hub_key_path,
    hub_signing_paths,
    init_device_identity,
    init_device_key,
    init_hub_identity,
    init_hub_signing_key,
    load_device_key,
    load_hub_identity,
)

Progress = Callable[[str, int, int], None]
SUPERVISOR = "王建华"
RETURN_COMMENTS = [
    "关爱对象的走访情况没有填写，请补充。",
    "门牌号与花名册不一致，请核实。",
    "走访结果写的是“无人在家”，但填写了见到的居民，请更正。",
    "联系电话位数不对，请核对后重新填写。",
    "诉求描述过于简单，请补充具体位置和涉及人数。",
]
APPROVE_BEFORE_DAYS = 5
RETURN_SHARE = 0.01


@dataclass
class DemoHubSummary:
    """What the demo hub build made."""

    households: int
    devices: int
    bundles: int
    states: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    held: int = 0
    quarantined: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class _DemoDevice:
    device_id: str
    home: Paths
    member: str
    grid_uuid: str
    recipient: str
    seq: int = 0
    prev_sha: str = ""
    change: int = 0


def _grid_rows(entity: str, grid: str, community: str, member: str | None) -> Select[Any]:
    """The rows of one grid's laptop for an entity (its places, people, visits, census)."""
    model = SYNCED_TABLES[entity]
    stmt = select(model.__table__)
    in_grid = select(Building.uuid).where(Building.grid_uuid == grid)
    households = select(Household.uuid).where(Household.building_uuid.in_(in_grid))
    consultations = select(Consultation.uuid).where(Consultation.grid_uuid == grid)
    filters = {
        "street": None,
        "community": Community.uuid == community,
        "member": Member.uuid == member,
        "grid": Grid.uuid == grid,
        "building": Building.grid_uuid == grid,
        "household": Household.building_uuid.in_(in_grid),
        "resident": Resident.household_uuid.in_(households),
        "visit": Visit.household_uuid.in_(households),
        "enterprise": Enterprise.building_uuid.in_(in_grid),
        "census_record": CensusRecord.enterprise_uuid.in_(
            select(Enterprise.uuid).where(Enterprise.building_uuid.in_(in_grid))
        ),
        "issue": Issue.grid_uuid == grid,
        "issue_event": IssueEvent.issue_uuid.in_(select(Issue.uuid).where(Issue.grid_uuid == grid)),
        "consultation": Consultation.grid_uuid == grid,
        "consult_room": ConsultRoom.consultation_uuid.in_(consultations),
        "consult_vote": ConsultVote.consultation_uuid.in_(consultations),
    }
    condition = filters[entity]
    return stmt if condition is None else stmt.where(condition)


def _record(entity: str, row: Any, change: int, **over: Any) -> dict[str, Any]:
    data = {name: json_value(row[name]) for name in data_columns(entity)}
    data.update(over.pop("data", {}))
    record = {
        "entity": entity,
        "uuid": row["uuid"],
        "op": "delete" if row["deleted"] else "upsert",
        "rev": row["rev"],
        "base_rev": row["base_rev"],
        "origin": None,
        "change": change,
        "updated_at": row["updated_at"].isoformat(),
        "updated_by": row["updated_by"],
        "data": data,
    }
    record.update(over)
    return record


def _write_bundle(
    device: _DemoDevice,
    hub_recipient: str,
    records: dict[str, list[dict[str, Any]]],
    out: Path,
    *,
    kind: str,
    seq: int | None = None,
) -> Path:
    """A device bundle of the demo laptop, as `export` writes it (signed, encrypted)."""
    import pyrage
    from pyrage import x25519

    key = load_device_key(device.home)
    seq = seq or device.seq + 1
    count = sum(len(v) for v in records.values())
    now = clock.now().replace(microsecond=0)
    manifest: dict[str, Any] = {
        "format": fmt.FORMAT,
        "format_version": fmt.FORMAT_VERSION,
        "app_version": __version__,
        "schema_version": "",
        "bundle_id": str(uuid_mod.uuid4()),
        "device_id": device.device_id,
        "device_key_id": key.key_id,
        "member": device.member,
        "hub": hub_recipient,
        "created_at": now.isoformat(),
        "seq": seq,
        "prev_manifest_sha256": device.prev_sha if seq == device.seq + 1 else "0" * 64,
        "kind": kind,
        "from_change": device.change + 1,
        "to_change": device.change + count,
    }
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    for entity in SYNCED_TABLES:
        for record in records.get(entity, []):
            device.change += 1
            record["change"] = device.change

    def entities() -> Iterator[tuple[str, Iterator[list[str]]]]:
        for entity in SYNCED_TABLES:
            yield entity, iter([[dumps(r) for r in records.get(entity, [])]])

    name = fmt.bundle_name(device.device_id, seq, encrypted=True)
    trusted = f"timestamp:{int(now.timestamp())}\tfile:{fmt.MANIFEST}\tbundle:{name}"
    buffer = io.BytesIO()
    written = fmt.write_zip(buffer, manifest, entities(), lambda d: key.sign(d, trusted))
    path = out / name
    path.write_bytes(pyrage.encrypt(buffer.getvalue(), [x25519.Recipient.from_str(hub_recipient)]))
    if seq == device.seq + 1:
        device.seq = seq
        device.prev_sha = fmt.sha256_hex(written.manifest_bytes)
    return path


def _new_device(root: Path, device_id: str, member: str, grid: str) -> _DemoDevice:
    home = config.paths(root / device_id)
    init_device_key(home)
    recipient, _path = init_device_identity(home, clock.now())
    return _DemoDevice(device_id, home, member, grid, recipient)


def build_demo_hub(
    home: Paths,
    progress: Progress | None = None,
    *,
    households: int = FULL_HOUSEHOLDS,
    months: int = 12,
    seed: int = 7,
    today: date | None = None,
    db: Path | str | None = None,
) -> DemoHubSummary:
    """Build the demo hub into `home` (hub.db unless `db`: a file, or a PostgreSQL URL);
    refuses an existing file, or a database that already holds a hub's books."""
    import time

    tick = progress or (lambda *_: None)
    day = today or clock.today()
    url = str(db) if db is not None and "://" in str(db) else None
    target = Path(db or home.hub_db) if url is None else None
    if target is not None and target.exists():
        raise FileExistsError(f"{target} already exists")
    if url is not None and demo_hub_present(url):
        raise FileExistsError(f"{url} already holds a hub")
    work = home.data / "demo-hub-build"
    shutil.rmtree(work, ignore_errors=True)
    private_dir(work / "inbox")
    private_dir(work / "round2")
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with clock.frozen(day):
        street = open_database(work / "street.db")
        build_demo(
            street,
            households=households,
            seed=seed,
            months=months,
            today=day,
            progress=_stage(tick, 1, "street"),
        )
        seconds["street"] = time.perf_counter() - started
        if not hub_key_path(home).exists():
            init_hub_identity(home, clock.now())
        if not hub_signing_paths(home)[0].exists():
            init_hub_signing_key(home)
        _identity, hub_recipient = load_hub_identity(home)
        if target is not None:
            # A file is built aside and put in place whole: a broken build leaves no hub.db.
            tmp = target.with_name(target.name + ".building")
            for leftover in tmp.parent.glob(tmp.name + "*"):
                leftover.unlink()
            hub = open_database(tmp)
        else:
            hub = open_database(url)
        with hub.begin() as conn:
            add_supervisor(conn, SUPERVISOR)  # who decides at the demo desk
        try:
            summary = receive_street(
                street, hub, home, work, hub_recipient, seed, day, tick, seconds
            )
        finally:
            street.dispose()
        if target is not None:
            with hub.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        hub.dispose()
    if target is not None:
        tmp.replace(target)
    shutil.rmtree(work, ignore_errors=True)
    seconds["total"] = time.perf_counter() - started
    summary.seconds = seconds
    return summary


def demo_hub_present(db: Path | str) -> bool:
    """Whether the database `db` (a file or a URL) already holds a hub: bundles in its
    ledger (a PostgreSQL database is there before the demo is built into it)."""
    from sqlalchemy import func, inspect

    from gridwalker.store.tables.hub import HubLedger

    if "://" not in str(db) and not Path(db).exists():
        return False
    engine = open_database(db)
    try:
        if not inspect(engine).has_table(HubLedger.__tablename__):
            return False
        with engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(HubLedger)).scalar_one())
    finally:
        engine.dispose()


def _stage(tick: Progress, n: int, name: str) -> Progress:
    """Progress of one of the build's stages, labelled "n/5 name: step"."""
    return lambda label, done, total: tick(f"{n}/5 {name}: {label}", done, total)


def receive_street(
    street: Engine,
    hub: Engine,
    home: Paths,
    work: Path,
    hub_recipient: str,
    seed: int,
    day: date,
    tick: Progress,
    seconds: dict[str, float],
    *,
    second_round: bool = True,
    devices_dir: Path | None = None,
) -> DemoHubSummary:
    """A built street received by the hub `hub`: one demo laptop per grid (its keys under
    `devices_dir`) sends a full bundle, the real import takes them in, arrivals are recorded
    and older records decided; with `second_round` the corrections, conflicts, a held and a
    quarantined bundle follow (demo.hub's second round)."""
    import time

    devices_dir = devices_dir or home.data / "demo-devices"

    rng = random.Random(seed)
    devices: list[_DemoDevice] = []
    t = time.perf_counter()
    with street.connect() as conn:
        grids = conn.execute(
            select(Grid.uuid, Grid.code, Grid.community_uuid, Grid.member_uuid, Member.name)
            .join(Member, Member.uuid == Grid.member_uuid)
            .order_by(Grid.code)
        ).all()
        n_households = conn.execute(select(Household.uuid)).all()
        for n, (grid, code, community, member_uuid, member) in enumerate(grids, start=1):
            tick(f"2/5 bundles: {code}", n, len(grids))
            device = _new_device(devices_dir, f"demo-{code.lower()}", member, grid)
            enroll(hub, device.home.keys / "device.pub", member, device.recipient)
            records = {
                entity: [
                    _record(entity, row, 0)
                    for row in conn.execute(_grid_rows(entity, grid, community, member_uuid))
                    .mappings()
                    .all()
                ]
                for entity in SYNCED_TABLES
            }
            _write_bundle(device, hub_recipient, records, work / "inbox", kind="full")
            devices.append(device)
    seconds["bundles"] = time.perf_counter() - t
    t = time.perf_counter()
    import_paths(hub, home, [work / "inbox"], progress=_stage(tick, 3, "import"))
    seconds["import"] = time.perf_counter() - t
    t = time.perf_counter()
    with hub.begin() as conn:
        tick("4/5 review: arrivals", 0, 1)
        record_arrivals(conn)
        returned = _decide(conn, rng, day, _stage(tick, 4, "review"))
    bundles = len(devices)
    if second_round:
        tick("5/5 second round", 0, 1)
        bundles += _second_round(
            street, hub, home, work, hub_recipient, devices, returned, devices_dir
        )
    with hub.begin() as conn:
        record_arrivals(conn)
        for issue in (
            conn.execute(
                select(Issue.uuid)
                .where(Issue.status == IssueStatus.REPORTED.value)
                .order_by(Issue.uuid)
                .limit(2)
            ).scalars()
            if second_round
            else ()
        ):
            issue_action(conn, issue, IssueAction.ACCEPT, SUPERVISOR, "已受理，转物业处理")
        states = state_counts(conn, QueueFilter(states=frozenset()))
        conflicts = conflict_count(conn)
        held = len(ledger.held_bundles(conn))
        quarantined = len(ledger.quarantined(conn))
    seconds["review"] = time.perf_counter() - t
    tick("5/5 second round", 1, 1)
    return DemoHubSummary(
        households=len(n_households),
        devices=len(devices),
        bundles=bundles,
        states=states,
        conflicts=conflicts,
        held=held,
        quarantined=quarantined,
    )


def _decide(
    conn: Connection, rng: random.Random, day: date, tick: Progress
) -> list[tuple[str, str, str | None]]:
    """Approve what is older than a few days, return a few with a comment."""
    cutoff = day - timedelta(days=APPROVE_BEFORE_DAYS)
    rows = conn.execute(
        select(HubReview.entity, HubReview.uuid, HubReview.device_id, HubReview.day)
        .where(HubReview.current == true())
        .order_by(HubReview.id)
    ).all()
    returned = []
    to_approve = []
    for entity, uuid, device, when in rows:
        if entity in ("visit", "issue", "census_record") and rng.random() < RETURN_SHARE:
            return_item(conn, entity, uuid, rng.choice(RETURN_COMMENTS), SUPERVISOR)
            returned.append((entity, uuid, device))
        elif when is not None and when < cutoff:
            to_approve.append((entity, uuid))
    for start in range(0, len(to_approve), 900):
        approve(conn, to_approve[start : start + 900], SUPERVISOR)
        tick("approved", min(start + 900, len(to_approve)), len(to_approve))
    return returned


def _second_round(
    street: Engine,
    hub: Engine,
    home: Paths,
    work: Path,
    hub_recipient: str,
    devices: list[_DemoDevice],
    returned: list[tuple[str, str, str | None]],
    devices_dir: Path,
) -> int:
    """Corrections, conflicts, a held bundle and a quarantined one; returns the bundles sent."""
    by_id = {d.device_id: d for d in devices}
    rounds: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with street.connect() as conn:
        corrected = [r for r in returned if r[0] == "visit" and r[2] in by_id][::2]
        for _entity, uuid, device in corrected:
            row = conn.execute(select(Visit.__table__).where(Visit.uuid == uuid)).mappings().one()
            rounds.setdefault(device, {}).setdefault("visit", []).append(
                _edit(
                    "visit", row, {"concerns": "已按要求补充：" + (row["concerns"] or "情况正常")}
                )
            )
        if len(devices) >= 2:
            one, two = devices[0], devices[1]
            homes = (
                conn.execute(
                    select(Household.__table__)
                    .join(Building, Building.uuid == Household.building_uuid)
                    .where(Building.grid_uuid == one.grid_uuid, Household.head_name.is_not(None))
                    .order_by(Household.uuid)
                    .limit(3)
                )
                .mappings()
                .all()
            )
            for n, row in enumerate(homes):
                mine = _edit("household", row, {"phone": f"1390000{n:04d}"})
                theirs = _edit("household", row, {"phone": f"1860000{n:04d}"}, origin=False)
                rounds.setdefault(one.device_id, {}).setdefault("household", []).append(mine)
                rounds.setdefault(two.device_id, {}).setdefault("household", []).append(theirs)
    sent = 0
    for device_id, records in rounds.items():
        _write_bundle(by_id[device_id], hub_recipient, records, work / "round2", kind="delta")
        sent += 1
    if len(devices) >= 3:
        late = devices[2]
        with street.connect() as conn:
            row = (
                conn.execute(
                    select(Household.__table__)
                    .join(Building, Building.uuid == Household.building_uuid)
                    .where(Building.grid_uuid == late.grid_uuid)
                    .order_by(Household.uuid)
                    .limit(1)
                )
                .mappings()
                .one()
            )
        record = _edit("household", row, {"occupancy": "rented"})
        _write_bundle(
            late,
            hub_recipient,
            {"household": [record]},
            work / "round2",
            kind="delta",
            seq=late.seq + 2,
        )
        sent += 1
    stranger = _new_device(devices_dir, "demo-unenrolled", "赵志强", "")
    _write_bundle(stranger, hub_recipient, {}, work / "round2", kind="delta")
    sent += 1
    import_paths(hub, home, [work / "round2"])
    return sent


def _edit(entity: str, row: Any, changes: dict[str, Any], origin: bool = True) -> dict[str, Any]:
    """A record of an edit on a laptop: a new rev from the row's rev (the laptop's copy)."""
    data = {name: json_value(row[name]) for name in data_columns(entity)}
    data.update(changes)
    return _record(
        entity,
        row,
        0,
        data=data,
        rev=next_rev(row["rev"], data),
        base_rev=row["rev"],
        origin=row["rev"] if origin else None,
        updated_at=clock.now().replace(microsecond=0).isoformat(),
    )
