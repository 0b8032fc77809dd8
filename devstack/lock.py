"""One supervisor per data folder: two Temporal servers on one SQLite file would corrupt it."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO

from devstack.errors import StartupError


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "devstack.lock"
        self._file: TextIO | None = None

    def acquire(self) -> None:
        # "a+" so a failed attempt does not erase the holder's pid.
        handle = self.path.open("a+", encoding="ascii")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise StartupError(
                f"another devstack (pid {holder}) is already using {self.path.parent}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        # The kernel drops the lock when the process ends, so a crash never leaves it held.
        if self._file is not None:
            self._file.close()
            self._file = None
