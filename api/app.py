"""The web layer: task links, bureau pages and the JSON API, served by uvicorn.

    uv run uvicorn api.app:app --host 127.0.0.1 --port 8000 --no-access-log

Access logs stay off: task links carry their token in the path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import health
from api.temporal_client import TemporalConnection
from common.settings import Settings, get_settings
from common.version import VERSION


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.temporal.close()

    app = FastAPI(title="IKU — Penyusunan Indikator Kinerja Utama", version=VERSION,
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.temporal = TemporalConnection(settings)
    app.include_router(health.router)
    return app


app = create_app()
