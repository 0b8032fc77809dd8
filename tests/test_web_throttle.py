"""Password guessing on the bureau's sign-in and the outbox: a client cannot pick a fresh
address for each guess, guesses from many addresses slow the account down, and the real
user's own browser still gets in.

Real parts: the Temporal dev server, a worker, mail over SMTP, uvicorn serving the app as
the run command does (uvicorn's own proxy headers off).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.core.sessions import COOKIE
from api.core.throttle import FREE_PER_ACCOUNT, MAX_PER_USER
from tests.bureau import SAME_ORIGIN, credentials
from tests.web import Web, serve

pytestmark = pytest.mark.devserver


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def attempt(
    http: httpx.AsyncClient, user: str, password: str, headers: Mapping[str, str] = {}
) -> httpx.Response:
    form = await http.get("/masuk", headers=dict(headers))
    return await http.post(
        "/masuk",
        data={"user": user, "password": password, "token": _token(form.text)},
        headers={**SAME_ORIGIN, **headers},
    )


def browser(web: Web) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=30)


async def test_a_different_x_forwarded_for_on_each_try_does_not_escape_the_throttle(web: Web):
    user, password = credentials(web.settings, "ops")
    async with browser(web) as http:
        for n in range(MAX_PER_USER):
            wrong = await attempt(http, user, "tebakan", {"X-Forwarded-For": f"203.0.113.{n}"})
            assert wrong.status_code == 401
        held = await attempt(http, user, password, {"X-Forwarded-For": "198.51.100.77"})
    assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
    assert "Terlalu banyak percobaan gagal" in held.text


async def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(web: Web):
    web.settings.trusted_proxies = ["127.0.0.1"]
    user, password = credentials(web.settings, "ops")
    async with browser(web) as http:
        for _ in range(MAX_PER_USER):
            wrong = await attempt(http, user, "tebakan", {"X-Forwarded-For": "203.0.113.5"})
            assert wrong.status_code == 401
        held = await attempt(http, user, password, {"X-Forwarded-For": "203.0.113.5"})
        assert held.status_code == 429
        other = await attempt(http, user, password, {"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 303  # another client of the proxy signs in


async def test_a_stranger_on_many_addresses_slows_the_account_but_not_its_own_browser(web: Web):
    web.settings.trusted_proxies = ["127.0.0.1"]
    user, password = credentials(web.settings, "ops")
    async with browser(web) as own:
        first = await attempt(own, user, password, {"X-Forwarded-For": "192.0.2.10"})
        assert first.status_code == 303
        assert any(name.endswith("iku_known") for name in own.cookies)
        async with browser(web) as stranger:
            for n in range(FREE_PER_ACCOUNT):
                wrong = await attempt(
                    stranger, user, "tebakan", {"X-Forwarded-For": f"203.0.113.{n}"}
                )
                assert wrong.status_code == 401
        async with browser(web) as new_device:
            slowed = await attempt(new_device, user, password, {"X-Forwarded-For": "192.0.2.99"})
            assert slowed.status_code == 429
            assert 0 < int(slowed.headers["retry-after"]) <= 5  # seconds, not a lock-out
        own.cookies.delete(COOKIE)  # signed out, say: the known-browser cookie stays
        again = await attempt(own, user, password, {"X-Forwarded-For": "192.0.2.10"})
    assert again.status_code == 303  # the browser that signed in before is not held


async def test_the_outbox_password_check_goes_through_the_same_throttle(web: Web):
    web.settings.outbox_enabled = True
    user, password = credentials(web.settings, "ops")
    url = f"{web.settings.public_base_url}/outbox"
    async with browser(web) as http:
        for _ in range(MAX_PER_USER):
            wrong = await http.get(url, auth=httpx.BasicAuth(user, "tebakan"))
            assert wrong.status_code == 401
        held = await http.get(url, auth=httpx.BasicAuth(user, password))
        assert held.status_code == 429 and int(held.headers["retry-after"]) > 0
        assert "Terlalu banyak percobaan gagal" in held.text
        # The bureau's sign-in form counts the same failures.
        signin = await attempt(http, user, password)
    assert signin.status_code == 429


async def test_the_outbox_refuses_a_request_relayed_by_a_proxy_it_does_not_trust(web: Web):
    web.settings.outbox_enabled = True
    user, password = credentials(web.settings, "ops")
    url = f"{web.settings.public_base_url}/outbox"
    async with browser(web) as http:
        relayed = await http.get(
            url, auth=httpx.BasicAuth(user, password), headers={"X-Forwarded-For": "127.0.0.1"}
        )
        assert relayed.status_code == 403
        web.settings.trusted_proxies = ["127.0.0.1"]
        trusted_local = await http.get(
            url, auth=httpx.BasicAuth(user, password), headers={"X-Forwarded-For": "127.0.0.1"}
        )
    assert trusted_local.status_code == 200


async def test_the_verification_page_holds_a_client_past_thirty_a_minute_and_no_other_app(
    web: Web, dev_env: WorkflowEnvironment
):
    async with browser(web) as http:
        answers = [(await http.get("/v/tidakada")).status_code for _ in range(31)]
        assert answers == [404] * 30 + [429]
        held = await http.get("/v/tidakada")
        # Until the first of the thirty leaves the minute.
        assert held.status_code == 429 and 0 < int(held.headers["Retry-After"]) <= 60
        as_json = await http.get("/v/tidakada/json")  # the JSON form says the same
        assert as_json.status_code == 429 and as_json.json()["status"] == 429
        assert 0 < int(as_json.headers["Retry-After"]) <= 60
    # Another web process counts on its own.
    async with (
        serve(web.settings.model_copy(), dev_env.client) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as http,
    ):
        assert (await http.get("/v/tidakada")).status_code == 404
