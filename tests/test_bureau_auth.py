"""Who may see and do what: the sign-in, the session, CSRF, the bearer tokens, and what only
ops may do. Every route of the app's route table is tried without credentials."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute
from pydantic import SecretStr
from starlette.responses import Response

from api.app import create_app
from api.core.sessions import COOKIE, SECURE_COOKIE, Sessions
from common.models import HistoryEvent, ProcessState
from common.settings import Settings
from tests.bureau import (
    SAME_ORIGIN,
    anonymous,
    api,
    credentials,
    hidden,
    signed_in,
    unique_code,
)
from tests.scenario import KASUBAG, Scenario
from tests.web import Web

pytestmark = pytest.mark.devserver

# Routes that answer without a bureau session or API token, and why.
PUBLIC = {
    ("GET", "/healthz"),  # the probe of load balancers and ops
    ("GET", "/openapi.json"),  # the machine-readable schema (no data)
    ("GET", "/masuk"),  # the sign-in page itself
}
# Routes guarded by a credential of their own: a task link's signed token, the outbox's
# ops password (and only in the local run), Prometheus's metrics token, and the public
# verification page's code (made from the process id with the link secret: printed as the
# QR code on the signed IKU, unguessable without it).
OWN_CREDENTIAL = re.compile(r"^/(t|outbox|metrics|v)(/|$)")


def routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, from its route table (included routers too)."""
    found: list[tuple[str, str]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            original = getattr(item, "original_router", None)
            if original is not None:
                walk(original.routes)
            elif isinstance(item, APIRoute) or hasattr(item, "methods"):
                found.extend((m, item.path) for m in sorted(item.methods or ()) if m != "HEAD")

    walk(app.routes)
    return found


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "x"), path)


