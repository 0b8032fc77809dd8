"""Who a request comes from and which name it was sent to, read from headers that a client
writes as it likes: every function here answers for any input and never raises.

- ``host_name``: the name in a ``Host`` header (port and IPv6 brackets removed), or None
  when the header is not a host name at all.
- ``host_allowed``: whether that name is one the deployment answers to (``*.example.id``
  allows subdomains, ``*`` anything).
- ``forwarded_client``: the client's address, believing ``X-Forwarded-For`` only as far as
  it was written by proxies the settings trust; the peer's own address otherwise.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import Final

# RFC 3986 reg-name, kept to what DNS and /etc/hosts accept (letters, digits, -, _, .).
_NAME: Final = re.compile(r"[a-z0-9_](?:[a-z0-9_.-]{0,251}[a-z0-9_])?\.?")
_PORT: Final = re.compile(r"[0-9]{1,5}")
# A forwarded chain longer than this is not from a real proxy path.
MAX_FORWARDED: Final = 20


def host_name(header: str | None) -> str | None:
    """``iku.example.id:8000`` → ``iku.example.id``; ``[::1]:8000`` → ``::1``."""
    if not header:
        return None
    host = header.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        rest = host[end + 1 :] if end > 0 else "x"
        if rest and not (rest.startswith(":") and _valid_port(rest[1:])):
            return None
        try:
            return str(ipaddress.IPv6Address(host[1:end]))
        except ValueError:
            return None
    name, colon, port = host.partition(":")
    if colon and not _valid_port(port):
        return None
    if not _NAME.fullmatch(name):
        return None
    return name.rstrip(".")


def _valid_port(text: str) -> bool:
    return bool(_PORT.fullmatch(text)) and 0 < int(text) < 65536


def host_allowed(name: str | None, allowed: Iterable[str]) -> bool:
    if name is None:
        return False
    for entry in allowed:
        entry = entry.strip().lower()
        if entry == "*" or entry == name:
            return True
        if entry.startswith("*.") and name.endswith(entry[1:]):
            return True
        if _literal(entry) == name:
            return True
    return False


def _literal(entry: str) -> str | None:
    """An allowed IP address as ``host_name`` writes it (``[2001:DB8:0::1]`` →
    ``2001:db8::1``), so any spelling of it in the settings matches; None for a name."""
    text = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def forwarded_client(
    peer: str | None, forwarded_for: Iterable[str], trusted: Callable[[str | None], bool]
) -> str | None:
    """The address of the client: the peer, unless the peer is a trusted proxy; then the
    right-most address in ``X-Forwarded-For`` (all its headers, in order) that is not a
    trusted proxy itself. A malformed or overlong chain is not believed: the peer stays."""
    if not trusted(peer):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    if not hops or len(hops) > MAX_FORWARDED:
        return peer
    client = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer
        client = address
        if not trusted(address):
            break
    return client


def _address(hop: str) -> str | None:
    """An IP address as proxies write it (``203.0.113.9``, ``[2001:db8::1]:443``,
    ``198.51.100.7:5000``), normalised; None for anything else."""
    text = hop.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
