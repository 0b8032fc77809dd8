"""Task links: what a forged, expired, used, foreign or misdirected link gets, what a GET may
never do, and how a decision POST proves it came from the page the link opened."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from api.core.nonce import PageNonces
from api.core.security import redact
from common.links import LinkSigner
from common.models import HistoryEvent, StatusView
from tests import samples
from tests.scenario import KABAG, KASUBAG, STAF_LAIN, Scenario
from tests.web import Page, Web, form_parts, task_of, token_of

pytestmark = pytest.mark.devserver


async def at_step_2(dev_env, web: Web) -> tuple[Scenario, str]:
    """A process at the Kabag's review, and the Kabag's link from the mail."""
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    return p, await web.link(p.id, KABAG)


def decisions(status: StatusView) -> list[tuple[str | None, int | None]]:
    return [(h.task_id, h.step) for h in status.history if h.event is HistoryEvent.DECIDED]


def signer(web: Web) -> LinkSigner:
    return LinkSigner(web.settings.link_secret_value())


async def test_a_mail_scanner_opening_the_link_changes_nothing(dev_env, web: Web):
    p, link = await at_step_2(dev_env, web)
    before = await p.status()
    for _ in range(3):
        page = await web.open(link)
        assert page.status == 200 and "Langkah 2 dari 16" in page.text
    head = await web.http.head(link)
    assert head.status_code == 200 and head.content == b""  # as the GET, and it changes nothing
    for url in page.document_links():
        got = await web.http.get(f"{link.rsplit('/t/', 1)[0]}/t/{url}")
        assert got.status_code == 200
    after = await p.status()
    assert after.history == before.history and after.task == before.task


async def test_a_forged_link_is_unknown_and_never_acts(dev_env, web: Web):
    p, link = await at_step_2(dev_env, web)
    before = decisions(await p.status())
    base, token = link.rsplit("/t/", 1)
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    other_secret = LinkSigner("another secret").make(
        p.id, (await p.task()).id, KABAG, datetime.now(UTC) + timedelta(days=1)
    )
    for forged in (flipped, "abc", other_secret, token + "x"):
        page = await web.open(f"{base}/t/{forged}")
        assert page.status == 404, forged
        assert "Tautan tidak dikenal" in page.text
        posted = await web.post(f"{base}/t/{forged}", [("nonce", "x"), ("action", "approve")])
        assert posted.status == 404
    assert decisions(await p.status()) == before
    assert (await p.task()).step == 2


async def test_a_link_to_a_process_that_does_not_exist_is_unknown(web: Web):
    token = signer(web).make(
        "iku-2027-tidak-ada", "s01-001", KASUBAG, datetime.now(UTC) + timedelta(days=1)
    )
    page = await web.open(f"{web.settings.public_base_url}/t/{token}")
    assert page.status == 404 and "Tautan tidak dikenal" in page.text


async def test_an_expired_link_is_gone_and_says_what_is_current(dev_env, web: Web):
    p, _ = await at_step_2(dev_env, web)
    task = await p.task()
    expired = signer(web).make(p.id, task.id, KABAG, datetime.now(UTC) - timedelta(minutes=1))
    url = f"{web.settings.public_base_url}/t/{expired}"
    page = await web.open(url)
    assert page.status == 410
    assert "kedaluwarsa" in page.text and "langkah 2 dari 16" in page.text
    nonce = PageNonces(web.settings.link_secret_value()).make(expired)
    posted = await web.post(url, [("nonce", nonce), ("action", "return"), ("note", "x")])
    assert posted.status == 410
    assert (await p.task()).id == task.id


async def test_a_used_link_is_gone_and_says_who_decided_and_where_the_process_is(dev_env, web: Web):
    p = await Scenario(dev_env.client, web.settings).start()
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    await web.submit(
        link,
        page,
        "submit",
        files={
            "tor": [("tor.pdf", samples.pdf("TOR"), "application/pdf")],
            "konsep_rencana_kerja": [("k.pdf", samples.pdf("K"), "application/pdf")],
        },
    )
    # Back after her own decision: a calm page, not an alarm; she has nothing left to do.
    replay = await web.open(link)
    assert replay.status == 410 and "Sudah diputuskan" in replay.text
    assert "Anda sudah memutuskan tugas ini" in replay.text and "dikirim" in replay.text
    assert "Tidak ada lagi yang perlu Anda lakukan" in replay.text
    assert "Tautan tidak berlaku lagi" not in replay.text
    assert 'role="alert"' not in replay.response.text
    assert "Proses kini pada langkah 2 dari 16 (Kabag)" in replay.text
    # The used link reads nothing either.
    sha = (await p.status()).documents[0].ref.sha256
    assert (await web.http.get(f"{link}/dokumen/{sha}")).status_code == 410
    # A fresh form on it (a nonce made for it) is refused by the workflow: already decided.
    nonce = PageNonces(web.settings.link_secret_value()).make(token_of(link))
    again = await web.post(link, [("nonce", nonce), ("action", "submit")])
    assert again.status == 409 and "Sudah diputuskan" in again.text
    assert len(decisions(await p.status())) == 1


async def test_the_kabag_returns_the_proposal_and_her_old_link_points_her_to_the_new_task(
    dev_env, web: Web
):
    """The Kasubbag opens her first mail again after the Kabag returned the proposal: she
    is told she decided it, and that a new task waits for her in the newest mail."""
    p = await Scenario(dev_env.client, web.settings).start()
    first = await web.link(p.id, KASUBAG)
    await p.do_step()
    await p.return_(KABAG, "TOR belum memuat jadwal.")
    old = await web.open(first)
    assert old.status == 410 and "Anda sudah memutuskan tugas ini" in old.text
    assert "Tugas baru menunggu Anda pada langkah 1 (Kasubbag)" in old.text
    # The Kabag's own link, decided by him: nothing waits for him now.
    kabag = await web.open(await web.link(p.id, KABAG))
    assert "Anda sudah memutuskan" in kabag.text and "Tugas baru" not in kabag.text


async def test_a_link_of_one_process_cannot_fetch_a_document_of_another(dev_env, web: Web):
    a, link_a = await at_step_2(dev_env, web)
    b = await Scenario(dev_env.client, web.settings).start()
    await b.submit(KASUBAG, konsep_rencana_kerja="Konsep proses B", tor="TOR proses B")
    own = (await a.status()).documents[0].ref
    foreign = (await b.status()).documents[0].ref
    assert own.sha256 != foreign.sha256
    mine = await web.http.get(f"{link_a}/dokumen/{own.sha256}")
    assert mine.status_code == 200 and hashlib.sha256(mine.content).hexdigest() == own.sha256
    theirs = await web.http.get(f"{link_a}/dokumen/{foreign.sha256}")
    assert theirs.status_code == 404 and foreign.sha256 not in theirs.text
    for bad in ("../../etc/passwd", "0" * 64, own.sha256.upper()):
        assert (await web.http.get(f"{link_a}/dokumen/{bad}")).status_code == 404


async def test_someone_not_assigned_is_refused_even_with_a_valid_link(dev_env, web: Web):
    p, _ = await at_step_2(dev_env, web)
    task = await p.task()
    before = decisions(await p.status())
    token = signer(web).make(p.id, task.id, STAF_LAIN, datetime.now(UTC) + timedelta(days=1))
    url = f"{web.settings.public_base_url}/t/{token}"
    page = await web.open(url)
    assert page.status == 403 and "Bukan tugas Anda" in page.text
    assert (await web.http.get(f"{url}/dokumen/{'a' * 64}")).status_code == 403
    # Even with a page nonce made for that link, the workflow refuses the person.
    nonce = PageNonces(web.settings.link_secret_value()).make(token)
    fake = Page(page.response, text="")
    parts = form_parts(
        fake,
        "approve",
        note="Setuju.",
        nonce=nonce,
        checklist={"kelengkapan": True, "selaras_renstra": True, "tor_memadai": True},
    )
    posted = await web.post(url, parts)
    assert posted.status == 403
    assert "Anda bukan pelaksana tugas ini" in posted.text
    assert "Keputusan Anda belum dicatat" in posted.text
    assert decisions(await p.status()) == before
    assert (await p.task()).id == task.id


async def test_a_cross_site_post_is_refused_and_changes_nothing(dev_env, web: Web):
    p, link = await at_step_2(dev_env, web)
    page = await web.open(link)
    before = await p.status()
    parts = form_parts(page, "approve", note="Setuju.")
    for headers in (
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "", "Origin": "http://127.0.0.1:1"},
    ):
        posted = await web.post(link, parts, headers)
        assert posted.status == 403, headers
        assert "Permintaan ditolak" in posted.text
    # Without the page's nonce, or with the nonce of another link: refused too.
    other = PageNonces(web.settings.link_secret_value()).make("another-token")
    for nonce in ("", "x.y", other, page.nonce[:-2] + "AA"):
        posted = await web.post(link, form_parts(page, "approve", note="Setuju.", nonce=nonce))
        assert posted.status == 403, nonce
    after = await p.status()
    assert after.history == before.history
    # The same form from the page itself is accepted, named by the host it was served from
    # even when the public address differs (a proxy in front).
    own_host = web.settings.public_base_url
    web.settings.public_base_url = "https://iku.kemnaker.example"
    done = await web.post(link, parts, {"Origin": own_host})
    assert done.status == 200 and "Disetujui" in done.text


async def test_a_resubmitted_form_applies_once_and_gets_its_original_answer(dev_env, web: Web):
    p, link = await at_step_2(dev_env, web)
    page = await web.open(link)
    task_id = task_of(link, web.settings)
    first = await web.post(link, form_parts(page, "approve", note="Setuju."))
    assert first.status == 200 and "Disetujui" in first.text
    # A reload of the result page sends the same form again.
    again = await web.post(link, form_parts(page, "approve", note="Setuju."))
    assert again.status == 200 and again.text == first.text
    # The back button, another answer, the same page: still the first answer.
    changed = await web.post(link, form_parts(page, "return", note="Kembalikan saja."))
    assert changed.status == 200 and "Disetujui" in changed.text
    status = await p.status()
    assert [t for t, _ in decisions(status)].count(task_id) == 1
    assert status.step == 3


async def test_the_plh_of_the_kabag_is_asked_as_plh_and_the_record_says_for_whom(
    dev_env, web: Web, tmp_path: Path
):
    directory = yaml.safe_load(Path(web.settings.directory_file).read_text(encoding="utf-8"))
    today = datetime.now(UTC).date()
    directory["acting"] = [
        {
            "person": "p-011",
            "for": KABAG,
            "kind": "plh",
            "start": (today - timedelta(days=2)).isoformat(),
            "end": (today + timedelta(days=2)).isoformat(),
        }
    ]
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    web.settings.directory_file = path
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    link = await web.link(p.id, "p-011")  # the mail went to the Plh
    page = await web.open(link)
    assert page.status == 200
    assert "Dewi Lestari" in page.text
    assert "sebagai Plh. Kepala Bagian Perencanaan Program (menggantikan Ahmad Fauzi" in page.text
    result = await web.submit(link, page, "approve", note="Setuju (Plh).")
    assert result.status == 200
    entry = next(
        h for h in (await p.status()).history if h.event is HistoryEvent.DECIDED and h.step == 2
    )
    assert entry.person == "p-011" and entry.acting_for == KABAG


async def test_a_kabag_who_left_cannot_decide_with_the_link_mailed_to_her_before(
    dev_env, web: Web, tmp_path: Path
):
    """Ops mark a leaver inactive (or take her out of the directory): the link in her mail
    still reads as genuine, yet neither opens the task nor decides it; the bureau reassigns
    the task to the role's holder now."""
    p, link = await at_step_2(dev_env, web)
    page = await web.open(link)
    assert page.status == 200
    directory = yaml.safe_load(Path(web.settings.directory_file).read_text(encoding="utf-8"))
    for person in directory["people"]:
        if person["id"] == KABAG:
            person["active"] = False
    directory["acting"] = [a for a in directory.get("acting") or [] if KABAG not in a.values()]
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(directory, allow_unicode=True), encoding="utf-8")
    web.settings.directory_file = path
    before = decisions(await p.status())
    refused = await web.open(link)
    assert refused.status == 403 and "tidak lagi tercatat aktif" in refused.text
    posted = await web.submit(link, page, "approve", note="Setuju.")
    assert posted.status == 403 and "tidak lagi tercatat aktif" in posted.text
    assert decisions(await p.status()) == before


