"""Search over residents, households, enterprises and issues.

`search_doc` is an ordinary table (portable) holding one row per searchable record: a title,
where it is, the name with its pinyin (full and initials) and a `text` column. On SQLite an
FTS5 trigram index mirrors `text` (external content, kept current by triggers created in the
migration), and another one the pairs of Chinese characters; on PostgreSQL a pg_trgm GIN
index on `text` and a GIN index on the pairs as an array do the same (migration 0014). This
module is the only place that knows about either (`_text_tier`, `raw_fts`).

Trigram needs three characters. Shorter queries ("张三", "zs", "邮三", "302") use prefix
ranges over indexed columns (name, pinyin initials, full pinyin, room, community), which
any SQL database answers from a B-tree, then a bounded substring scan of `text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Connection,
    Integer,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import aliased

from gridwalker.domain import addresses
from gridwalker.store.tables import (
    Building,
    Community,
    Enterprise,
    Grid,
    Household,
    Issue,
    Resident,
    SearchDoc,
)

INDEXED = ("resident", "household", "enterprise", "issue")
FTS_TABLE = "search_fts"
PAIRS_TABLE = "search_pairs"
BATCH = 2000
ENTITY_ORDER_BY_NAME = ("resident", "household", "enterprise", "issue")
ENTITY_ORDER_BY_PLACE = ("household", "resident", "enterprise", "issue")


@dataclass(frozen=True)
class Hit:
    """One search result."""

    entity: str
    uuid: str
    title: str
    subtitle: str
    grid_uuid: str | None


@lru_cache(maxsize=65536)
def pinyin_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name: 张三 → ("zhangsan", "zs")."""
    if not name:
        return "", ""
    from pypinyin import Style, lazy_pinyin  # heavy dictionary: loaded on first use only

    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL) if s.strip()]
    return "".join(syllables).replace(" ", ""), "".join(s[0] for s in syllables if s)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def cjk_pairs(value: str) -> str:
    """Every pair of adjacent Chinese characters, space-separated: 加装电梯 → 加装 装电 电梯.

    Indexed as words, they let a two-character query use an index where trigrams cannot.
    """
    pairs = []
    for run in _CJK.findall(value):
        pairs += [run[i : i + 2] for i in range(len(run) - 1)]
    return " ".join(dict.fromkeys(pairs))


def _place_query(entity: str):  # noqa: ANN202 - a SQLAlchemy Select
    """The select that yields the fields of each record's search document."""
    places = (
        select(
            Building.uuid.label("b_uuid"),
            Building.name.label("building"),
            Grid.uuid.label("grid_uuid"),
            Community.name.label("community"),
        )
        .join(Grid, Grid.uuid == Building.grid_uuid)
        .join(Community, Community.uuid == Grid.community_uuid)
        .subquery()
    )
    if entity == "resident":
        return (
            select(
                Resident.uuid,
                Resident.name,
                Household.unit,
                Household.room,
                places.c.building,
                places.c.community,
                places.c.grid_uuid,
            )
            .join(Household, Household.uuid == Resident.household_uuid)
            .join(places, places.c.b_uuid == Household.building_uuid)
            .where(Resident.deleted.is_(False)),
            Resident.uuid,
        )
    if entity == "household":
        return (
            select(
                Household.uuid,
                Household.head_name.label("name"),
                Household.unit,
                Household.room,
                places.c.building,
                places.c.community,
                places.c.grid_uuid,
            )
            .join(places, places.c.b_uuid == Household.building_uuid)
            .where(Household.deleted.is_(False)),
            Household.uuid,
        )
    if entity == "enterprise":
        return (
            select(
                Enterprise.uuid,
                Enterprise.name,
                Enterprise.uscc,
                Enterprise.floor,
                Enterprise.room,
                places.c.building,
                places.c.community,
                places.c.grid_uuid,
            )
            .join(places, places.c.b_uuid == Enterprise.building_uuid)
            .where(Enterprise.deleted.is_(False)),
            Enterprise.uuid,
        )
    if entity == "issue":
        return (
            select(
                Issue.uuid,
                Issue.description,
                Issue.place,
                Issue.category,
                Issue.grid_uuid,
                Community.name.label("community"),
            )
            .outerjoin(Grid, Grid.uuid == Issue.grid_uuid)
            .outerjoin(Community, Community.uuid == Grid.community_uuid)
            .where(Issue.deleted.is_(False)),
            Issue.uuid,
        )
    raise ValueError(f"not a searchable entity: {entity}")


