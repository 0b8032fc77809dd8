"""Pointing the worker, the web layer and the iku command at a cluster elsewhere: the client
options come from the IKU_TEMPORAL_* settings, a wrong setting stops the start with a clear
message, and both ways of proving who we are work end to end through a real TLS endpoint
(a TLS-terminating relay in front of the dev server, which itself speaks plain gRPC only):
mutual TLS, and Temporal Cloud's API key, which the relay checks on every call."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import hpack
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr, ValidationError
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from common.temporal import (
    TemporalConfigError,
    TemporalConnectError,
    connect,
    connect_options,
    describe_target,
)
from tests.conftest import MailBox
from tests.persistent import Persistent
from tests.processes import WebProcess, WorkerProcess, polled, workers
from tests.scenario import KABAG
from tests.support import free_port, run_with
from tests.web import Web
from worker import deployment_config

SERVER_NAME = "temporal.iku.test"


# --- certificates -----------------------------------------------------------------------


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _cert(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    dns: str | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, issuer_key = issuer or (name, key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]), False)
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(folder: Path) -> Pki:
    """A CA, a server certificate for SERVER_NAME and a client certificate, as PEM files."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = _key()
    ca = _cert("IKU test CA", ca_key, None, ca=True)
    server_key, client_key = _key(), _key()
    server = _cert(SERVER_NAME, server_key, (ca.subject, ca_key), dns=SERVER_NAME)
    client = _cert("iku-worker", client_key, (ca.subject, ca_key))

    def pem(cert: x509.Certificate, name: str) -> Path:
        (folder / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return folder / name

    return Pki(
        ca=pem(ca, "ca.pem"),
        server_cert=pem(server, "server.pem"),
        server_key=_write_key(server_key, folder / "server.key"),
        client_cert=pem(client, "client.pem"),
        client_key=_write_key(client_key, folder / "client.key"),
    )


Pump = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, ssl.SSLError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def tls_endpoint(pki: Pki, serve: Pump, *, client_certs: bool) -> AsyncIterator[str]:
    """A TLS endpoint (HTTP/2 by ALPN; with ``client_certs``, client certificates signed by
    the CA required) that hands each connection to ``serve``; yields its address."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.verify_mode = ssl.CERT_REQUIRED if client_certs else ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    server = await asyncio.start_server(serve, "127.0.0.1", free_port(), ssl=context)
    address = server.sockets[0].getsockname()
    try:
        yield f"{address[0]}:{address[1]}"
    finally:
        server.close()


@contextlib.asynccontextmanager
async def tls_relay(target: str, pki: Pki) -> AsyncIterator[str]:
    """A TLS endpoint asking for client certificates that relays each connection to the
    plain ``target``; yields its address."""
    host, _, port = target.rpartition(":")

    async def relay(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w))

    async with tls_endpoint(pki, relay, client_certs=True) as address:
        yield address


# HTTP/2 as far as a gate needs it (RFC 9113, sections 4 and 6).
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS, SETTINGS, PING, CONTINUATION = 0x1, 0x4, 0x6, 0x9
ACK = END_STREAM = 0x1
END_HEADERS, PADDED, PRIORITY = 0x4, 0x8, 0x20


def h2_frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return len(payload).to_bytes(3) + bytes([kind, flags]) + stream.to_bytes(4) + payload


@dataclass
class Frame:
    raw: bytes
    kind: int
    flags: int
    stream: int
    headers: dict[str, str] | None = None  # a call's headers, on the frame that ends them


class Frames:
    """A client's frames, one at a time, each call's headers decoded (HPACK's table spans
    the connection, so one decoder reads every header block in order)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader, self.decoder, self.block = reader, hpack.Decoder(), b""

    async def next(self) -> Frame:
        head = await self.reader.readexactly(9)
        payload = await self.reader.readexactly(int.from_bytes(head[:3]))
        kind, flags = head[3], head[4]
        frame = Frame(head + payload, kind, flags, int.from_bytes(head[5:]) & 0x7FFFFFFF)
        if kind == HEADERS:
            padding = payload[0] if flags & PADDED else 0
            start = (1 if flags & PADDED else 0) + (5 if flags & PRIORITY else 0)
            self.block = payload[start : len(payload) - padding]
        elif kind == CONTINUATION:
            self.block += payload
        if kind in (HEADERS, CONTINUATION) and flags & END_HEADERS:
            frame.headers = dict(self.decoder.decode(self.block))
        return frame


@dataclass
class ApiKeyGate:
    """What Temporal Cloud does with an API key, in front of the plain ``target``: every
    gRPC call must carry ``authorization: Bearer <key>``. A connection is held until its
    first call's headers are read: with the key it is relayed (and a later call without it
    ends it); without, every call on it is answered UNAUTHENTICATED and nothing reaches
    the server."""

    target: str
    key: str
    calls: list[tuple[str, bool]] = field(default_factory=list)  # (method, key right)

    def allowed(self, headers: dict[str, str]) -> bool:
        right = headers.get("authorization") == f"Bearer {self.key}"
        self.calls.append((headers.get(":path", ""), right))
        return right

    def methods(self) -> set[str]:
        return {path.rpartition("/")[2] for path, _ in self.calls}

    async def __call__(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        frames = Frames(client_r)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            preface = await client_r.readexactly(len(PREFACE))
            held = [await frames.next()]
            while held[-1].headers is None:
                held.append(await frames.next())
            if not self.allowed(held[-1].headers):
                await self._refuse(held, frames, client_w)
                return
            host, _, port = self.target.rpartition(":")
            server_r, server_w = await asyncio.open_connection(host, int(port))
            server_w.writelines([preface, *(frame.raw for frame in held)])
            await asyncio.gather(self._checked(frames, server_w), pump(server_r, client_w))
        client_w.close()

    async def _checked(self, frames: Frames, server_w: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            while True:
                frame = await frames.next()
                if frame.headers is not None and not self.allowed(frame.headers):
                    break
                server_w.write(frame.raw)
                await server_w.drain()
        server_w.close()

    async def _refuse(
        self, held: list[Frame], frames: Frames, client_w: asyncio.StreamWriter
    ) -> None:
        encoder = hpack.Encoder()
        client_w.write(h2_frame(SETTINGS, 0, 0))
        pending = list(held)
        while True:
            for frame in pending:
                if frame.kind == SETTINGS and not frame.flags & ACK:
                    client_w.write(h2_frame(SETTINGS, ACK, 0))
                elif frame.kind == PING and not frame.flags & ACK:
                    client_w.write(h2_frame(PING, ACK, 0, frame.raw[9:]))
                elif frame.headers is not None:
                    if frame is not held[-1]:
                        self.allowed(frame.headers)
                    trailers = encoder.encode(
                        [
                            (":status", "200"),
                            ("content-type", "application/grpc"),
                            ("grpc-status", "16"),  # UNAUTHENTICATED
                            ("grpc-message", "Request unauthorized."),
                        ]
                    )
                    client_w.write(
                        h2_frame(HEADERS, END_HEADERS | END_STREAM, frame.stream, trailers)
                    )
            await client_w.drain()
            pending = [await frames.next()]


# --- the client options -----------------------------------------------------------------


def test_the_local_run_connects_in_plain_text_without_a_key():
    options = connect_options(Settings())
    assert "tls" not in options and "api_key" not in options
    assert options["namespace"] == "default"


def test_a_self_hosted_cluster_with_mutual_tls_gets_the_certificates_from_settings(
    tmp_path: Path,
):
    pki = make_pki(tmp_path)
    settings = Settings(
        temporal_address="temporal.kemnaker.go.id:7233",
        temporal_namespace="iku",
        temporal_tls_client_cert=pki.client_cert,
        temporal_tls_client_key=pki.client_key,
        temporal_tls_server_ca=pki.ca,
        temporal_tls_server_name=SERVER_NAME,
    )
    options = connect_options(settings)
    tls = options["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.client_cert == pki.client_cert.read_bytes()
    assert tls.client_private_key == pki.client_key.read_bytes()
    assert tls.server_root_ca_cert == pki.ca.read_bytes()
    assert tls.domain == SERVER_NAME
    assert options["namespace"] == "iku" and "api_key" not in options
    assert describe_target(settings) == (
        "temporal.kemnaker.go.id:7233, namespace iku (TLS, client certificate)"
    )


def test_temporal_cloud_with_an_api_key_uses_tls_and_the_key():
    settings = Settings(
        temporal_address="iku.a1b2c.tmprl.cloud:7233",
        temporal_namespace="iku.a1b2c",
        temporal_api_key=SecretStr("key-123"),
    )
    options = connect_options(settings)
    assert options["api_key"] == "key-123"
    assert options["tls"] == TLSConfig()  # the system's CAs
    assert "key-123" not in describe_target(settings)


def test_a_certificate_without_its_key_or_a_missing_file_is_refused_naming_the_setting(
    tmp_path: Path,
):
    pki = make_pki(tmp_path)
    with pytest.raises(ValidationError, match="IKU_TEMPORAL_TLS_CLIENT_KEY go together"):
        Settings(temporal_tls_client_cert=pki.client_cert)
    with pytest.raises(ValidationError, match="IKU_TEMPORAL_TLS_SERVER_CA: no such file"):
        Settings(temporal_tls_server_ca=tmp_path / "nowhere.pem")
    with pytest.raises(ValidationError, match="IKU_TEMPORAL_API_KEY is set but empty"):
        Settings(temporal_api_key=SecretStr(""))


def test_a_file_that_is_not_pem_is_refused_naming_the_setting(tmp_path: Path):
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x0a")
    with pytest.raises(TemporalConfigError, match=r"IKU_TEMPORAL_TLS_SERVER_CA: .* not a PEM"):
        connect_options(Settings(temporal_tls_server_ca=der))


def test_worker_versioning_is_off_unless_a_deployment_is_named():
    assert deployment_config(Settings()) is None
    with pytest.raises(ValidationError, match="IKU_WORKER_DEPLOYMENT needs IKU_BUILD_ID"):
        Settings(worker_deployment="iku")
    config = deployment_config(Settings(worker_deployment="iku", build_id="v0.2.0"))
    assert config is not None and config.use_worker_versioning
    assert (config.version.deployment_name, config.version.build_id) == ("iku", "v0.2.0")
    assert config.default_versioning_behavior.name == "AUTO_UPGRADE"


# --- starting against a cluster ------------------------------------------------------------


def start_worker(env: dict[str, str], within: float = 60) -> subprocess.CompletedProcess[str]:
    return run_with([sys.executable, "worker.py"], env, within)


def register_search_attributes(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_with([str(Path(sys.executable).parent / "iku"), "register-search-attributes"], env)


def test_the_worker_stops_at_start_with_a_clear_message_when_temporal_cannot_be_reached():
    address = f"127.0.0.1:{free_port()}"
    begun = time.monotonic()
    done = start_worker({"IKU_TEMPORAL_ADDRESS": address})
    assert done.returncode == 1
    assert f"cannot connect to Temporal at {address}, namespace default" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - begun < 30


def test_the_worker_stops_at_start_naming_a_certificate_that_is_not_there(tmp_path: Path):
    done = start_worker(
        {
            "IKU_TEMPORAL_TLS_CLIENT_CERT": str(tmp_path / "client.pem"),
            "IKU_TEMPORAL_TLS_CLIENT_KEY": str(tmp_path / "client.key"),
        }
    )
    assert done.returncode == 1
    assert "IKU_TEMPORAL_TLS_CLIENT_CERT: no such file" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.devserver
async def test_mutual_tls_through_a_real_tls_endpoint_and_refusals_without_the_client_cert(
    dev_env: WorkflowEnvironment, tmp_path: Path
):
    pki = make_pki(tmp_path / "pki")
    target = dev_env.client.service_client.config.target_host
    async with tls_relay(target, pki) as address:
        settings = Settings(
            temporal_address=address,
            temporal_tls_client_cert=pki.client_cert,
            temporal_tls_client_key=pki.client_key,
            temporal_tls_server_ca=pki.ca,
            temporal_tls_server_name=SERVER_NAME,
        )
        client = await connect(settings)
        listed = [w async for w in client.list_workflows("WorkflowType = 'Nothing'")]
        assert listed == []

        # The iku command goes the same way (a separate process, the same settings).
        done = await asyncio.to_thread(
            register_search_attributes,
            {
                "IKU_TEMPORAL_ADDRESS": address,
                "IKU_TEMPORAL_TLS_CLIENT_CERT": str(pki.client_cert),
                "IKU_TEMPORAL_TLS_CLIENT_KEY": str(pki.client_key),
                "IKU_TEMPORAL_TLS_SERVER_CA": str(pki.ca),
                "IKU_TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
            },
        )
        assert done.returncode == 0, done.stderr
        assert "already present" in done.stdout

        # Without the client certificate, or trusting another CA: a clear refusal.
        no_cert = settings.model_copy(
            update={"temporal_tls_client_cert": None, "temporal_tls_client_key": None}
        )
        with pytest.raises(TemporalConnectError, match=f"cannot connect to Temporal at {address}"):
            await asyncio.wait_for(connect(no_cert, connect_timeout=dt.timedelta(seconds=5)), 30)
        other = make_pki(tmp_path / "other")
        wrong_ca = settings.model_copy(update={"temporal_tls_server_ca": other.ca})
        with pytest.raises(TemporalConnectError, match=r"\(TLS, client certificate\)"):
            await asyncio.wait_for(connect(wrong_ca, connect_timeout=dt.timedelta(seconds=5)), 30)


@pytest.mark.devserver
@pytest.mark.timeout(300)
async def test_an_api_key_goes_with_every_call_of_the_worker_the_web_layer_and_iku(
    dev_env: WorkflowEnvironment,
    settings: Settings,
    mail: MailBox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """As on Temporal Cloud: the worker and the web layer, each a process of its own, reach
    the cluster only with the API key. The Kabag approves on his task page; the web layer's
    Update, the worker's polls and the mail's activity all carried the key, and so does
    ``iku``. With another key the worker stops at start, saying why, without the key."""
    pki = make_pki(tmp_path / "pki")
    target = dev_env.client.service_client.config.target_host
    gate = ApiKeyGate(target, key=f"iku-test-{os.urandom(12).hex()}")
    async with tls_endpoint(pki, gate, client_certs=False) as address:
        port = free_port()
        ours = settings.model_copy(
            update={
                "public_base_url": f"http://127.0.0.1:{port}",
                "temporal_tls_server_ca": pki.ca,
                "temporal_tls_server_name": SERVER_NAME,
            }
        )
        # Secrets reach the children as in production: in the environment they inherit.
        monkeypatch.setenv("IKU_TEMPORAL_API_KEY", gate.key)
        log = tmp_path / "parts.log"
        with workers() as parts:
            parts.append(WorkerProcess(ours, address, log).start())
            web = WebProcess(ours, address, log, port).start()
            parts.append(web)
            await polled(dev_env.client, ours.task_queue)
            await web.ready()
            # The test itself goes straight to the dev server: what passes the gate is theirs.
            process = Persistent(dev_env.client, ours)
            await process.start()
            await process.walk_to(2)
            async with httpx.AsyncClient(timeout=60) as http:
                await Web(http, ours, mail).act(process.id, KABAG, "approve", note="Setuju.")
            await process.until(lambda status: status.step == 3)

        cluster = {
            "IKU_TEMPORAL_ADDRESS": address,
            "IKU_TEMPORAL_API_KEY": gate.key,
            "IKU_TEMPORAL_TLS_SERVER_CA": str(pki.ca),
            "IKU_TEMPORAL_TLS_SERVER_NAME": SERVER_NAME,
        }
        done = await asyncio.to_thread(register_search_attributes, cluster)
        assert done.returncode == 0, done.stderr
        assert "already present" in done.stdout

        assert gate.calls and all(right for _, right in gate.calls), gate.calls
        # The worker polled and reported the step's mail sent; the web layer sent the
        # Kabag's decision; iku asked which search attributes there are.
        assert {
            "PollWorkflowTaskQueue",
            "RespondActivityTaskCompleted",
            "UpdateWorkflowExecution",
            "ListSearchAttributes",
        } <= gate.methods()

        refused = await asyncio.to_thread(
            start_worker,
            {
                **cluster,
                "IKU_TEMPORAL_API_KEY": "a-key-that-is-not-ours",
                "IKU_DATA_DIR": str(tmp_path / "refused"),
            },
        )
    assert refused.returncode == 1, refused.stderr
    assert f"cannot connect to Temporal at {address}" in refused.stderr
    assert "(TLS, API key)" in refused.stderr
    assert "the cluster refused the API key: check IKU_TEMPORAL_API_KEY" in refused.stderr
    assert "a-key-that-is-not-ours" not in refused.stderr + refused.stdout
    assert gate.key not in log.read_text()
    assert not gate.calls[-1][1]  # the gate saw the wrong key, and let nothing through


async def test_a_cluster_that_refuses_us_is_told_apart_with_a_key_and_without(tmp_path: Path):
    """UNAUTHENTICATED at connect says which setting to look at (the gate refuses every
    call here, so nothing behind it is reached)."""
    pki = make_pki(tmp_path / "pki")
    gate = ApiKeyGate(f"127.0.0.1:{free_port()}", key="ours")
    async with tls_endpoint(pki, gate, client_certs=False) as address:
        settings = Settings(
            temporal_address=address,
            temporal_tls_server_ca=pki.ca,
            temporal_tls_server_name=SERVER_NAME,
        )
        with pytest.raises(TemporalConnectError, match="wants credentials: set IKU_TEMPORAL_API_"):
            await connect(settings)
        another = settings.model_copy(update={"temporal_api_key": SecretStr("not-ours")})
        with pytest.raises(TemporalConnectError, match="refused the API key") as refused:
            await connect(another)
    assert "not-ours" not in str(refused.value)
    assert [right for _, right in gate.calls] == [False, False]
