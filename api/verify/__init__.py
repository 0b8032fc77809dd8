"""The public verification of a signed IKU: ``/v/<code>`` (the QR code on the stamp opens
it), an upload to check a copy against the record, and the same report as JSON."""

from __future__ import annotations

from fastapi import APIRouter

from api.verify import routes

ROUTERS: tuple[APIRouter, ...] = (routes.router,)
