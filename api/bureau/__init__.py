"""The planning bureau's pages: sign-in, the list, starting a process, one process and its
actions, documents and the archive, the outbox (local mail), and the API's docs page."""

from __future__ import annotations

from fastapi import APIRouter

from api.bureau import (
    archive,
    docs,
    insight,
    listing,
    outbox,
    printable,
    process,
    signin,
    start,
)

# /proses/baru before /proses/{workflow_id}: the first router that matches answers.
ROUTERS: tuple[APIRouter, ...] = (
    outbox.router,
    signin.router,
    listing.router,
    start.router,
    process.router,
    archive.router,
    printable.router,
    docs.router,
    insight.router,
)
