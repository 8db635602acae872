"""The one engine factory (DESIGN.md): SQLite pragmas live here and nowhere else."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event

from gridwalker.config import private_dir, private_file

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
)


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path)}"


def json_text(value: Any) -> str:
    """JSON columns' text: compact UTF-8 (orjson; several times faster than json on imports)."""
    return orjson.dumps(value).decode()


def _private_sqlite_file(path: Path) -> None:
    """Create a SQLite file 0600 (in a 0700 folder) before SQLite opens it, or tighten it.

    SQLite creates -wal and -shm with the database file's permissions, so they are 0600 too;
    companions left 0644 by an older version are tightened as well.
    """
    if not path.parent.exists():
        private_dir(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            private_file(companion)


def _sqlcipher_options(url: str, key: bytes) -> dict[str, Any]:
    """create_engine arguments for an encrypted SQLite file: SQLCipher's DB-API module and a
    creator whose first statement on every connection is the key.

    SQLAlchemy's `sqlite+pysqlcipher` dialect takes a passphrase in the URL and lets SQLCipher
    derive the key (PBKDF2, ~0.1 s on every new connection); our key is already derived
    (store/dbkey.py), so it is handed over raw (`x'…'`) by a creator, which also runs before
    the dialect's first-connect queries: no statement ever reaches the file without the key.
    """
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
    from sqlalchemy.engine import make_url
    from sqlcipher3 import dbapi2

    from gridwalker.store.dbkey import KEY_BYTES, DatabaseKeyRefused

    if len(key) != KEY_BYTES:
        raise ValueError(f"a database key has {KEY_BYTES} bytes")
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        raise ValueError("only a SQLite file can be encrypted")
    key_pragma = f"PRAGMA key = \"x'{key.hex()}'\""
    args, kwargs = SQLiteDialect_pysqlite().create_connect_args(parsed)

    def connect() -> Any:
        conn = dbapi2.connect(*args, **kwargs)
        try:
            # SQLCipher logs a wrong key's failed page to stderr; the refusal says it better.
            conn.execute("PRAGMA cipher_log_level = NONE")
            conn.execute(key_pragma)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except dbapi2.DatabaseError:
            conn.close()
            raise DatabaseKeyRefused(
                f"{parsed.database}: 密钥打不开这个数据库（或它未加密）/ this key does not "
                "open the database (or it is not encrypted); nothing was changed"
            ) from None
        return conn

    return {"module": dbapi2, "creator": connect}


def make_engine(url: str | Path, *, key: bytes | None = None) -> Engine:
    """Create an engine; a plain path is taken as a SQLite file, a URL as it says (SQLite or
    PostgreSQL through psycopg 3). SQLite's pragmas are set on each connect.

    A SQLite file is created owner-only (0600, with its -wal/-shm) whatever the umask. With
    `key` (the raw 32-byte database key, store/dbkey.py) the file is SQLCipher-encrypted: the
    key is the first statement on every connection, before the pragmas below.
    """
    url = str(url)
    if "://" not in url:
        _private_sqlite_file(Path(url))
        url = sqlite_url(url)
    elif url.startswith("sqlite:///") and url != "sqlite:///:memory:" and "?" not in url:
        _private_sqlite_file(Path(url.removeprefix("sqlite:///")))
    options: dict[str, Any] = {} if key is None else _sqlcipher_options(url, key)
    if url.startswith("postgresql"):
        # Every stored date-time is UTC (UTCDateTime); a session in UTC keeps the few naive
        # columns the same whatever the server's own time zone. Credentials come from libpq
        # (PGPASSWORD, PGPASSFILE, ~/.pgpass), never from the URL.
        # No JIT compilation: the hub's queries are short and interactive, and compiling the
        # plan of a grouped count (the coverage table at 10 streets) took 0.75 s of its 1.6 s.
        options["connect_args"] = {"options": "-c timezone=UTC -c jit=off"}
        # A desk stays open for hours: a connection the server dropped meanwhile is replaced.
        options["pool_pre_ping"] = True
    engine = create_engine(
        url, json_serializer=json_text, json_deserializer=orjson.loads, **options
    )
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _set_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            # Let SQLAlchemy manage transactions explicitly (BEGIN on first statement).
            cursor = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

    return engine


@contextmanager
def bulk_cache(conn: Connection, mib: int = 64) -> Iterator[None]:
    """A bigger page cache on one connection for a bulk write (SQLite; elsewhere nothing).

    Imports insert rows under random uuid keys into several indexes: with SQLite's default
    2 MB cache most inserts reread pages. The cache is given back afterwards, so the desk's
    connections stay small.
    """
    if not is_sqlite(conn):
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{int(mib) * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def is_sqlite(engine_or_conn) -> bool:  # noqa: ANN001
    """True when the database behind an engine or connection is SQLite."""
    return engine_or_conn.dialect.name == "sqlite"