def _doc(entity: str, r) -> dict:  # noqa: ANN001 - a result row
    if entity in ("resident", "household"):
        name = r.name or ""
        spell, initials = pinyin_keys(name)
        address = addresses.address(r.community, r.building, r.unit, r.room)
        title = name if entity == "resident" else address
        subtitle = address if entity == "resident" else name
        words = [name, spell, initials, r.community, r.building, f"{r.unit}单元", str(r.room)]
        room = str(r.room or "")
    elif entity == "enterprise":
        name = r.name
        spell, initials = pinyin_keys(name)
        where = f"{r.floor}层 {r.room}" if r.floor is not None else str(r.room or "")
        title, subtitle = name, f"{r.community}·{r.building} {where}".strip()
        words = [name, spell, initials, r.uscc or "", r.community, r.building, str(r.room or "")]
        room = str(r.room or "")
    else:
        name = ""
        spell = initials = room = ""
        title = (r.description or "").replace("\n", " ")[:40]
        subtitle = f"{r.community or ''} {r.place or ''}".strip()
        words = [r.description or "", r.place or "", r.community or ""]
    body = " ".join(w for w in words if w)
    return {
        "entity": entity,
        "uuid": r.uuid,
        "grid_uuid": r.grid_uuid,
        "title": title,
        "subtitle": subtitle,
        "name": name,
        "initials": initials,
        "spell": spell,
        "room": room,
        "place": r.community if entity == "household" else "",
        "text": body,
        "pairs": cjk_pairs(body),
    }


def index_rows(conn: Connection, entity: str, uuids: Iterable[str] | None) -> int:
    """Rewrite the search documents of some records (all of the entity when uuids is None)."""
    query, key = _place_query(entity)
    count = 0
    if uuids is None:
        conn.execute(delete(SearchDoc).where(SearchDoc.entity == entity))
        batches = [None]
    else:
        ids = list(uuids)
        batches = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    for batch in batches:
        q = query
        if batch is not None:
            conn.execute(
                delete(SearchDoc).where(SearchDoc.entity == entity, SearchDoc.uuid.in_(batch))
            )
            q = query.where(key.in_(batch))
        docs = [_doc(entity, r) for r in conn.execute(q)]
        if docs:
            _insert_docs(conn, docs)
        count += len(docs)
    return count


def _insert_docs(conn: Connection, docs: list[dict]) -> None:
    """Insert search documents a page of rows per statement.

    RETURNING makes SQLAlchemy send an executemany as multi-row INSERTs ("insertmanyvalues"):
    the FTS5 triggers then flush their index once per statement instead of once per row,
    about ten times faster for a big batch.
    """
    table = SearchDoc.__table__
    conn.execute(insert(table).returning(table.c.id), docs).close()


def rebuild(conn: Connection) -> int:
    """Rebuild every search document (after a bulk load)."""
    return sum(index_rows(conn, entity, None) for entity in INDEXED)


def _fts_phrase(q: str) -> str:
    return '"' + q.replace('"', '""') + '"'


def _prefix(column, q: str = "q", hi: str = "q_hi"):  # noqa: ANN001, ANN202
    """A prefix match any B-tree index answers: q <= column < q + U+FFFF."""
    return (column >= bindparam(q)) & (column < bindparam(hi))


