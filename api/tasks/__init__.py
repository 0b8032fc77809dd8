"""The task links: an official's page for one task (``/t/<token>``), the decision posted from
it, and the documents it offers (``/t/<token>/dokumen/<sha256>``)."""

from __future__ import annotations

from fastapi import APIRouter

from api.tasks import documents, routes

ROUTERS: tuple[APIRouter, ...] = (routes.router, documents.router)
