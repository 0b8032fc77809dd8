"""Signed task links: a round trip, and every way a token can be wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from common.links import LinkClaims, LinkExpired, LinkInvalid, LinkSigner

SECRET = "rahasia-yang-cukup-panjang-untuk-tes-0123456789"
NOW = datetime(2027, 2, 3, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=14)


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner(SECRET)


def test_round_trip(signer):
    token = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    assert signer.read(token, now=NOW) == LinkClaims(
        workflow_id="iku-2027-bpmk", task_id="t-0007", person="p-002", expires_at=LATER
    )


def test_a_token_is_url_safe_and_carries_no_secret(signer):
    token = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    assert all(ch.isalnum() or ch in "-_." for ch in token)
    assert SECRET not in token


def test_tokens_differ_per_person_and_task(signer):
    tokens = {
        signer.make("iku-2027-bpmk", task, person, LATER)
        for task in ("t-1", "t-2")
        for person in ("p-001", "p-002")
    }
    assert len(tokens) == 4


def flip(token: str, index: int) -> str:
    ch = token[index]
    return token[:index] + ("A" if ch != "A" else "B") + token[index + 1 :]


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_tampered_token_is_invalid(signer, where):
    token = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    index = 3 if where == "payload" else len(token) - 3
    with pytest.raises(LinkInvalid):
        signer.read(flip(token, index), now=NOW)


def test_a_token_for_someone_else_cannot_be_forged(signer):
    # Swap in another person's payload, keep the signature.
    mine = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    theirs = signer.make("iku-2027-bpmk", "t-0007", "p-003", LATER)
    forged = theirs.split(".")[0] + "." + mine.split(".")[1]
    with pytest.raises(LinkInvalid):
        signer.read(forged, now=NOW)


def test_a_token_signed_with_another_secret_is_invalid(signer):
    token = LinkSigner("another-secret").make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    with pytest.raises(LinkInvalid):
        signer.read(token, now=NOW)


@pytest.mark.parametrize("salt", ["something-else", "itsdangerous"])  # the library's default
def test_a_token_with_another_salt_is_invalid(signer, salt):
    # Same secret, another purpose (itsdangerous salt): not a task link.
    token = URLSafeSerializer(SECRET, salt=salt).dumps(
        {"w": "iku-2027-bpmk", "t": "t-0007", "p": "p-002", "e": int(LATER.timestamp())}
    )
    with pytest.raises(LinkInvalid):
        signer.read(token, now=NOW)


@pytest.mark.parametrize("garbage", ["", "x", "a.b", "....", "é.ü", "%00", "A" * 5000])
def test_garbage_is_invalid(signer, garbage):
    with pytest.raises(LinkInvalid):
        signer.read(garbage, now=NOW)


@pytest.mark.parametrize(
    "payload",
    [
        ["not", "a", "dict"],
        {"w": "iku", "t": "t-1", "p": "p-1"},  # no expiry
        {"w": "iku", "t": "t-1", "p": "p-1", "e": "soon"},
        {"w": "iku", "t": "t-1", "p": "p-1", "e": 10**20},  # beyond any clock
    ],
)
def test_a_signed_but_malformed_payload_is_invalid(signer, payload):
    token = URLSafeSerializer(SECRET, salt="iku-task-link-v1").dumps(payload)
    with pytest.raises(LinkInvalid):
        signer.read(token, now=NOW)


def test_an_expired_token_carries_its_claims(signer):
    token = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    with pytest.raises(LinkExpired) as caught:
        signer.read(token, now=LATER + timedelta(seconds=1))
    claims = caught.value.claims
    assert (claims.workflow_id, claims.task_id, claims.person) == (
        "iku-2027-bpmk",
        "t-0007",
        "p-002",
    )
    assert claims.expires_at == LATER


def test_expiry_is_at_the_second(signer):
    token = signer.make("iku-2027-bpmk", "t-0007", "p-002", LATER)
    assert signer.read(token, now=LATER - timedelta(seconds=1)).task_id == "t-0007"
    with pytest.raises(LinkExpired):
        signer.read(token, now=LATER)


def test_expired_is_not_invalid(signer):
    # The web layer tells "expired" (ask for a new link) from "invalid" (not ours).
    assert not issubclass(LinkExpired, LinkInvalid)
    assert not issubclass(LinkInvalid, LinkExpired)


def test_read_defaults_to_the_real_clock(signer):
    past = signer.make("iku", "t-1", "p-1", datetime.now(UTC) - timedelta(minutes=1))
    future = signer.make("iku", "t-1", "p-1", datetime.now(UTC) + timedelta(hours=1))
    with pytest.raises(LinkExpired):
        signer.read(past)
    assert signer.read(future).person == "p-1"
