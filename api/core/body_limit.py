"""A cap on request bodies the app reads whole (JSON, sign-in and steering forms).

FastAPI reads a JSON body completely before any check of ours runs, so the cap sits in
front: a declared length over it is refused at once, and a chunked body is read up to it
and then handed on in one piece. Task decisions (``/t/…``) and document uploads
(``/api/documents``) stream with limits of their own and pass untouched.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.core.i18n_bureau import problem_texts
from api.core.json_errors import API_PREFIX, ApiProblem, problem_response

LIMIT_BYTES = 256 * 1024
# A body refused is still read, and dropped, up to this much before the answer goes: a
# client still sending when the connection closes may see it reset and never read the 413
# (seen under load). Beyond it the connection just closes after the answer.
DRAIN_BYTES = 4 * 1024 * 1024
STREAMING_PREFIXES = ("/t/", "/api/documents", "/v/")


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = LIMIT_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or scope["path"].startswith(STREAMING_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > self.limit:
                if declared.isdigit() and int(declared) <= DRAIN_BYTES:
                    await _drain(receive, int(declared))
                await self._refuse(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                if message.get("more_body", False):
                    await _drain(receive, DRAIN_BYTES - len(body))
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What is left of the body stays unread: the connection closes after this answer.
        closing = {"Connection": "close"}
        response: Response
        if scope["path"].startswith(API_PREFIX):
            response = problem_response(ApiProblem(413, "too_large", headers=closing))
        else:
            english, indonesian = problem_texts("too_large")
            response = PlainTextResponse(
                f"{indonesian}\n{english}\n", status_code=413, headers=closing
            )
        await response(scope, receive, send)


async def _drain(receive: Receive, at_most: int) -> None:
    """Read and drop the body's rest, up to ``at_most`` bytes (those already read don't count)."""
    read = 0
    while read <= at_most:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        read += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
