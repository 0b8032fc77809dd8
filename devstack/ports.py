"""Loopback ports: is one free before we start, and is one answering after."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import time

from devstack.children import Child
from devstack.errors import StartupError


def port_is_free(host: str, port: int) -> bool:
    """False when a listener holds ``host:port``; OSError when it cannot be bound for
    another reason (a host that is not this machine's or has no address, a port below
    1024 without the right to it): busy is only what EADDRINUSE says."""
    family, _, _, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the servers themselves bind: connections lingering in TIME_WAIT after the
        # previous run must not count as "in use", only a live listener does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                return False
            raise
    return True


async def answers(host: str, port: int) -> bool:
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 2)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def wait_until_answers(
    host: str, port: int, child: Child, what: str, patience: float = 60.0
) -> None:
    """Until ``host:port`` accepts a connection; fails early if ``child`` dies meanwhile."""
    deadline = time.monotonic() + patience
    while not await answers(host, port):
        if not child.running:
            raise StartupError(
                f"{child.name} exited (code {child.returncode}) before {what} answered "
                f"on {host}:{port}",
                child.tail(),
            )
        if time.monotonic() > deadline:
            raise StartupError(
                f"{what} did not answer on {host}:{port} within {patience:.0f} s", child.tail()
            )
        await asyncio.sleep(0.2)


def probe_host(bind_host: str) -> str:
    """Where to connect to reach a server bound to ``bind_host`` (a wildcard means loopback)."""
    return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(bind_host, bind_host)


def local_url(bind_host: str, port: int) -> str:
    """The ``http://`` address that reaches, from this machine, a server bound to
    ``bind_host`` (an IPv6 address in brackets)."""
    host = probe_host(bind_host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
