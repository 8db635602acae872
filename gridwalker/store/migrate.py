"""Open a database: engine, schema migrations when it is behind, the device row.

Schema changes are Alembic migrations run programmatically; `create_all` is never used on a
live file.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, insert, select

from gridwalker.store.engine import make_engine
from gridwalker.store.tables import Device

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest schema revision this version of gridwalker knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The schema revision a database is at (None for an empty file)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the schema to head; returns True when a migration ran."""
    with engine.connect() as conn:
        if current_revision(conn) == head_revision():
            return False
    with engine.begin() as conn:
        command.upgrade(_config(conn), "head")
    return True


def ensure_device(engine: Engine, device_id: str | None = None) -> str:
    """The database's device id, creating the device row on first use."""
    with engine.begin() as conn:
        found = conn.execute(select(Device.device_id).where(Device.id == 1)).scalar()
        if found:
            return found
        new_id = device_id or uuid.uuid4().hex[:12]
        conn.execute(insert(Device).values(id=1, device_id=new_id, change_counter=0))
        return new_id


def open_database(
    path_or_url: str | Path, device_id: str | None = None, *, key: bytes | None = None
) -> Engine:
    """An engine on a migrated database with its device row (`key`: an encrypted laptop's
    raw database key, store/dbkey.py)."""
    engine = make_engine(path_or_url, key=key)
    try:
        upgrade(engine)
        ensure_device(engine, device_id)
    except BaseException:
        engine.dispose()
        raise
    return engine
