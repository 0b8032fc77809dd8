"""CPU-heavy work in processes of their own: typesetting the printed record (WeasyPrint) and
validating signatures (pyHanko). The worker's event loop and every workflow task it runs
share one GIL; a second of typesetting there holds up every other process's decision, and
leaves the machine's other cores idle.

Two pools, one per kind of work: a signature check is part of a decision that an official
waits for, and must not queue behind the typesetting of a busy day's archives."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

T = TypeVar("T")

SIGNATURES = "signatures"
TYPESETTING = "typesetting"

_pools: dict[str, ProcessPoolExecutor] = {}
_lock = threading.Lock()


def pool_size() -> int:
    """One process per core but the one the worker itself runs on; at least one."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


def _executor(name: str) -> ProcessPoolExecutor:
    with _lock:
        pool = _pools.get(name)
        if pool is None:
            # Spawned, not forked: the worker runs threads (the Temporal core's) that a fork
            # would copy in whatever state they are.
            pool = _pools[name] = ProcessPoolExecutor(
                max_workers=pool_size(),
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_follow_parent,
                initargs=(os.getpid(),),
            )
        return pool


def _follow_parent(parent: int) -> None:
    """In each pool process: end when the worker has gone (a SIGKILL gives it no time to
    stop its pool), rather than linger as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def _discard(name: str, broken: ProcessPoolExecutor) -> None:
    with _lock:
        if _pools.get(name) is broken:
            del _pools[name]
    broken.shutdown(wait=False, cancel_futures=True)


async def in_process(pool: str, function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the named pool (a module-level function, picklable
    arguments). A pool whose process died (killed, out of memory) is replaced, and the
    error raised, so the activity's retry runs on a fresh one."""
    executor = _executor(pool)
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
    except BrokenProcessPool:
        _discard(pool, executor)
        raise