def _tiers() -> list:
    """The indexed look-ups, best first (see `search`)."""
    doc = SearchDoc
    names = (doc.name, doc.initials, doc.spell)
    q = bindparam("q")
    return [
        or_(*(c == q for c in names)),
        or_(*(_prefix(c) for c in names)),
        (doc.room == q) & (doc.entity == "household"),
        doc.room == q,
        _prefix(doc.place),
    ]


# The pairs as an array, written as migration 0014's index on PostgreSQL has it.
_PAIRS_ARRAY = "string_to_array(search_doc.pairs, ' ')"


def _text_tier(kind: str, tier: int, engine: str, by_grid: bool):  # noqa: ANN202
    """Text anywhere: trigrams (3+ characters, kind "long") or character pairs (2, "pairs").

    SQLite: the FTS5 tables. PostgreSQL: LIKE over pg_trgm's index on `text` (the pattern in
    :pattern), and array containment over the pairs' index.
    """
    if engine != "postgresql":
        table = FTS_TABLE if kind == "long" else PAIRS_TABLE
        return (
            text(
                f"SELECT rowid AS id, {tier} AS tier FROM {table} "
                f"WHERE {table} MATCH :phrase LIMIT :n"
            )
            .columns(id=Integer, tier=Integer)
            .subquery()
        )
    doc = SearchDoc
    if kind == "long":
        condition = doc.text.ilike(bindparam("pattern"), escape="\\")
    else:
        condition = text(f"{_PAIRS_ARRAY} @> ARRAY[CAST(:q AS text)]")
    stmt = select(doc.id.label("id"), literal(tier).label("tier")).where(condition)
    if by_grid:
        stmt = stmt.where(doc.grid_uuid == bindparam("grid"))
    return stmt.limit(bindparam("n")).subquery()


