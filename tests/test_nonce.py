"""The task page's nonce, on its own: a form is accepted only from a page served for its link."""

from __future__ import annotations

import pytest

from api.core.nonce import PageNonces, update_id

SECRET = "a-link-secret-of-the-deployment-0123456789"
TOKEN = "link-token-of-the-kabag"


def test_a_nonce_made_for_a_link_verifies_for_it_and_names_its_random_part() -> None:
    nonces = PageNonces(SECRET)
    nonce = nonces.make(TOKEN)
    random_part, _, mac = nonce.partition(".")
    assert len(random_part) == 22 and mac
    assert nonces.verify(TOKEN, nonce) == random_part
    # Two pages, two nonces: each form is its own update.
    assert nonces.make(TOKEN) != nonce


def test_a_nonce_from_another_link_or_another_deployment_does_not_verify() -> None:
    nonce = PageNonces(SECRET).make(TOKEN)
    assert PageNonces(SECRET).verify("link-token-of-someone-else", nonce) is None
    assert PageNonces(SECRET + "x").verify(TOKEN, nonce) is None


def test_a_page_served_before_a_planned_change_of_the_secret_is_still_accepted() -> None:
    """The page was opened under the old secret and is sent under the new one, the old
    among those still accepted (IKU_LINK_SECRET_PREVIOUS); new pages use the new one."""
    nonce = PageNonces(SECRET).make(TOKEN)
    changed = PageNonces("the-new-link-secret-of-the-deployment-9876", [SECRET])
    assert changed.verify(TOKEN, nonce) == nonce.partition(".")[0]
    assert PageNonces(SECRET).verify(TOKEN, changed.make(TOKEN)) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda n: "",
        lambda n: n.partition(".")[0],  # no MAC
        lambda n: n + "x",
        lambda n: ("B" if n[0] == "A" else "A") + n[1:],  # another random part, same MAC
        lambda n: n.partition(".")[0][:-1] + "." + n.partition(".")[2],  # too short
        lambda n: n.replace(".", ":"),
    ],
)
def test_a_damaged_nonce_does_not_verify(damage) -> None:
    nonces = PageNonces(SECRET)
    nonce = nonces.make(TOKEN)
    damaged = damage(nonce)
    assert damaged != nonce
    assert nonces.verify(TOKEN, damaged) is None
    assert nonces.verify(TOKEN, None) is None


def test_the_update_id_names_the_task_and_the_page() -> None:
    assert update_id("s02-002", "abc") == "web-s02-002-abc"
