"""One child process: started in its own process group, its output copied to the console
(prefixed with its name) and to ``<logs>/<name>.log``, and stopped politely, then firmly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from devstack import console

TAIL_LINES = 30
_CHUNK = 64 * 1024
# Each child is started through Linux's setpriv (util-linux, on every Debian machine) with a
# parent-death signal: should the supervisor die without stopping it (killed, crashed), the
# child gets SIGTERM rather than running on orphaned, holding its port and, for a worker,
# polling the task queue with code a new run no longer has. Elsewhere children start as
# they are.
_SETPRIV = shutil.which("setpriv") if sys.platform.startswith("linux") else None


def tied_to_supervisor(argv: list[str]) -> list[str]:
    return [_SETPRIV, "--pdeathsig", "TERM", "--", *argv] if _SETPRIV else argv


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


class Child:
    def __init__(self, spec: ChildSpec, log_dir: Path) -> None:
        self.spec = spec
        self.name = spec.name
        self.log_path = log_dir / f"{spec.name}.log"
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._process: asyncio.subprocess.Process | None = None
        self._log: TextIO | None = None
        self._done: asyncio.Task[int] | None = None
        self._started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._done is not None and not self._done.done()

    def uptime(self) -> float:
        """Seconds since the latest start (until now, or until it exited)."""
        return asyncio.get_running_loop().time() - self._started_at

    def tail(self, lines: int = 20) -> list[str]:
        return list(self._tail)[-lines:]

    async def start(self) -> None:
        """Start it; also starts it again after it exited (the log is appended to)."""
        self._started_at = asyncio.get_running_loop().time()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Appended, never truncated: a resumed run keeps the earlier runs' logs.
        self._log = self.log_path.open("a", encoding="utf-8")
        self._log.write(f"----- {datetime.now(UTC).isoformat()} starting {self.name}\n")
        self._log.flush()
        self._process = await asyncio.create_subprocess_exec(
            *tied_to_supervisor(self.spec.argv),
            cwd=self.spec.cwd,
            env=self.spec.env or None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Its own process group: a Ctrl-C in the terminal reaches only the supervisor,
            # which then stops the children in reverse order instead of all at once.
            process_group=0,
        )
        self._done = asyncio.create_task(self._run(self._process), name=f"child-{self.name}")
        console.say(f"started {self.name} (pid {self._process.pid})")

    async def wait(self) -> int:
        """Until the process has exited and its output is drained; its exit code."""
        assert self._done is not None, "not started"
        return await asyncio.shield(self._done)

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM to the child's group, up to ``grace`` seconds, then SIGKILL."""
        if self._process is None or self._done is None:
            return
        if not self._done.done():
            self._signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(self._done), grace)
            except TimeoutError:
                console.say(f"{self.name} did not stop within {grace:.0f} s; killing it")
                self._signal(signal.SIGKILL)
                await asyncio.shield(self._done)
        console.say(f"stopped {self.name} (exit code {self._process.returncode})")

    def _signal(self, signum: signal.Signals) -> None:
        assert self._process is not None
        # Only while the leader is unreaped: then its group id cannot belong to anyone else.
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signum)

    async def _run(self, process: asyncio.subprocess.Process) -> int:
        pump = asyncio.create_task(self._pump(process))
        code = await process.wait()
        try:
            # A grandchild holding the pipe open must not keep us waiting forever.
            await asyncio.wait_for(pump, 5)
        except TimeoutError:
            pump.cancel()
        if self._log is not None:
            self._log.write(f"----- {datetime.now(UTC).isoformat()} exited with {code}\n")
            self._log.close()
            self._log = None
        return code

    async def _pump(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        pending = b""
        while chunk := await process.stdout.read(_CHUNK):
            *lines, pending = (pending + chunk).split(b"\n")
            if len(pending) > _CHUNK:  # output without newlines: show it in pieces
                lines.append(pending)
                pending = b""
            for raw in lines:
                self._emit(raw)
        if pending:
            self._emit(pending)

    def _emit(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").rstrip("\r")
        self._tail.append(text)
        console.line(self.name, text)
        if self._log is not None:
            self._log.write(text + "\n")
            self._log.flush()


async def first_exit(children: list[Child]) -> Child:
    """The first of the children to exit on its own."""
    waits = {asyncio.ensure_future(child.wait()): child for child in children}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in waits:
            future.cancel()
    return waits[next(iter(done))]
