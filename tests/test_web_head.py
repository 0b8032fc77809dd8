"""HEAD, as an uptime check, a proxy or a mail program's link scanner asks: the GET's status
and headers without its body, on the real server (which writes no body for a HEAD and
would refuse one), and never a 405 where GET is answered."""

from __future__ import annotations

import httpx
from temporalio.testing import WorkflowEnvironment

from common.settings import Settings
from tests.web import serve


async def test_head_is_answered_as_get_without_the_body(
    dev_env: WorkflowEnvironment, settings: Settings
):
    settings.temporal_address = dev_env.client.service_client.config.target_host
    async with serve(settings, None) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        for path, status in (
            ("/healthz", 200),  # the uptime check
            ("/masuk", 200),  # a bureau page
            ("/proses", 302),  # signed out: sent to sign in, as the GET is
            ("/t/bukan-token", 404),  # a scanner trying a cut link
            ("/tidak-ada", 404),
        ):
            get = await http.get(path)
            head = await http.head(path)
            assert (head.status_code, get.status_code) == (status, status), path
            assert head.content == b"", path
            for name in ("content-type", "content-length", "location"):
                assert head.headers.get(name) == get.headers.get(name), (path, name)
            assert "content-security-policy" in head.headers, path


async def test_head_where_only_post_is_taken_is_refused_and_allow_names_head_beside_get(
    settings: Settings,
):
    async with serve(settings, None) as base, httpx.AsyncClient(base_url=base, timeout=30) as http:
        signout = await http.head("/keluar")  # sign-out is a form's POST only
        assert signout.status_code == 405 and signout.headers["allow"] == "POST"
        put = await http.put("/masuk")
        assert put.status_code == 405 and put.headers["allow"] == "GET, HEAD, POST"
        api = await http.put("/api/processes")
        assert api.headers["allow"] == "GET, HEAD, POST"
