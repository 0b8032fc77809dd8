"""The JSON API (``/api``): the bureau's operations for scripts and other systems, with
bearer tokens and one error shape."""

from __future__ import annotations

from fastapi import APIRouter

from api.rest import routes

ROUTERS: tuple[APIRouter, ...] = (routes.router,)
