"""A body over the cap is refused with a 413 the client can read: the rest of it is read
and dropped first (up to a bound), so a client still sending is not cut off by a reset
before the answer reaches it."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from api.core.body_limit import DRAIN_BYTES, BodyLimit


async def never_called(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError("a refused body must not reach the app")


def request(path: str, chunks: list[bytes], declared: int | None) -> tuple[Scope, Receive, list]:
    headers = [(b"content-type", b"application/json")]
    if declared is not None:
        headers.append((b"content-length", str(declared).encode()))
    scope: Scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return scope, receive, pending


async def refused(path: str, chunks: list[bytes], declared: int | None) -> tuple[int, list]:
    scope, receive, pending = request(path, chunks, declared)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await BodyLimit(never_called, limit=10)(scope, receive, send)
    return sent[0]["status"], pending


async def test_a_declared_body_over_the_cap_is_read_to_its_end_before_the_413():
    status, left = await refused("/api/processes", [b"x" * 8] * 5, declared=40)
    assert status == 413 and left == []


async def test_a_chunked_body_over_the_cap_is_read_to_its_end_before_the_413():
    status, left = await refused("/bureau/start", [b"x" * 8] * 5, declared=None)
    assert status == 413 and left == []


async def test_a_body_far_over_the_cap_is_not_read_whole():
    chunk = b"x" * (1024 * 1024)
    count = DRAIN_BYTES // len(chunk) + 3
    status, left = await refused("/api/processes", [chunk] * count, declared=None)
    assert status == 413 and left  # answered and closed, the rest never read
