"""The one engine factory (DESIGN.md): SQLite pragmas live here and nowhere else."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
    "PRAGMA busy_timeout=5000",
)


def sqlite_url(path: str | Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{Path(path)}"


def make_engine(url: str | Path) -> Engine:
    """Create an engine; a plain path is taken as a SQLite file. Pragmas set on each connect."""
    url = str(url)
    if "://" not in url:
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        url = sqlite_url(url)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _set_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            # Let SQLAlchemy manage transactions explicitly (BEGIN on first statement).
            cursor = dbapi_conn.cursor()
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
            cursor.close()

    return engine


def is_sqlite(engine_or_conn) -> bool:  # noqa: ANN001
    """True when the database behind an engine or connection is SQLite."""
    return engine_or_conn.dialect.name == "sqlite"
