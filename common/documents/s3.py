"""The document store in an S3 bucket, for a web layer and workers on several machines.

Keys are content-addressed as in the local folder: ``documents/sha256/<aa>/<sha256>``
(under IKU_S3_PREFIX when set).
Bytes are spooled on this machine first (the web layer judges their type there), then
streamed to the bucket as a multipart upload, re-hashed on the way. The upload is completed
only after its last chunk was checked, so S3 never shows a partial object or one with other
bytes; on any failure the multipart upload is aborted, leaving no orphan parts. Writing is
put-if-absent (``If-None-Match``): two machines storing the same bytes at once agree.
A decision's staged files are objects under ``documents/staged/<sha256>/<token>``, found by
readers, copied to their content key on commit and deleted on discard.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import obstore
from obstore.exceptions import AlreadyExistsError, BaseError, NotFoundError

from common.documents.base import (
    CHUNK,
    DocumentStore,
    content_key,
    staged_key,
    verified_chunks,
)
from common.s3 import PART_BYTES, calling, key_prefix, s3_store, unavailable
from common.settings import Settings


class S3DocumentStore(DocumentStore):
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket or ""
        self.client = s3_store(settings)
        self.prefix = key_prefix(settings, "documents")
        # Spools stay on this machine; nothing in it outlives one upload.
        self.scratch_dir = settings.data_dir / "tmp"

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        return self.prefix + content_key(sha256)

    def place(self, source: Path, sha256: str, size: int) -> None:
        key = self.key(sha256)
        existing = self._content_size(sha256)
        if existing is not None:
            if existing == size and self._hash_matches(sha256):
                return  # these bytes are stored already
            mode = "overwrite"  # damaged in the bucket: these verified bytes replace it
        else:
            mode = "create"
        self._upload(source, key, sha256, size, mode)

    def _upload(self, source: Path, key: str, sha256: str, size: int, mode: str) -> None:
        # AlreadyExists: another machine stored the same bytes in the meantime.
        with contextlib.suppress(AlreadyExistsError):
            calling(
                self.bucket,
                obstore.put,
                self.client,
                key,
                verified_chunks(source, sha256, size),
                mode=mode,
                use_multipart=True,
                chunk_size=PART_BYTES,
                max_concurrency=4,
                attributes={"Content-Type": "application/octet-stream"},
            )

    def place_staged(self, source: Path, sha256: str, size: int, token: str) -> None:
        self._upload(source, self.prefix + staged_key(sha256, token), sha256, size, "create")
        source.unlink(missing_ok=True)

    def promote(self, sha256: str, size: int, token: str) -> None:
        staged = self.prefix + staged_key(sha256, token)
        if self._content_size(sha256) != size or not self._hash_matches(sha256):
            # Absent or damaged: the staged bytes (checked on their way in) take its place.
            calling(self.bucket, obstore.copy, self.client, staged, self.key(sha256))
        self.drop_staged(sha256, token)

    def drop_staged(self, sha256: str, token: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            calling(
                self.bucket, obstore.delete, self.client, self.prefix + staged_key(sha256, token)
            )

    def _found_key(self, sha256: str) -> str:
        """The document's key, else a staged copy's (a decision in flight), else the
        document's (so a reader gets FileNotFoundError)."""
        if self._content_size(sha256) is not None:
            return self.key(sha256)
        prefix = f"{self.prefix}staged/{sha256}/"
        listing = calling(self.bucket, obstore.list, self.client, prefix=prefix, chunk_size=1)
        try:
            for page in listing:
                for meta in page:
                    return str(meta["path"])
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
        return self.key(sha256)

    def _content_size(self, sha256: str) -> int | None:
        try:
            meta = calling(self.bucket, obstore.head, self.client, self.key(sha256))
        except FileNotFoundError:
            return None
        return int(meta["size"])

    def _hash_matches(self, sha256: str) -> bool:
        digest = hashlib.sha256()
        for chunk in self._chunks(self.key(sha256)):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def stored_size(self, sha256: str) -> int | None:
        try:
            meta = calling(self.bucket, obstore.head, self.client, self._found_key(sha256))
        except FileNotFoundError:
            return None
        return int(meta["size"])

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        return self._chunks(self._found_key(sha256))

    def _chunks(self, key: str) -> Iterator[bytes]:
        result = calling(self.bucket, obstore.get, self.client, key)
        stream = result.stream(min_chunk_size=CHUNK)

        def chunks() -> Iterator[bytes]:
            try:
                for chunk in stream:
                    yield bytes(chunk)
            except BaseError as err:
                raise unavailable(err, self.bucket) from None

        return chunks()

    async def aiter_bytes(self, sha256: str) -> AsyncIterator[bytes]:
        try:
            key = await asyncio.to_thread(self._found_key, sha256)
            result = await obstore.get_async(self.client, key)
            async for chunk in result.stream(min_chunk_size=CHUNK):
                yield bytes(chunk)
        except NotFoundError:
            raise FileNotFoundError(f"no document {sha256}") from None
        except BaseError as err:
            raise unavailable(err, self.bucket) from None

    def check(self) -> None:
        # A listing of one page proves the bucket is there and the credentials may read it.
        stream = calling(self.bucket, obstore.list, self.client, prefix=self.prefix, chunk_size=1)
        try:
            next(iter(stream), None)
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
