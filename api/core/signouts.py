"""Sign-outs every web replica honours, on whichever host it runs.

A sign-out is a marker named after the session id in the replica's ``data_dir/signed-out/``
(``api.core.sessions``: one stat per signed-in request). With documents on S3 the markers
are shared through the bucket, under ``<IKU_S3_PREFIX>/sessions/signed-out/``: a replica
puts its own there and copies the others' into its folder every ``EVERY`` seconds, in the
background. So a signed-out cookie is refused by every replica within seconds, no disk is
shared, and no request waits on S3 (while the bucket is away, its own replica refuses the
cookie at once and the others once it is back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from pathlib import Path

from api.core import rounds
from common.s3 import BucketArea
from common.settings import Settings

log = logging.getLogger("api.sessions")

EVERY = 2.0  # seconds between two copies from the bucket
SID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # token_urlsafe: safe as a file name


class SharedSignOuts:
    def __init__(self, settings: Settings, folder: Path, max_age: float) -> None:
        self._bucket = BucketArea(settings, "sessions/signed-out")
        self.folder = folder
        self.max_age = max_age
        self._unshared: set[str] = set()

    def signed_out(self, sid: str) -> None:
        """A sign-out made here, to be shared at the next round."""
        self._unshared.add(sid)

    def exchange(self) -> None:
        """One round: ours put in the bucket, theirs copied here, the expired forgotten
        there (as ``Sessions`` forgets them here)."""
        for sid in sorted(self._unshared):
            self._bucket.put(sid, b"")
            self._unshared.discard(sid)
        oldest = time.time() - self.max_age
        for sid, written in self._bucket.listing():
            if written.timestamp() < oldest:
                with contextlib.suppress(FileNotFoundError):  # another replica was first
                    self._bucket.delete(sid)
            elif SID.fullmatch(sid) and not (self.folder / sid).exists():
                self.folder.mkdir(parents=True, exist_ok=True)
                (self.folder / sid).touch()

    async def keep_exchanging(self) -> None:
        """``exchange`` every ``EVERY`` seconds until cancelled (``api.core.rounds``)."""
        await rounds.every(EVERY, lambda: asyncio.to_thread(self.exchange), log, "sign-outs")
