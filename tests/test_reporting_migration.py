"""A fresh reporting database migrated by several at once, as when the worker and the web
replicas start together: threads of one process and processes of their own all finish,
none fails, and the schema is at the newest migration. On SQLite and on a real PostgreSQL
server."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from common.settings import Settings
from reporting.database import head_revision, make_engine, migrate, schema_revision

ROOT = Path(__file__).resolve().parent.parent
MIGRATE = (
    "import sys; from reporting.database import make_engine, migrate; "
    "migrate(make_engine(sys.argv[1]))"
)


def test_threads_and_processes_migrating_one_fresh_database_at_once_all_finish(
    reporting_settings: Settings,
) -> None:
    url = reporting_settings.reporting_url()
    reporting_settings.data_dir.mkdir(parents=True, exist_ok=True)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, url],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    at_once = threading.Barrier(4)
    failures: list[BaseException] = []

    def one() -> None:
        engine = make_engine(url)
        try:
            at_once.wait()
            migrate(engine)
        except BaseException as err:  # reported below, with the processes' own
            failures.append(err)
        finally:
            engine.dispose()

    # Daemons: a migration that hangs fails the test rather than holding the run.
    threads = [threading.Thread(target=one, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    try:
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        outcomes = [(p.wait(60), p.stderr.read() if p.stderr else "") for p in processes]
    finally:
        for p in processes:
            p.kill()

    assert not any(thread.is_alive() for thread in threads), "a migration hangs"
    assert failures == []
    assert [code for code, _ in outcomes] == [0, 0, 0], [err[-800:] for _, err in outcomes]
    engine = make_engine(url)
    try:
        assert schema_revision(engine) == head_revision()
    finally:
        engine.dispose()
