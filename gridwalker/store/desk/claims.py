"""The desks' claims on records under review: one desk at a time may decide a record.

A desk that opens a record claims it (`claim`): a `hub_claim` row naming the desk (`holder`,
a token per run of the desk), the supervisor (`actor`), since when and until when (a lease).
The open record renews the lease every RENEW_EVERY, closing the record releases it
(`release`), and quitting the desk releases all of its claims (`release_all`). Another desk
is told who has the record and since when, and cannot decide it: the decision checks the
claims again inside its own transaction (`store.desk.decisions`, `claimed_by_others`).

Why a lease in a table, not a lock the server holds for a session (an advisory lock, or a
row lock taken with `SELECT … FOR UPDATE SKIP LOCKED`):
- The same behaviour on both engines: two desks on one SQLite hub file claim through the
  same rows and statements; SQLite has no lock that outlives a transaction.
- Other desks must see *who* has a record and *since when*; a lock carries neither, a row does.
- A session lock must stay on one connection for as long as the record is open, while the
  desk's workers take any connection of its pool (and a transaction-mode pooler such as
  pgbouncer hands sessions around); a row lock would keep a transaction open for minutes,
  holding back vacuum and blocking the imports that update `hub_review`.
- A desk that crashes, is killed or loses its network leaves a claim that runs out by
  itself after LEASE. A session lock goes only when the server notices the connection is
  gone, which on a half-open TCP connection (a laptop's lid closed on the way) can take the
  kernel's keepalive time, two hours by default.
The cost: a crashed desk's record stays claimed for up to LEASE (90 s). Leases are measured
by one clock, the database's (`dialect.db_now`: the server's on PostgreSQL).

Taking a claim is one statement (`dialect.upsert_where`): insert the claim, or take over the
row when its lease ran out or it is this desk's own; then the row says who has the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, case, delete, literal, or_, select, tuple_

from gridwalker.domain.clock import LOCAL_TZ
from gridwalker.domain.validators import Invalid
from gridwalker.store.dialect import db_now, upsert_where
from gridwalker.store.tables.review import HubClaim

LEASE = timedelta(seconds=90)
# The open record renews its claim this often: two renewals may fail before the lease ends.
RENEW_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    """A live claim on a record: which desk holds it, the supervisor, since and until when."""

    entity: str
    uuid: str
    holder: str
    actor: str
    claimed_at: datetime
    expires_at: datetime

    def held_by(self, holder: str | None) -> bool:
        """Whether the desk `holder` holds this claim."""
        return holder is not None and self.holder == holder

    def refusal(self) -> Invalid:
        """Why another desk cannot decide the record: who has it, since when."""
        since = self.claimed_at.astimezone(LOCAL_TZ).strftime("%H:%M")
        return Invalid(
            "review.claimed",
            f"已被 {self.actor} 处理中（{since} 起），不能同时处理",
            f"Being handled by {self.actor} since {since}; it cannot be decided here",
        )


def _claim_of(row: Any) -> Claim:
    """A claim from a `hub_claim` row."""
    return Claim(row.entity, row.uuid, row.holder, row.actor, row.claimed_at, row.expires_at)


def claim(
    conn: Connection,
    entity: str,
    uuid: str,
    holder: str,
    actor: str,
    *,
    lease: timedelta = LEASE,
) -> Claim:
    """Claim a record for the desk `holder` (or renew its claim); returns the live claim on
    it, which is another desk's when that one holds it still (`Claim.held_by`)."""
    if not holder or not actor:
        raise ValueError("a claim needs the desk and the supervisor")
    now = db_now(conn)
    table = HubClaim.__table__
    type_ = table.c.claimed_at.type
    upsert_where(
        conn,
        table,
        {
            "entity": entity,
            "uuid": uuid,
            "holder": holder,
            "actor": actor[:64],
            "claimed_at": now,
            "expires_at": now + lease,
        },
        keys=("entity", "uuid"),
        update={
            "holder": holder,
            "actor": actor[:64],
            # This desk's own claim renewed keeps "since when"; a lapsed one starts afresh.
            "claimed_at": case(
                (table.c.holder == holder, table.c.claimed_at), else_=literal(now, type_)
            ),
            "expires_at": now + lease,
        },
        where=or_(table.c.expires_at <= now, table.c.holder == holder),
    )
    row = conn.execute(
        select(HubClaim).where(HubClaim.entity == entity, HubClaim.uuid == uuid)
    ).one()
    return _claim_of(row)


def renew(
    conn: Connection, entity: str, uuid: str, holder: str, *, lease: timedelta = LEASE
) -> Claim | None:
    """Extend this desk's claim on a record; None when it no longer holds it (its lease ran
    out and another desk took the record meanwhile)."""
    now = db_now(conn)
    conn.execute(
        HubClaim.__table__.update()
        .where(
            HubClaim.entity == entity,
            HubClaim.uuid == uuid,
            HubClaim.holder == holder,
        )
        .values(expires_at=now + lease)
    )
    return live_claim(conn, entity, uuid)


def live_claim(conn: Connection, entity: str, uuid: str) -> Claim | None:
    """The claim on a record whose lease has not run out, if any."""
    row = conn.execute(
        select(HubClaim).where(
            HubClaim.entity == entity,
            HubClaim.uuid == uuid,
            HubClaim.expires_at > db_now(conn),
        )
    ).one_or_none()
    return None if row is None else _claim_of(row)


def claimed_by_others(
    conn: Connection, items: Iterable[tuple[str, str]], holder: str | None
) -> list[Claim]:
    """The live claims other desks hold on any of `items` (entity, uuid)."""
    keys = sorted(set(items))
    if not keys:
        return []
    now = db_now(conn)
    out: list[Claim] = []
    # In slices: a bulk approve may name thousands of records (bound parameters are counted).
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        conds = [
            tuple_(HubClaim.entity, HubClaim.uuid).in_(part),
            HubClaim.expires_at > now,
        ]
        if holder is not None:
            conds.append(HubClaim.holder != holder)
        rows = conn.execute(select(HubClaim).where(and_(*conds))).all()
        out.extend(_claim_of(r) for r in rows)
    return sorted(out, key=lambda c: (c.entity, c.uuid))


def release(conn: Connection, entity: str, uuid: str, holder: str) -> bool:
    """Give up this desk's claim on a record; True when it held one."""
    gone = conn.execute(
        delete(HubClaim).where(
            HubClaim.entity == entity, HubClaim.uuid == uuid, HubClaim.holder == holder
        )
    )
    return bool(gone.rowcount)


def release_all(conn: Connection, holder: str) -> int:
    """Give up every claim of this desk (it quits); how many it held."""
    return conn.execute(delete(HubClaim).where(HubClaim.holder == holder)).rowcount or 0