async def test_without_sign_in_every_page_and_api_call_is_refused_and_nothing_changes(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    before = await p.status()
    values = {
        "workflow_id": p.id,
        "run_id": p.first_run_id or "",
        "sha256": before.documents[0].ref.sha256,
        "token": "bukan-token",
        "name": "x.eml",
    }
    table = routes(create_app(web.settings))
    assert ("POST", "/proses/{workflow_id}/batalkan") in table  # the table is the real one
    assert len(table) >= 30
    async with anonymous(web) as http:
        for method, path in table:
            url = concrete(path, values)
            body: dict[str, Any] = {}
            if method == "POST":
                body = (
                    {
                        "json": {
                            "task_id": before.task.id if before.task else "s01-001",
                            "reason": "x",
                            "person": KASUBAG,
                        }
                    }
                    if path.startswith("/api/")
                    else {
                        "data": {
                            "task_id": "s02-002",
                            "reason": "x",
                            "confirm": "ya",
                            "person": KASUBAG,
                            "csrf": "x",
                        },
                        "headers": SAME_ORIGIN,
                    }
                )
            response = await http.request(method, url, **body)
            where = f"{method} {path}"
            if (method, path) in PUBLIC:
                assert response.status_code in (200, 503), where
            elif OWN_CREDENTIAL.match(path):
                assert response.status_code in (401, 403, 404), (where, response.status_code)
            elif path.startswith("/api/"):
                assert response.status_code == 401, (where, response.status_code)
                assert response.json()["code"] == "unauthenticated"
                assert response.headers["www-authenticate"].startswith("Bearer")
            elif path == "/masuk":
                assert response.status_code == 403, where  # a POST without its form token
            else:
                assert response.status_code == 302, (where, response.status_code)
                assert response.headers["location"].startswith("/masuk?next=/"), where
    after = await p.status()
    assert after.history == before.history and after.state is ProcessState.RUNNING


async def test_a_bearer_token_that_is_wrong_or_of_another_scheme_is_refused(web: Web):
    async with anonymous(web) as http:
        for header in ("Bearer salah", "Basic b3BzOm9wcw==", "Bearer a b", "bearer"):
            response = await http.get("/api/processes", headers={"Authorization": header})
            assert response.status_code == 401, header
    async with api(web, "bureau") as client:
        assert (await client.get("/api/processes", params={"year": 2027})).status_code == 200


async def test_the_bureau_may_resend_but_only_ops_may_assign_or_cancel(dev_env, web: Web):
    p = await Scenario(dev_env.client, web.settings).start()
    task = await p.task()
    async with signed_in(web, "bureau") as biro:
        page = await biro.page(f"/proses/{p.id}")
        assert 'id="form-resend"' in page.response.text
        assert 'id="form-assign"' not in page.response.text  # not offered
        assert 'id="form-cancel"' not in page.response.text
        for action, data in (
            ("tugaskan", {"person": "p-011", "reason": "dinas luar"}),
            ("batalkan", {"reason": "tidak jadi", "confirm": "ya"}),
        ):
            refused = await biro.post(
                f"/proses/{p.id}/{action}", {"task_id": task.id, **data}, page
            )
            assert refused.status == 403, (action, refused.text)
            assert "Hanya Karo atau petugas operasional" in refused.text
        resent = await biro.post(
            f"/proses/{p.id}/kirim-ulang", {"task_id": task.id}, page, form_id="form-resend"
        )
        assert resent.status == 303, resent.text
        done = await biro.page(resent.response.headers["location"])
        assert "Notifikasi dikirim ulang" in done.text
        assert "dicatat atas nama Biro Perencanaan," in done.text
    async with api(web, "bureau") as client:
        for action, body in (
            ("assign", {"task_id": task.id, "person": "p-011"}),
            ("cancel", {"reason": "tidak jadi"}),
        ):
            response = await client.post(f"/api/processes/{p.id}/{action}", json=body)
            assert response.status_code == 403, (action, response.text)
            problem = response.json()
            assert problem["code"] == "not_authorised"
            assert problem["message"]["en"] and problem["message"]["id"]
        response = await client.post(f"/api/processes/{p.id}/resend", json={"task_id": task.id})
        assert response.status_code == 200, response.text
    status = await p.status()
    events = [(h.event, h.person) for h in status.history]
    assert (HistoryEvent.RESENT, "biro") in events
    assert not any(
        h.event in (HistoryEvent.ASSIGNED, HistoryEvent.CANCELLED) for h in status.history
    )
    # Ops may: the history names who acted.
    async with signed_in(web, "ops") as ops:
        page = await ops.page(f"/proses/{p.id}")
        done = await ops.post(
            f"/proses/{p.id}/tugaskan",
            {"task_id": task.id, "person": "p-011", "reason": "Plh"},
            page,
            form_id="form-assign",
        )
        assert done.status == 303, done.text
    assigned = [h for h in (await p.status()).history if h.event is HistoryEvent.ASSIGNED]
    assert [(h.person, h.target, h.note) for h in assigned] == [("ops", "p-011", "Plh")]


async def test_a_form_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    task = await p.task()
    before = await p.status()
    async with signed_in(web, "ops") as ops, signed_in(web, "ops") as other:
        page = await ops.page(f"/proses/{p.id}")
        other_page = await other.page(f"/proses/{p.id}")
        cancel = {"reason": "coba", "confirm": "ya"}
        for csrf in ("", "salah", hidden(other_page, "csrf")):  # another session's token
            refused = await ops.post(f"/proses/{p.id}/batalkan", cancel, csrf=csrf)
            assert refused.status == 403, refused.text
            assert "Tidak ada yang diubah" in refused.text
        no_field = await ops.http.post(
            f"/proses/{p.id}/kirim-ulang", data={"task_id": task.id}, headers=SAME_ORIGIN
        )
        assert no_field.status_code == 403
        # The right token from another site's page: refused by the origin check.
        cross = await ops.post(
            f"/proses/{p.id}/batalkan",
            cancel,
            page,
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://jahat.example"},
        )
        assert cross.status == 403
        start = await ops.post(
            "/proses/baru", {"year": "2027", "code": unique_code(), "title": "x"}, csrf="salah"
        )
        assert start.status == 403
        logout = await ops.http.post("/keluar", data={"csrf": "salah"}, headers=SAME_ORIGIN)
        assert logout.status_code == 403
        assert (await ops.page("/proses")).status == 200  # still signed in
    after = await p.status()
    assert after.history == before.history and after.state is ProcessState.RUNNING


async def test_sign_in_is_a_real_session_and_signing_out_ends_it(web: Web):
    async with anonymous(web) as http:
        first = await http.get("/proses/baru")
        assert first.status_code == 302
        assert first.headers["location"] == "/masuk?next=/proses/baru"
    async with httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=30) as http:
        form = await http.get("/masuk", params={"next": "/proses/baru"})
        user, password = credentials(web.settings, "bureau")
        response = await http.post(
            "/masuk",
            data={
                "user": user,
                "password": password,
                "token": _token(form.text),
                "next": "/proses/baru",
            },
            headers=SAME_ORIGIN,
        )
        assert response.status_code == 303 and response.headers["location"] == "/proses/baru"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=")
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
        assert "secure" not in cookie.lower()  # the public address here is http
        value = http.cookies[COOKIE]
        page = await http.get("/proses/baru")
        assert page.status_code == 200 and "biro" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        out = await http.post("/keluar", data={"csrf": csrf.group(1)}, headers=SAME_ORIGIN)
        assert out.status_code == 303 and "keluar=1" in out.headers["location"]
        assert (await http.get("/proses")).status_code == 302
    # The cookie of the ended session, replayed by someone who copied it: refused.
    async with httpx.AsyncClient(
        base_url=web.settings.public_base_url, timeout=30, cookies={COOKIE: value}
    ) as thief:
        assert (await thief.get("/proses")).status_code == 302


