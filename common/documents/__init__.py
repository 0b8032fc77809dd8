"""The document store: a content-addressed local folder, or an S3 bucket (``IKU_DOCUMENT_STORE``).

Callers get one with ``open_document_store(settings)`` and use only the interface of
``DocumentStore`` (base.py); local.py and s3.py are the two backends.
"""

from __future__ import annotations

from common.documents.base import (
    DocumentChanged,
    DocumentStore,
    DocumentTooLarge,
    EmptyDocument,
    NoRoom,
    Spool,
    StagedDocument,
    StoreUnavailable,
    display_name,
    sha256_of,
)
from common.documents.local import LocalDocumentStore
from common.settings import Settings

__all__ = [
    "DocumentChanged",
    "DocumentStore",
    "DocumentTooLarge",
    "EmptyDocument",
    "LocalDocumentStore",
    "NoRoom",
    "Spool",
    "StagedDocument",
    "StoreUnavailable",
    "display_name",
    "open_document_store",
    "sha256_of",
]


def open_document_store(settings: Settings) -> DocumentStore:
    """The store the settings choose; the web layer and the worker must choose the same."""
    if settings.document_store == "s3":
        from common.documents.s3 import S3DocumentStore  # obstore only where S3 is used

        return S3DocumentStore(settings)
    return LocalDocumentStore(settings.documents_dir)
