"""One way to connect to Temporal, with the pydantic data converter everyone must share."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from common.settings import Settings


async def connect(settings: Settings, **options: object) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        **options,  # type: ignore[arg-type]
    )
