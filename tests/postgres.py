"""A real PostgreSQL server for the reporting tests, from Debian's package, run by
pytest-postgresql's executor. ``scripts/test`` installs the package when it is missing.

PostgreSQL refuses to run as root: under root, pg_ctl runs as the package's ``postgres``
user through a small wrapper, in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from pytest_postgresql.executors.proc import PostgreSQLExecutor

from tests.support import free_port

USER = "iku"


def pg_ctl() -> Path | None:
    """The newest installed server's pg_ctl (Debian keeps it out of PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]) if found else None


@contextmanager
def postgresql_server(*, durable: bool = False) -> Iterator[str]:
    """A running server; yields its base URL (no database name). Tests run it without
    fsync; ``durable`` keeps it, as production does (the load bench)."""
    with stoppable_postgresql_server(durable=durable) as (_, base_url):
        yield base_url


@contextmanager
def stoppable_postgresql_server(
    *, durable: bool = False
) -> Iterator[tuple[PostgreSQLExecutor, str]]:
    """As ``postgresql_server``, with the executor, for a test that stops the server (an
    outage) and starts it again on the same data."""
    executable = pg_ctl()
    if executable is None:
        raise RuntimeError("PostgreSQL is not installed (scripts/test installs 'postgresql')")
    root = Path(tempfile.mkdtemp(prefix="iku-pg-"))
    try:
        command = str(executable)
        if os.geteuid() == 0:
            shutil.chown(root, "postgres", "postgres")
            wrapper = root / "pg_ctl"
            wrapper.write_text(f'#!/bin/sh\nexec runuser -u postgres -- "{executable}" "$@"\n')
            wrapper.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
            command = str(wrapper)
        port = free_port()
        server = PostgreSQLExecutor(
            executable=command,
            host="127.0.0.1",
            port=port,
            datadir=str(root / "data"),
            unixsocketdir=str(root),
            logfile=str(root / "server.log"),
            startparams="-w",
            dbname="iku",
            user=USER,
            postgres_options=("" if durable else "-c fsync=off ") + "-c listen_addresses=127.0.0.1",
        )
        server.start()
        try:
            yield server, f"postgresql+psycopg://{USER}@127.0.0.1:{port}"
        finally:
            server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _connect(url: str) -> psycopg.Connection:
    """A connection once the server accepts them (the port opens while it still starts)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@contextmanager
def fresh_database(base_url: str) -> Iterator[str]:
    """An empty database of the test's own on the server; dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with _connect(f"{plain}/postgres") as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base_url}/{name}"
    finally:
        with psycopg.connect(f"{plain}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
