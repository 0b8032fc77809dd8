"""Checks against the document store, run from the workflow's decision handlers."""

from __future__ import annotations

from temporalio import activity

from common.documents import open_document_store
from common.models import DocumentsCheck
from common.settings import Settings


class DocumentActivities:
    def __init__(self, settings: Settings) -> None:
        self._store = open_document_store(settings)

    # A plain function: the worker runs it in its thread pool (it re-hashes every file).
    @activity.defn(name="missing_documents")
    def missing_documents(self, check: DocumentsCheck) -> list[str]:
        """The keys of referenced documents the store does not hold with that sha256."""
        return [ref.key for ref in check.documents if not self._store.holds(ref)]
