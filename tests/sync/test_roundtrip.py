"""Round trip: a laptop's bundles arrive at the hub with every record and its rev."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from gridwalker.store.tables import SYNCED_TABLES, Household, SearchDoc
from gridwalker.store.writes import Writer
from gridwalker.sync import bundle as fmt
from tests.support.hubs import Hub, both_engines
from tests.support.laptops import Laptop, make_laptop


def _revs(engine, entity: str) -> dict[str, tuple]:  # noqa: ANN001 - an Engine
    table = SYNCED_TABLES[entity].__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                table.c.uuid, table.c.rev, table.c.base_rev, table.c.updated_at, table.c.updated_by
            )
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def test_demo_laptop_round_trip(tmp_path: Path, demo_db: Path, hub: Hub) -> None:
    lap = make_laptop(tmp_path / "lap", demo_db, "demo-laptop", hub)
    hub.enroll(lap)
    first = lap.export()
    assert first.path is not None and first.path.name == "gridwalker-demo-laptop-000001.zip.age"
    assert first.encrypted and first.seq == 1 and first.from_change == 1
    outcome = hub.one(first.path)
    assert outcome.status == "applied", outcome.summary()
    assert outcome.records == first.records == outcome.applied
    for entity in SYNCED_TABLES:
        assert _revs(hub.engine, entity) == _revs(lap.engine, entity), entity
    with hub.engine.connect() as conn:  # the hub keeps no search index (sync.hub)
        assert conn.execute(select(func.count()).select_from(SearchDoc)).scalar_one() == 0

    nothing = lap.export()
    assert nothing.path is None
    assert sorted(p.name for p in lap.home.outbox.iterdir()) == [first.path.name]

    with lap.engine.begin() as conn:
        uuid = conn.execute(select(Household.uuid).limit(1)).scalar_one()
        Writer(conn, "李晓梅").update("household", uuid, {"phone": "13900000000"})
    delta = lap.export()
    assert delta.seq == 2 and delta.records == 1 and delta.counts["household"] == 1
    assert delta.from_change == first.to_change + 1
    outcome = hub.one(delta.path)
    assert outcome.status == "applied" and outcome.applied == 1
    assert _revs(hub.engine, "household") == _revs(lap.engine, "household")
    with hub.engine.connect() as conn:
        assert (
            conn.execute(select(Household.phone).where(Household.uuid == uuid)).scalar_one()
            == "13900000000"
        )


@both_engines
def test_repeats_are_no_ops(laptop: Laptop, hub: Hub) -> None:
    from tests.support.hubs import snapshot

    path = laptop.export().path
    copy = laptop.home.data / "copy"
    copy.mkdir()
    shutil.copy(path, copy / path.name)
    assert hub.one(path).status == "applied"
    before = snapshot(hub.engine)
    again = hub.one(copy / path.name)
    assert again.status == "already"
    assert snapshot(hub.engine) == before


def test_export_log_and_counter(laptop: Laptop) -> None:
    result = laptop.export()
    log = (laptop.home.log / "sync.log").read_text(encoding="utf-8")
    assert "seq=1" in log and result.path.name in log
    assert "李晓梅" not in log  # no personal data in logs
    from gridwalker.store.tables import Device

    with laptop.engine.connect() as conn:
        device = conn.execute(select(Device)).one()
    assert device.exported_change == result.to_change
    assert device.last_export_file == str(result.path)


def test_full_bundle_after_deltas_starts_a_new_hub(
    tmp_path: Path, laptop: Laptop, hub: Hub
) -> None:
    from gridwalker.sync.keys import trust_hub
    from tests.support.hubs import make_hub

    laptop.export()
    with laptop.engine.begin() as conn:
        uuid = conn.execute(select(Household.uuid).limit(1)).scalar_one()
        Writer(conn, "李晓梅").update("household", uuid, {"room": "909"})
    laptop.export()
    new_hub = make_hub(tmp_path / "hub2")
    new_hub.enroll(laptop)
    trust_hub(laptop.home, new_hub.recipient)
    full = laptop.export(full=True)
    assert full.kind == "full" and full.seq == 3 and full.from_change == 1
    assert new_hub.one(full.path).status == "applied"
    assert _revs(new_hub.engine, "household") == _revs(laptop.engine, "household")


def test_plaintext_bundle_layout(laptop: Laptop) -> None:
    import zipfile

    result = laptop.export(plaintext=True)
    assert result.path.name.endswith(".zip") and not result.encrypted
    with zipfile.ZipFile(result.path) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    assert infos[fmt.MANIFEST].compress_type == zipfile.ZIP_STORED
    assert fmt.SIGNATURE in infos
    assert all(
        i.compress_type == zipfile.ZIP_DEFLATED
        for n, i in infos.items()
        if n.startswith("records/")
    )
