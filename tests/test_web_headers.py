"""No header a client sends can make the web layer fail: every route, every header that any
part of the app reads, with values that are malformed in the ways real clients and attackers
send them. A refusal (4xx) is the right answer; a 5xx or an unhandled error in the log is not.

Requests go over a raw socket, so the values reach the server byte for byte (an HTTP client
library would refuse to send many of them). A valid session cookie, bearer token and
same-origin headers are sent alongside, so each route's own code runs past its sign-in and
cross-site checks, and a real task link and process are in the paths.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from tests.bureau import signed_in, token
from tests.scenario import KASUBAG, Scenario
from tests.web import Web

pytestmark = pytest.mark.devserver


def _b64(raw: bytes) -> bytes:
    return base64.b64encode(raw)


BAD_ORIGINS = [
    b"http://[::1",
    b"http://iku.test:abc",
    b"http://iku.test:99999",
    b"http://",
    b"file:///etc/passwd",
    b"null, null",
    b"\xff\xfe",
]
MALFORMED: dict[str, list[bytes]] = {
    "Origin": BAD_ORIGINS,
    "Referer": [b"http://[::1", b"http://h:99999/x", b"::::", b"\xff"],
    "Host": [b"[::1", b"iku.test:99999", b"iku.test:abc", b"\xff", b"a" * 3000, b"evil.example"],
    "X-Forwarded-For": [b"not-an-ip", b"1.2.3.4, [", b",,,", b"\xff", b"1.1.1.1, " * 500],
    "Cookie": [b"iku_session=garbage", b'iku_session="', b"=; ;;=", b"\xff=\xff", b"a" * 8000],
    "Authorization": [
        b"Bearer",
        b"Bearer ",
        b"Basic !!!",
        b"Basic " + _b64(b"no-colon"),
        b"Basic " + _b64(b"\xff\xfe:\xff"),
        b"Digest username=x",
    ],
    "Content-Type": [
        b"multipart/form-data",
        b"multipart/form-data; boundary=",
        b"multipart/form-data; boundary=\xff",
        b"multipart/form-data; boundary=" + b"b" * 300,  # longer than any parser takes
        b"application/json; charset=nope",
        b"application/x-www-form-urlencoded; charset=nope",
        b"text/plain",
    ],
    "Content-Length": [b"-1", b"abc", b"99999999999999999999", b"1, 2"],
    "Accept-Language": [b"*;q=abc", b"en;q=1e309", b"x" * 5000, b";;;,,,", b"\xff"],
    "Idempotency-Key": [b"", b"x" * 2000, b"\xff\xfe", b"../../etc/passwd"],
}


def routes(web: Web) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route the app serves."""

    def walk(items: list, prefix: str) -> Iterator[tuple[str, str]]:
        for route in items:
            included = getattr(route, "original_router", None)
            if included is not None:
                yield from walk(included.routes, prefix + route.include_context.prefix)
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield method, prefix + route.path

    yield from walk(create_app(web.settings).routes, "")


