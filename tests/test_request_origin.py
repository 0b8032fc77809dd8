"""Host names and client addresses from headers a client writes as it likes."""

from __future__ import annotations

import pytest

from common.request_origin import MAX_FORWARDED, forwarded_client, host_allowed, host_name
from common.settings import Settings


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("iku.kemnaker.go.id", "iku.kemnaker.go.id"),
        ("IKU.Kemnaker.go.id:8443", "iku.kemnaker.go.id"),
        ("iku.kemnaker.go.id.", "iku.kemnaker.go.id"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "::1"),
        ("[::1]", "::1"),
        ("localhost", "localhost"),
    ],
)
def test_the_name_in_a_host_header(header, name):
    assert host_name(header) == name


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "[::1",
        "[::1]x",
        "[::1]:",
        "[nope]:80",
        "host:99999",
        "host:0",
        "host:port",
        "host:80:80",
        "a b",
        "evil.example/path",
        "user@host",
        "\x00",
        "é.example",
        "-" * 300,
    ],
)
def test_what_is_not_a_host_name_has_none(header):
    assert host_name(header) is None


def test_allowed_hosts_exact_and_wildcards():
    hosts = ["iku.kemnaker.go.id", "*.biro.go.id", "::1"]
    assert host_allowed("iku.kemnaker.go.id", hosts)
    assert host_allowed("a.biro.go.id", hosts)
    assert not host_allowed("biro.go.id.evil", hosts)
    assert not host_allowed("evilbiro.go.id", hosts)
    assert host_allowed("::1", hosts)
    assert not host_allowed(None, hosts)
    assert host_allowed("anything", ["*"])


def trusting(*networks: str):
    return Settings(trusted_proxies=list(networks)).is_trusted_proxy


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says():
    assert forwarded_client("127.0.0.1", ["203.0.113.9"], trusting()) == "127.0.0.1"


def test_behind_a_trusted_proxy_the_right_most_untrusted_address_is_the_client():
    trusted = trusting("10.0.0.0/8")
    # The client wrote the first entry itself: only what our proxy appended counts.
    assert forwarded_client("10.0.0.2", ["6.6.6.6, 203.0.113.9"], trusted) == "203.0.113.9"
    assert forwarded_client("10.0.0.2", ["6.6.6.6", "203.0.113.9, 10.0.0.3"], trusted) == (
        "203.0.113.9"
    )
    assert forwarded_client("10.0.0.2", ["[2001:db8::1]:443"], trusted) == "2001:db8::1"
    assert forwarded_client("10.0.0.2", ["198.51.100.7:5000"], trusted) == "198.51.100.7"


def test_a_request_not_from_a_trusted_proxy_is_not_believed():
    assert forwarded_client("203.0.113.50", ["10.0.0.1"], trusting("10.0.0.0/8")) == (
        "203.0.113.50"
    )


@pytest.mark.parametrize(
    "header", ["not-an-ip", "", "1.2.3.4, garbage", ",".join(["1.2.3.4"] * (MAX_FORWARDED + 1))]
)
def test_a_malformed_chain_leaves_the_peer(header):
    assert forwarded_client("10.0.0.2", [header], trusting("10.0.0.0/8")) == "10.0.0.2"


def test_no_header_leaves_the_peer():
    assert forwarded_client("10.0.0.2", [], trusting("10.0.0.0/8")) == "10.0.0.2"
    assert forwarded_client(None, ["1.2.3.4"], trusting("10.0.0.0/8")) is None


@pytest.mark.parametrize("entry", ["[2001:db8::1]", "[2001:DB8:0:0::1]", "2001:db8:0::1"])
def test_an_ipv6_address_is_allowed_however_the_settings_spell_it(entry):
    assert host_allowed(host_name("[2001:db8::1]:8443"), [entry])
    assert not host_allowed(host_name("[2001:db8::2]:8443"), [entry])
    assert not host_allowed(host_name("db8.example"), [entry])


def test_the_ports_a_host_header_may_name():
    assert host_name("iku.kemnaker.go.id:1") == "iku.kemnaker.go.id"
    assert host_name("iku.kemnaker.go.id:65535") == "iku.kemnaker.go.id"
    assert host_name("iku.kemnaker.go.id:65536") is None


def test_a_chain_as_long_as_a_real_proxy_path_is_believed():
    trusted = trusting("10.0.0.0/8")
    chain = ",".join(["203.0.113.9"] + ["10.0.0.3"] * (MAX_FORWARDED - 1))
    assert forwarded_client("10.0.0.2", [chain], trusted) == "203.0.113.9"
