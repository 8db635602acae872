"""A PostgreSQL hub's sessions as the engine factory sets them up (store/engine.make_engine)."""

from __future__ import annotations

from sqlalchemy import text

from gridwalker.store.engine import make_engine
from tests.support import postgres


def test_a_postgresql_session_is_in_utc_and_compiles_no_plans() -> None:
    """UTC for the few naive columns; no JIT: the hub's short queries paid more for compiling
    their plans than for running them (the coverage table at 10 streets: 0.75 s of 1.6 s)."""
    url = postgres.new_database()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW timezone")).scalar_one() == "UTC"
            assert conn.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        engine.dispose()
        postgres.drop_database(url)
