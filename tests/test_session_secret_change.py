"""Changing the session secret (README, "Changing a secret"): planned, with the old one
listed in IKU_SESSION_SECRET_PREVIOUS, nobody signed in to the bureau's pages is signed
out and a form served before the change is still accepted; after a leak, with the old one
dropped, every sign-in made under it ends."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from starlette.responses import Response
from temporalio.testing import WorkflowEnvironment

from api.core.gateway import ProcessError
from api.core.sessions import COOKIE, KNOWN_COOKIE, Sessions
from api.core.visibility import PageTokens
from common.settings import Settings
from tests.bureau import SAME_ORIGIN, Bureau
from tests.web import serve

OLD = "old-session-secret-Qm7Vx2Lc9Rt4Wp8Zk3Hb6Nf1Jd5Gs0Ya"
NEW = "new-session-secret-Tz5Ke8Wq1Lx4Rb7Nm0Hc3Vp6Jf9Gd2Sa"


def with_secrets(settings: Settings, current: str, *previous: str) -> Settings:
    return settings.model_copy(
        update={
            "session_secret": SecretStr(current),
            "session_secret_previous": [SecretStr(p) for p in previous],
        }
    )


def cookie_of(sent: Response, name: str) -> str:
    cookies = [v.decode() for k, v in sent.raw_headers if k == b"set-cookie"]
    header = next(c for c in cookies if c.startswith(f"{name}="))
    return header.split(";", 1)[0].split("=", 1)[1]


def test_what_the_old_secret_signed_is_accepted_while_it_is_listed(tmp_path: Path):
    base = Settings(data_dir=tmp_path)
    before = Sessions(with_secrets(base, OLD))
    sent = Response()
    session = before.issue(sent, "biro", "bureau")
    before.remember_browser(sent, "biro")
    cookie, known = cookie_of(sent, COOKIE), cookie_of(sent, KNOWN_COOKIE)
    csrf, signin = before.csrf_token(session), before.signin_token("nonce-1")

    changing = Sessions(with_secrets(base, NEW, OLD))
    assert changing.read(cookie) == session
    assert changing.csrf_ok(session, csrf)
    assert changing.signin_ok("nonce-1", signin)
    assert changing.knows_browser(known, "biro")
    # What it makes now is signed with the new secret alone.
    after = Sessions(with_secrets(base, NEW))
    fresh = Response()
    renewed = changing.issue(fresh, "biro", "bureau")
    assert after.read(cookie_of(fresh, COOKIE)) == renewed
    assert after.csrf_ok(renewed, changing.csrf_token(renewed))
    assert before.read(cookie_of(fresh, COOKIE)) is None

    # Once the old one is dropped, nothing it signed is accepted.
    assert after.read(cookie) is None
    assert not after.csrf_ok(session, csrf)
    assert not after.signin_ok("nonce-1", signin)
    assert not after.knows_browser(known, "biro")


def test_a_next_page_link_made_before_the_change_still_pages_on():
    query = "WorkflowType = 'IkuWorkflow'"
    link = PageTokens(lambda: [OLD]).encode(query, b"next-page")
    assert PageTokens(lambda: [NEW, OLD]).decode(query, link) == b"next-page"
    with pytest.raises(ProcessError):
        PageTokens(lambda: [NEW]).decode(query, link)


def test_a_weak_previous_session_secret_is_refused_by_number_never_quoted(tmp_path: Path):
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, session_secret_previous=[OLD, "rahasia"])
    assert "IKU_SESSION_SECRET_PREVIOUS (number 2) is too weak" in str(caught.value)
    assert "rahasia" not in str(caught.value)


async def signed_in_under(settings: Settings, env: WorkflowEnvironment) -> tuple[str, str]:
    """The bureau's session cookie, and the CSRF token of a page served to it."""
    async with serve(settings, env.client) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await Bureau(http, settings).sign_in("bureau")).status_code == 303
        served = await http.get("/proses")
        found = re.search(r'name="csrf" value="([^"]+)"', served.text)
        assert served.status_code == 200 and found is not None
        return http.cookies[COOKIE], found.group(1)


@pytest.mark.devserver
async def test_the_bureau_signed_in_before_a_planned_change_stays_signed_in_after_it(
    dev_env: WorkflowEnvironment, settings: Settings
):
    cookie, csrf = await signed_in_under(with_secrets(settings, OLD), dev_env)
    # Every web replica restarted with the new secret, the old one still listed.
    changing = with_secrets(settings, NEW, OLD)
    async with (
        serve(changing, dev_env.client) as base,
        httpx.AsyncClient(base_url=base, cookies={COOKIE: cookie}) as http,
    ):
        page = await http.get("/proses")
        assert page.status_code == 200 and "biro" in page.text
        # The form served before the restart is accepted: signing out works.
        out = await http.post("/keluar", data={"csrf": csrf}, headers=SAME_ORIGIN)
        assert out.status_code == 303 and "keluar=1" in out.headers["location"]


@pytest.mark.devserver
async def test_after_a_leak_the_old_session_secret_is_dropped_and_its_sign_ins_end(
    dev_env: WorkflowEnvironment, settings: Settings
):
    cookie, _ = await signed_in_under(with_secrets(settings, OLD), dev_env)
    changed = with_secrets(settings, NEW)
    async with (
        serve(changed, dev_env.client) as base,
        httpx.AsyncClient(base_url=base, cookies={COOKIE: cookie}) as http,
    ):
        page = await http.get("/proses")
        assert page.status_code == 302 and page.headers["location"].startswith("/masuk")