async def test_a_wrong_password_is_slowed_and_repeated_failures_lock_that_user_out(web: Web):
    async with httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=30) as http:
        user, password = credentials(web.settings, "ops")

        async def attempt(secret: str) -> httpx.Response:
            form = await http.get("/masuk")
            return await http.post(
                "/masuk",
                data={"user": user, "password": secret, "token": _token(form.text)},
                headers=SAME_ORIGIN,
            )

        for _ in range(5):
            wrong = await attempt("bukan-kata-sandi")
            assert wrong.status_code == 401
            assert "Nama pengguna atau kata sandi salah" in wrong.text
            assert wrong.text.count('value="ops"') == 1  # what was typed is kept
        locked = await attempt(password)  # even the right one, for a while
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        assert "Terlalu banyak percobaan gagal" in locked.text
    async with signed_in(web, "bureau") as biro:  # another user name is not locked out
        assert (await biro.page("/proses")).status == 200


async def test_a_failed_sign_in_is_logged_without_what_was_typed_as_the_user_name(
    web: Web, caplog: pytest.LogCaptureFixture
):
    """Someone may type a password where the user name goes: the log names the user only
    when it is one of ours."""
    typed = "Kata-Sandi-Saya-2027!"
    async with httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=30) as http:
        with caplog.at_level(logging.WARNING, logger="api.signin"):
            for user in (typed, credentials(web.settings, "ops")[0]):
                form = await http.get("/masuk")
                wrong = await http.post(
                    "/masuk",
                    data={"user": user, "password": "bukan", "token": _token(form.text)},
                    headers=SAME_ORIGIN,
                )
                assert wrong.status_code == 401
    said = [r.getMessage() for r in caplog.records if r.name == "api.signin"]
    assert len(said) == 2
    assert said[0].startswith("failed sign-in for a user name that is none of ours from ")
    assert said[1].startswith("failed sign-in for 'ops' from ")
    assert typed not in caplog.text


async def test_after_sign_in_only_a_local_page_is_returned_to(web: Web):
    async with httpx.AsyncClient(base_url=web.settings.public_base_url, timeout=30) as http:
        user, password = credentials(web.settings, "ops")
        for target in ("//jahat.example/x", "https://jahat.example", "/\\jahat.example"):
            form = await http.get("/masuk", params={"next": target})
            response = await http.post(
                "/masuk",
                data={
                    "user": user,
                    "password": password,
                    "token": _token(form.text),
                    "next": target,
                },
                headers=SAME_ORIGIN,
            )
            assert response.headers["location"] == "/proses", target
            http.cookies.clear()


def test_the_session_cookie_is_secure_and_host_only_behind_https(tmp_path):
    settings = Settings(data_dir=tmp_path, public_base_url="https://iku.kemnaker.example")
    sessions = Sessions(settings)
    sent = Response()
    session = sessions.issue(sent, "biro", "bureau")
    cookie = sent.headers["set-cookie"]
    assert cookie.startswith(f"{SECURE_COOKIE}=") and "secure" in cookie.lower()
    assert "domain" not in cookie.lower() and "path=/" in cookie.lower()
    value = cookie.split(";", 1)[0].split("=", 1)[1]
    assert sessions.read(value) == session
    assert sessions.read(value[:-2] + "xx") is None  # tampered
    assert sessions.csrf_ok(session, sessions.csrf_token(session))
    # A changed password ends the sessions made with the old one.
    changed = Sessions(settings.model_copy(update={"bureau_password": SecretStr("baru")}))
    assert changed.read(value) is None


@pytest.mark.parametrize("local_run", [False, True])
async def test_the_sign_in_page_says_where_passwords_are_kept_only_on_the_local_run(
    tmp_path, local_run: bool
):
    # Only the local run turns the outbox on; anywhere else the page names no setting nor
    # file, and sends whoever has no password to the operations staff.
    settings = Settings(data_dir=tmp_path, outbox_enabled=local_run)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings)),
        base_url=settings.public_base_url,
    ) as http:
        for lang, ask in (("id", "Tanyakan kepada petugas operasional"), ("en", "Ask operations")):
            form = await http.get("/masuk", params={"lang": lang})
            assert form.status_code == 200
            named = [w for w in ("IKU_BUREAU_PASSWORD", "bureau-password") if w in form.text]
            assert len(named) == (2 if local_run else 0), (lang, named)
            assert (ask in form.text) is not local_run, lang


def _token(html: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


async def test_the_bureau_pages_run_no_script_and_only_the_styles_the_policy_names(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    async with signed_in(web, "bureau") as biro:
        for path in ("/proses", "/proses/baru", f"/proses/{p.id}", "/docs", "/masuk"):
            response = await biro.http.get(path, follow_redirects=path != "/masuk")
            if path == "/masuk":  # signed in: sent on
                assert response.status_code == 303
                continue
            assert response.status_code == 200, path
            html = response.text
            assert "<script" not in html
            csp = response.headers["content-security-policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
            styles = re.findall(r"<style>(.*?)</style>", html, re.S)
            assert len(styles) == 2, path
            for css in styles:
                digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
                assert f"'sha256-{digest}'" in csp, path
            for name in ("x-frame-options", "referrer-policy", "cache-control"):
                assert name in response.headers