async def test_every_response_keeps_the_link_to_itself(dev_env, web: Web):
    p, link = await at_step_2(dev_env, web)
    page = await web.open(link)
    sha = (await p.status()).documents[0].ref.sha256
    responses = [
        page.response,
        await web.http.get(f"{link}/dokumen/{sha}"),
        await web.http.get(f"{web.settings.public_base_url}/t/forged"),
        (await web.post(link, form_parts(page, "approve", note="Setuju."))).response,
    ]
    for response in responses:
        headers = response.headers
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["cache-control"] == "no-store"
        csp = headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    # The one inline stylesheet is exactly the one the policy allows.
    digest = base64.b64encode(hashlib.sha256(page.style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page.response.headers["content-security-policy"]
    assert "<script" not in page.response.text


async def test_the_page_speaks_english_when_asked(dev_env, web: Web):
    _, link = await at_step_2(dev_env, web)
    page = await web.open(f"{link}?lang=en")
    assert page.status == 200 and "Step 2 of 16" in page.text and "Review checklist" in page.text
    assert page.response.text.count('lang="en"') >= 1
    assert [label for _, label in page.buttons] == ["Approve", "Return for revision"]
    by_browser = await web.open(link, **{"Accept-Language": "en-GB,en;q=0.8,id;q=0.5"})
    assert "Step 2 of 16" in by_browser.text
    default = await web.open(link, **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert "Langkah 2 dari 16" in default.text


async def test_no_token_reaches_the_logs(dev_env, web: Web, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    p, link = await at_step_2(dev_env, web)
    token = token_of(link)
    page = await web.open(link)
    await web.open(f"{link}x")
    await web.http.get(f"{link}/dokumen/{'f' * 64}")
    await web.post(link, form_parts(page, "approve", note="Setuju."))
    # The test's own HTTP client logs the URLs it fetches; the server side must not.
    server_side = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert any(r.name.startswith("api") for r in server_side), "the app's decision log line"
    leaked = [r.name for r in server_side if token in r.getMessage()]
    assert leaked == []
    assert (await p.task()).step == 3
    assert redact(f"/t/{token}/dokumen/{'f' * 64}") == f"/t/…/dokumen/{'f' * 64}"
