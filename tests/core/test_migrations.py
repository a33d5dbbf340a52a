"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from anquan_desk.core.db import Database
from anquan_desk.core.models import Base


def test_migrations_match_models(db: Database) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_every_model_table_exists(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert db.current_revision() == db.head_revision()


@pytest.mark.sqlite_only("the SQLite file's journal and foreign-key settings")
def test_sqlite_settings(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1



def test_schema_head_constant_is_alembic_head(db: Database) -> None:
    from anquan_desk.migrations import SCHEMA_HEAD

    assert db.head_revision() == SCHEMA_HEAD
