"""The reporting database: its engine (SQLite by default, PostgreSQL by a setting) and its
migrations, run programmatically at start."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from common.settings import Settings, check_database_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str) -> Engine:
    """The engine of ``url``; ValueError (never quoting the URL) when it cannot be one."""
    check_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    # pysqlite's own transaction handling begins late and deferred; a write transaction
    # must hold the lock from its start (a sequence read then incremented by two threads
    # would give one number twice), so every transaction is BEGIN IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def failure(err: BaseException, url: str) -> str:
    """What went wrong with the database at ``url``, in a line, without the URL or its
    password (the driver's own message, not SQLAlchemy's, which quotes the statement)."""
    cause = getattr(err, "orig", None) or err
    text = " ".join(str(cause).split()) or type(cause).__name__
    try:
        password = make_url(url).password
    except Exception:  # an unreadable URL: nothing to take out
        password = None
    if password:
        for form in {str(password), quote(str(password), safe="")}:
            text = text.replace(form, "***")
    return text


# Alembic's context is global to the process: two migrations at once in one process (a
# test's worker and web layer, each with its database) break each other, or hang.
_MIGRATING = threading.Lock()
# Across processes (the worker and the web layer starting on a fresh PostgreSQL database):
# one migrates, the others wait for it and find the schema there.
_MIGRATION_LOCK_KEY = 0x494B55


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there)."""
    config = _config()
    with _MIGRATING, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK_KEY})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration's revision."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "reporting/migrations has no migration"
    return head


def schema_revision(engine: Engine) -> str | None:
    """The revision the database's schema is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class ReportingDatabase:
    """One engine per settings, migrated once on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                engine = make_engine(self.settings.reporting_url())
                migrate(engine)
                self._engine = engine
            return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed at the end, rolled back on error."""
        with sessionmaker(self.engine, expire_on_commit=False).begin() as session:
            yield session

    def dispose_after(self, *, migrate: bool) -> None:
        """Migrate (by first use of the engine), then let the connections go."""
        if migrate:
            _ = self.engine
        self.dispose()

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