def _like_pattern(q: str) -> str:
    """Text containing q, as a LIKE pattern (its own %, _ and \\ taken literally)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@lru_cache(maxsize=16)
def _statement(kind: str, by_grid: bool, engine: str = "sqlite"):  # noqa: ANN202
    """One statement per query shape and engine, built once: every tier in one round trip."""
    doc = SearchDoc
    parts = []
    for tier, condition in enumerate(_tiers()):
        stmt = select(doc.id.label("id"), literal(tier).label("tier")).where(condition)
        if by_grid:
            stmt = stmt.where(doc.grid_uuid == bindparam("grid"))
        parts.append(select(stmt.limit(bindparam("n")).subquery()))
    if kind != "short":
        sub = _text_tier(kind, len(parts), engine, by_grid)
        parts.append(select(sub.c.id, sub.c.tier))
    hits = union_all(*parts).subquery()
    stmt = select(doc, hits.c.tier).join(hits, hits.c.id == doc.id)
    if by_grid:
        stmt = stmt.where(doc.grid_uuid == bindparam("grid"))
    return stmt


def search(
    conn: Connection, query: str, limit: int = 30, grid_uuid: str | None = None
) -> list[Hit]:
    """Records matching what was typed, best first.

    Tiers, each an indexed look-up with a limit, all in one statement: exact name / pinyin /
    initials, then their prefixes, then an exact room number (households, then people), then
    the community name (households), then text anywhere (FTS5 trigrams for three characters
    or more, the character-pair index for two).
    """
    q = " ".join(query.split()).lower()
    if not q:
        return []
    door = addresses.parse_door(q)
    at_door = _door_hits(conn, door, grid_uuid, limit) if door else []
    kind = "long" if len(q) >= 3 else "pairs" if len(q) == 2 and _CJK.fullmatch(q) else "short"
    engine = conn.dialect.name
    params = {"q": q, "q_hi": q + "\uffff", "n": limit}
    if engine == "postgresql":
        params["pattern"] = _like_pattern(q)
    else:
        params["phrase"] = _fts_phrase(q)
    if grid_uuid:
        params["grid"] = grid_uuid
    best: dict[int, tuple[int, dict]] = {}
    for row in conn.execute(_statement(kind, bool(grid_uuid), engine), params).mappings():
        if row["id"] not in best or row["tier"] < best[row["id"]][0]:
            best[row["id"]] = (row["tier"], row)

    def rank(item: tuple[int, dict]) -> tuple:  # people first for names, households for places
        tier, r = item
        order = ENTITY_ORDER_BY_NAME if tier < 2 else ENTITY_ORDER_BY_PLACE
        return (tier, order.index(r["entity"]), r["title"])

    ranked = sorted(best.values(), key=rank)[:limit]
    hits = [
        Hit(r["entity"], r["uuid"], r["title"], r["subtitle"], r["grid_uuid"]) for _, r in ranked
    ]
    first = {(h.entity, h.uuid) for h in at_door}
    return (at_door + [h for h in hits if (h.entity, h.uuid) not in first])[:limit]


def _door_hits(
    conn: Connection, door: tuple[int, int | None, str], grid_uuid: str | None, limit: int
) -> list[Hit]:
    """The households (then their people) at an address written as people write it:
    1-201, 1栋201, 1栋2单元201, 1-2-201 (the building by the number its name starts with)."""
    number, unit, room = door
    out: list[Hit] = []
    for entity, model in (("household", Household), ("resident", Resident)):
        home = Household if entity == "household" else aliased(Household)
        stmt = select(
            SearchDoc.uuid, SearchDoc.title, SearchDoc.subtitle, SearchDoc.grid_uuid, Building.name
        ).join(model, model.uuid == SearchDoc.uuid)
        if entity == "resident":
            stmt = stmt.join(home, home.uuid == Resident.household_uuid)
        stmt = stmt.join(Building, Building.uuid == home.building_uuid).where(
            SearchDoc.entity == entity,
            func.upper(home.room) == room,
            Building.name.like(f"{number}%"),
        )
        if unit is not None:
            stmt = stmt.where(home.unit == unit)
        if grid_uuid:
            stmt = stmt.where(SearchDoc.grid_uuid == grid_uuid)
        rows = conn.execute(stmt.order_by(SearchDoc.title).limit(limit * 4)).all()
        for uuid, title, subtitle, grid, building in rows:
            if addresses.building_number(building) == number:
                out.append(Hit(entity, uuid, title, subtitle, grid))
    return out[:limit]


def raw_fts(conn: Connection, q: str, limit: int = 30) -> list[int]:
    """Ids of documents whose text contains q (3+ characters): the bare index query (FTS5 on
    SQLite, pg_trgm's LIKE on PostgreSQL)."""
    if conn.dialect.name == "postgresql":
        stmt = text("SELECT id FROM search_doc WHERE text ILIKE :p ESCAPE '\\' LIMIT :n")
        return [r[0] for r in conn.execute(stmt, {"p": _like_pattern(q.lower()), "n": limit})]
    stmt = text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :p LIMIT :n")
    return [r[0] for r in conn.execute(stmt, {"p": _fts_phrase(q), "n": limit})]


def doc_count(conn: Connection) -> int:
    """How many records are searchable."""
    return conn.execute(select(func.count()).select_from(SearchDoc)).scalar_one()


def grid_codes(conn: Connection, grid_uuids: Iterable[str]) -> dict[str, str]:
    """The code of each grid, by uuid (to say where a hit is)."""
    wanted = set(grid_uuids)
    if not wanted:
        return {}
    return dict(conn.execute(select(Grid.uuid, Grid.code).where(Grid.uuid.in_(wanted))).all())


def household_of_resident(conn: Connection, resident_uuid: str) -> str | None:
    """The household a resident lives in (None when the resident is gone)."""
    return conn.execute(
        select(Resident.household_uuid).where(
            Resident.uuid == resident_uuid, Resident.deleted.is_(False)
        )
    ).scalar_one_or_none()
