"""The document store in an S3 bucket, for a web layer and workers on several machines.

Keys are content-addressed as in the local folder: ``documents/sha256/<aa>/<sha256>``
(under IKU_S3_PREFIX when set).
Bytes are spooled on this machine first (the web layer judges their type there), then
streamed to the bucket as a multipart upload, re-hashed on the way. The upload is completed
only after its last chunk was checked, so S3 never shows a partial object or one with other
bytes; on any failure the multipart upload is aborted, leaving no orphan parts. Writing is
put-if-absent (``If-None-Match``): two machines storing the same bytes at once agree.
A decision's files may be staged first under ``staged/<sha256>/<random>`` (readers and the
workflow's check find them there) and copied into place, server-side, once it is accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import obstore
from obstore.exceptions import AlreadyExistsError, BaseError, NotFoundError

from common.documents.base import (
    CHUNK,
    DocumentStore,
    check_sha256,
    content_key,
    verified_chunks,
)
from common.models import DocumentRef
from common.s3 import PART_BYTES, calling, key_prefix, s3_store, unavailable
from common.settings import Settings


class S3DocumentStore(DocumentStore):
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket or ""
        self.client = s3_store(settings)
        self.prefix = key_prefix(settings, "documents")
        self.staged_prefix = key_prefix(settings, "staged")
        # Spools stay on this machine; nothing in it outlives one upload.
        self.scratch_dir = settings.data_dir / "tmp"

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, sha256: str) -> str:
        return self.prefix + content_key(sha256)

    def _staged(self, sha256: str) -> str:
        return f"{self.staged_prefix}{check_sha256(sha256)}/"

    def _first_staged(self, sha256: str) -> dict | None:
        listing = calling(self.bucket, obstore.list, self.client, prefix=self._staged(sha256))
        try:
            found = [meta for batch in listing for meta in batch]
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
        return min(found, key=lambda meta: meta["path"]) if found else None

    def _upload(self, source: Path, key: str, sha256: str, size: int, mode: str) -> None:
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

    def stage(self, source: Path, sha256: str, size: int) -> str:
        key = f"{self._staged(sha256)}{uuid.uuid4().hex}"
        self._upload(source, key, sha256, size, "create")
        return key

    def commit_staged(self, ref: DocumentRef, staged: Path | str) -> None:
        key = str(staged)
        if not self._holds_final(ref.sha256, ref.size):
            # A server-side copy: atomic, and the bytes never travel again.
            calling(self.bucket, obstore.copy, self.client, key, self.key(ref.sha256))
        calling(self.bucket, obstore.delete, self.client, key)

    def discard_staged(self, sha256: str, staged: Path | str) -> None:
        calling(self.bucket, obstore.delete, self.client, str(staged))

    def _final_size(self, sha256: str) -> int | None:
        try:
            meta = calling(self.bucket, obstore.head, self.client, self.key(sha256))
        except FileNotFoundError:
            return None
        return int(meta["size"])

    def _holds_final(self, sha256: str, size: int) -> bool:
        return self._final_size(sha256) == size and self._hash_matches(self.key(sha256), sha256)

    def place(self, source: Path, sha256: str, size: int) -> None:
        key = self.key(sha256)
        existing = self._final_size(sha256)
        if existing is not None:
            if existing == size and self._hash_matches(key, sha256):
                return  # these bytes are stored already
            mode = "overwrite"  # damaged in the bucket: these verified bytes replace it
        else:
            mode = "create"
        # AlreadyExists: another machine stored the same bytes in the meantime.
        with contextlib.suppress(AlreadyExistsError):
            self._upload(source, key, sha256, size, mode)

    def _hash_matches(self, key: str, sha256: str) -> bool:
        digest = hashlib.sha256()
        for chunk in self._chunks(key):
            digest.update(chunk)
        return digest.hexdigest() == sha256

    def _readable_key(self, sha256: str) -> str:
        """The stored document's key, else a staged copy's (FileNotFoundError if neither)."""
        key = self.key(sha256)
        if self._final_size(sha256) is not None:
            return key
        staged = self._first_staged(sha256)
        if staged is None:
            raise FileNotFoundError(f"no document {sha256}")
        return str(staged["path"])

    def stored_size(self, sha256: str) -> int | None:
        size = self._final_size(sha256)
        if size is not None:
            return size
        staged = self._first_staged(sha256)
        return int(staged["size"]) if staged else None

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

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        return self._chunks(self._readable_key(sha256))

    async def aiter_bytes(self, sha256: str) -> AsyncIterator[bytes]:
        key = await asyncio.to_thread(self._readable_key, sha256)
        try:
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
