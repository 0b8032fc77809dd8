"""Files written whole: a reader (in another thread or process too) sees the old file or
the new one, never a part of either."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The mode of a file every reader may read (the umask applies) and of one only its owner may.
PUBLIC, PRIVATE = 0o666, 0o600


def staged(path: Path, data: bytes, mode: int) -> Path:
    """``data`` written beside ``path`` under a name of its own, to be moved into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_whole(path: Path, data: bytes, mode: int = PUBLIC) -> None:
    """Write ``path`` atomically; a move that fails leaves no staged copy behind."""
    tmp = staged(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
