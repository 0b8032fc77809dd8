"""The data converter everyone shares: pydantic's JSON, with one set of type adapters for
the whole process.

The SDK builds a payload converter for every workflow it puts in its cache, and the
pydantic converter keeps its type adapters per converter: each process put in the cache
built its own adapter of ``WorkflowInput`` (about 5 ms of CPU), again on every replay.
Adapters only validate and are safe to share.
The payloads are the same JSON as ``pydantic_data_converter``'s, so histories written
with either replay with either.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from pydantic import TypeAdapter
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)

# Our payloads are a few dozen types; bounded all the same.
_adapter = functools.lru_cache(maxsize=256)(TypeAdapter)


class _SharedAdaptersJSON(PydanticJSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__(max_cached_type_adapters=0)  # the process-wide cache instead

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        hint = type_hint if type_hint is not None else Any
        try:
            adapter: TypeAdapter[Any] = _adapter(hint)
        except TypeError:
            if _hashable(hint):
                raise  # building the adapter failed
            adapter = TypeAdapter(hint)  # an unhashable hint is not cached
        return adapter.validate_json(payload.data)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class SharedPayloadConverter(CompositePayloadConverter):
    """The SDK's default converters, with pydantic's JSON in place of plain JSON.

    One instance for the process: the SDK asks for a new one twice per workflow activation
    and once per cached workflow, and this one holds nothing but its converters."""

    _shared: ClassVar[SharedPayloadConverter | None] = None

    def __new__(cls) -> SharedPayloadConverter:
        if cls._shared is None:
            shared = super().__new__(cls)
            json = _SharedAdaptersJSON()
            CompositePayloadConverter.__init__(
                shared,
                *(
                    json if isinstance(c, JSONPlainPayloadConverter) else c
                    for c in DefaultPayloadConverter.default_encoding_payload_converters
                ),
            )
            cls._shared = shared
        return cls._shared

    def __init__(self) -> None:
        pass  # built once, in __new__


data_converter = DataConverter(payload_converter_class=SharedPayloadConverter)