async def send(port: int, request: bytes) -> int | None:
    """The status the server answered, or None when it closed without answering."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        writer.write_eof()  # a body shorter than its Content-Length ends here
        line = await asyncio.wait_for(reader.readline(), timeout=60)
    finally:
        writer.close()
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


async def test_no_malformed_header_on_any_route_gives_a_server_error(
    dev_env, web: Web, caplog: pytest.LogCaptureFixture
):
    web.settings.outbox_enabled = True
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    link_path = urlsplit(link).path
    async with signed_in(web, "ops") as ops:
        session = "; ".join(f"{k}={v}" for k, v in ops.http.cookies.items()).encode()
    port = urlsplit(web.settings.public_base_url).port
    assert port is not None
    values = {
        "token": link_path.removeprefix("/t/"),
        "workflow_id": p.id,
        "run_id": p.first_run_id or "",
        "sha256": "0" * 64,
        "name": "x.eml",
        "code": "x",
        "task_id": "s09-1",
    }
    normal: dict[str, bytes] = {
        "Host": f"127.0.0.1:{port}".encode(),
        "Origin": b"null",
        "Sec-Fetch-Site": b"same-origin",
        "Cookie": session,
        "Authorization": b"Bearer " + token(web.settings, "ops").encode(),
        "Content-Type": b"application/x-www-form-urlencoded",
        "Accept-Language": b"id",
        "Idempotency-Key": b"fuzz-1",
    }
    body = b"a=b"
    cases = []
    for method, template in routes(web):
        plain = re.sub(r"\{(\w+):\w+\}", r"{\1}", template)  # {run_id:uuid}: {run_id}
        path = plain.format(**{k: v for k, v in values.items() if "{" + k + "}" in plain})
        for header, bad_values in MALFORMED.items():
            for bad in bad_values:
                headers = {**normal, header: bad}
                length = headers.pop("Content-Length", str(len(body)).encode())
                head = b"".join(f"{k}: ".encode() + v + b"\r\n" for k, v in headers.items())
                request = (
                    f"{method} {path} HTTP/1.1\r\n".encode()
                    + head
                    + b"Content-Length: "
                    + length
                    + b"\r\nConnection: close\r\n\r\n"
                    + (body if method == "POST" else b"")
                )
                cases.append((method, template, header, bad, request))
    assert len({(m, t) for m, t, *_ in cases}) >= 30  # every front door is in
    limit = asyncio.Semaphore(6)

    async def run(case: tuple[str, str, str, bytes, bytes]) -> str | None:
        method, template, header, bad, request = case
        async with limit:
            status = await send(port, request)
        if status is not None and status >= 500:
            return f"{method} {template} {header}: {bad[:40]!r} -> {status}"
        return None

    with caplog.at_level(logging.ERROR):
        failures = [f for f in await asyncio.gather(*(run(c) for c in cases)) if f]
    assert failures == [], "\n".join(failures)
    unhandled = [r.getMessage() for r in caplog.records if "unhandled" in r.getMessage()]
    assert unhandled == []


@pytest.mark.parametrize("origin", BAD_ORIGINS[:3])
async def test_a_malformed_origin_on_a_form_is_refused_as_cross_site(web: Web, origin: bytes):
    async with signed_in(web, "bureau") as biro:
        page = await biro.page("/proses/baru")
        assert page.status == 200
        response = await biro.http.post(
            "/proses/baru",
            data={"csrf": "x"},
            headers={"Origin": origin.decode("latin-1"), "Sec-Fetch-Site": "same-origin"},
        )
    assert response.status_code == 403
    assert "Formulir ini tidak berasal dari sesi Anda" in response.text
    assert "Tidak ada yang diubah" in response.text


async def raw_get(web: Web, path: str, host: bytes) -> tuple[int, str, bytes]:
    port = urlsplit(web.settings.public_base_url).port
    assert port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\n")
    writer.write(b"Connection: close\r\n\r\n")
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=30)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    content_type = next(
        (ln.split(":", 1)[1].strip() for ln in lines if ln.lower().startswith("content-type:")),
        "",
    )
    return int(lines[0].split()[1]), content_type, body


async def test_a_host_the_deployment_does_not_serve_is_refused_clearly(web: Web):
    status, content_type, body = await raw_get(web, "/masuk", b"evil.example")
    assert status == 400 and content_type.startswith("text/plain")
    assert "Nama server (Host) ini tidak dilayani" in body.decode()
    assert "does not answer to that host name" in body.decode()
    status, content_type, body = await raw_get(web, "/api/processes", b"evil.example:8000")
    assert status == 400 and content_type == "application/json"
    assert b'"code":"unknown_host"' in body


async def test_the_local_names_and_the_configured_ones_are_served(web: Web):
    port = urlsplit(web.settings.public_base_url).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        status, _, _ = await raw_get(web, "/healthz", host.encode())
        assert status in (200, 503), host  # 503 only if Temporal were out of reach
    assert (await raw_get(web, "/masuk", b"iku.kemnaker.go.id"))[0] == 400
    web.settings.allowed_hosts = ["iku.kemnaker.go.id"]
    assert (await raw_get(web, "/masuk", b"iku.kemnaker.go.id"))[0] == 200
    assert (await raw_get(web, "/masuk", f"127.0.0.1:{port}".encode()))[0] == 400


async def test_the_probes_answer_a_replica_called_by_its_address(web: Web):
    # The compose file's health check calls 127.0.0.1, Prometheus a replica's address;
    # IKU_ALLOWED_HOSTS names only the public host. No page or link is made for them.
    web.settings.allowed_hosts = ["iku.kemnaker.go.id"]
    port = urlsplit(web.settings.public_base_url).port
    for host in (f"127.0.0.1:{port}", f"172.18.0.5:{port}", "evil.example"):
        assert (await raw_get(web, "/healthz", host.encode()))[0] in (200, 503), host
        # /metrics still asks for its token (and the host check's own answer is 400).
        assert (await raw_get(web, "/metrics", host.encode()))[0] == 401, host
        assert (await raw_get(web, "/masuk", host.encode()))[0] == 400, host
        assert (await raw_get(web, "/healthz/", host.encode()))[0] == 400, host


async def test_options_on_every_route_is_405_naming_the_allowed_methods(web: Web):
    seen = set()
    async with signed_in(web, "ops") as ops:
        for method, template in routes(web):
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", template).format(
                token="x",
                workflow_id="iku-2027-x",
                run_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
                sha256="0" * 64,
                name="x",
                code="x",
                task_id="s09-1",
            )
            if path in seen:
                continue
            seen.add(path)
            answer = await ops.http.options(
                path,
                headers={
                    "Origin": "https://elsewhere.example",
                    "Access-Control-Request-Method": "POST",
                },
            )
            assert answer.status_code == 405, (path, answer.status_code)
            assert method in answer.headers["allow"], path
            assert "access-control-allow-origin" not in answer.headers
