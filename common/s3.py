"""The S3 bucket shared by the web layer and the worker: its client, and its errors in our
terms. Documents live under ``<s3_prefix>documents/``, archive bags under
``<s3_prefix>archive/``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import ParamSpec, TypeVar

import obstore
from obstore.exceptions import (
    AlreadyExistsError,
    BaseError,
    NotFoundError,
    PreconditionError,
)
from obstore.store import S3Store

from common.documents.base import StoreUnavailable
from common.settings import Settings

P = ParamSpec("P")
T = TypeVar("T")

# Parts of a multipart upload: S3's minimum part size is 5 MiB (except the last).
PART_BYTES = 8 * 1024 * 1024


def s3_store(settings: Settings) -> S3Store:
    """A client for the configured bucket, one per configuration in a process: each use
    (a request's document store, a signing fetch, a metrics scrape) shares its connections
    rather than opening its own."""
    if not settings.s3_bucket:
        raise ValueError("IKU_S3_BUCKET is not set")
    secret = settings.s3_secret_access_key
    return _client(
        settings.s3_bucket,
        settings.s3_region,
        settings.s3_endpoint_url,
        settings.s3_access_key_id,
        secret.get_secret_value() if secret else None,
        settings.s3_timeout_seconds,
    )


@lru_cache(maxsize=16)
def _client(
    bucket: str,
    region: str,
    endpoint: str | None,
    access_key_id: str | None,
    secret_access_key: str | None,
    timeout_seconds: float,
) -> S3Store:
    """Retries are short: a person is waiting for the answer, and a 503 that says "try
    again" beats a page that hangs for minutes."""
    config: dict[str, object] = {"region": region}
    if endpoint:
        config["endpoint"] = endpoint
        # A self-hosted server (SeaweedFS, MinIO, Ceph) is addressed by path, not by a
        # bucket subdomain, and may be plain HTTP inside the cluster.
        config["virtual_hosted_style_request"] = False
    if access_key_id and secret_access_key:
        config["access_key_id"] = access_key_id
        config["secret_access_key"] = secret_access_key
    return S3Store(
        bucket,
        config=config,  # type: ignore[arg-type]
        client_options={
            "allow_http": bool(endpoint and endpoint.startswith("http://")),
            "connect_timeout": timedelta(seconds=5),
            "timeout": timedelta(seconds=timeout_seconds),
        },
        retry_config={
            "max_retries": 2,
            "backoff": {
                "init_backoff": timedelta(milliseconds=100),
                "max_backoff": timedelta(seconds=2),
                "base": 2,
            },
            "retry_timeout": timedelta(seconds=timeout_seconds),
        },
    )


def key_prefix(settings: Settings, area: str) -> str:
    """Where one kind of object lives in the bucket: ``documents/`` or ``archive/``, under
    the configured prefix when several installations share one bucket."""
    shared = settings.s3_prefix.strip("/")
    return f"{shared}/{area}/" if shared else f"{area}/"


def unavailable(err: BaseError, bucket: str) -> StoreUnavailable:
    """An S3 failure that is not about one object (down, unreachable, refused)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    # The first line names the operation and the URL (bucket and key), never a credential.
    return StoreUnavailable(f"the S3 bucket {bucket} cannot be used now: {first[:300]}")


def calling(bucket: str, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call``, with NotFound as FileNotFoundError and the rest of S3's failures, apart
    from those a caller handles itself, as StoreUnavailable."""
    try:
        return call(*args, **kwargs)
    except NotFoundError as err:
        raise FileNotFoundError(str(err).splitlines()[0]) from None
    except (AlreadyExistsError, PreconditionError):
        raise
    except BaseError as err:
        raise unavailable(err, bucket) from None


class BucketArea:
    """The objects under one area of the bucket (``<prefix>/<area>/``), by their names in
    it. NotFound is FileNotFoundError, the rest of S3's
    failures StoreUnavailable."""

    def __init__(self, settings: Settings, area: str) -> None:
        self.settings = settings
        self.bucket = settings.s3_bucket or ""
        self.prefix = key_prefix(settings, area)

    @property
    def store(self) -> S3Store:
        return s3_store(self.settings)

    def get(self, name: str) -> bytes:
        got = calling(self.bucket, obstore.get, self.store, self.prefix + name)
        try:
            return bytes(got.bytes())
        except BaseError as err:
            raise unavailable(err, self.bucket) from None

    def put(self, name: str, data: bytes) -> None:
        calling(self.bucket, obstore.put, self.store, self.prefix + name, data)

    def delete(self, name: str) -> None:
        calling(self.bucket, obstore.delete, self.store, self.prefix + name)

    def listing(self) -> list[tuple[str, datetime]]:
        """Every object's name and when it was last written."""
        stream = calling(self.bucket, obstore.list, self.store, prefix=self.prefix)
        try:
            return [
                (meta["path"].removeprefix(self.prefix), meta["last_modified"])
                for batch in stream
                for meta in batch
            ]
        except BaseError as err:
            raise unavailable(err, self.bucket) from None
