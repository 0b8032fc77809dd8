"""HEAD answers as GET does, without the body (RFC 9110 §9.3.2).

Uptime checks, proxies and mail programs' link scanners ask with HEAD; FastAPI's routes take
GET only, so they got 405. The app sees a GET (a copy of the request: the server still knows
it as HEAD and writes no body), and the answer's status and headers, Content-Length
included, are the GET's. The GET's work is done (a task page asks Temporal, a download
starts reading its file): a HEAD costs what the GET costs, less the bytes sent.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        ended = False

        async def headers_only(message: Message) -> None:
            nonlocal ended
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not ended:
                # The first chunk ends the answer; a streamed body's rest goes nowhere.
                ended = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            elif message["type"] != "http.response.body":
                await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
