"""Where a process's pages are: by its id and run (``/proses/<id>/<run>``).

An address by id alone still works: it is sent on (307) to the process's run, so a link
once given stays on the process it named whatever later starts under the same id.
"""

from __future__ import annotations

from starlette.datastructures import URL


def process_url(workflow_id: str, run_id: str, tail: str = "") -> str:
    """The process page (``tail``: ``/arsip``, ``/dokumen/<sha256>``...) of this run."""
    return f"/proses/{workflow_id}/{run_id}{tail}"


def with_query(path: str, url: URL) -> str:
    """``path`` with the query of ``url`` (a banner's ``?ok=``, the language) kept."""
    return f"{path}?{url.query}" if url.query else path
