"""The data converter: the same JSON as the SDK's pydantic converter, and one type adapter
per type for the whole worker, however many processes it caches (the SDK makes a converter
for each)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from temporalio.contrib.pydantic import pydantic_data_converter

from common.converter import SharedPayloadConverter, _adapter, data_converter
from common.models import HistoryEntry, HistoryEvent, ProcessRecord

RECORD = ProcessRecord(
    started_at=datetime(2027, 1, 4, 2, 30, tzinfo=UTC),
    history=[
        HistoryEntry(seq=1, at=datetime(2027, 1, 4, 2, 30, tzinfo=UTC), event=HistoryEvent.STARTED)
    ],
)


def test_a_record_is_the_same_json_as_with_the_sdk_pydantic_converter() -> None:
    ours = data_converter.payload_converter.to_payloads([RECORD, 3, "teks"])
    assert ours == pydantic_data_converter.payload_converter.to_payloads([RECORD, 3, "teks"])
    back = data_converter.payload_converter.from_payloads(ours, [ProcessRecord, int, str])
    assert back == [RECORD, 3, "teks"]


def test_a_converter_for_each_cached_process_builds_no_type_adapter_again() -> None:
    payloads = data_converter.payload_converter.to_payloads([RECORD])
    SharedPayloadConverter().from_payloads(payloads, [ProcessRecord])
    before = _adapter.cache_info()
    for _ in range(3):
        assert SharedPayloadConverter().from_payloads(payloads, [ProcessRecord]) == [RECORD]
    after = _adapter.cache_info()
    assert (after.misses, after.hits) == (before.misses, before.hits + 3)


def test_every_converter_the_sdk_asks_for_is_the_one_of_the_process() -> None:
    # The SDK asks twice per activation and once per cached process (2.5 KiB each).
    assert SharedPayloadConverter() is SharedPayloadConverter()


def test_an_unhashable_type_hint_is_converted_without_the_cache() -> None:
    hint = Annotated[int, {"unhashable": "metadata"}]
    payloads = data_converter.payload_converter.to_payloads([7])
    assert SharedPayloadConverter().from_payloads(payloads, [hint]) == [7]  # type: ignore[list-item]


def test_a_decoded_record_keeps_no_set_of_given_fields_per_model() -> None:
    """Half of a kept process's record was pydantic's per-instance set of given fields."""
    payloads = data_converter.payload_converter.to_payloads([RECORD, RECORD])
    first, second = data_converter.payload_converter.from_payloads(
        payloads, [ProcessRecord, ProcessRecord]
    )
    assert first.__pydantic_fields_set__ is second.__pydantic_fields_set__
    entry = first.history[0]
    assert entry.__pydantic_fields_set__ is second.history[0].__pydantic_fields_set__
    assert entry.model_fields_set == set(HistoryEntry.model_fields)
    # Assigning or copying a field changes neither the shared set nor the other record.
    entry.note = "dikembalikan"
    copied = entry.model_copy(update={"detail": "x"})
    assert entry.model_fields_set == set(HistoryEntry.model_fields)
    assert (copied.note, copied.detail, second.history[0].note) == ("dikembalikan", "x", "")
    assert data_converter.payload_converter.to_payloads([second]) == payloads[:1]
