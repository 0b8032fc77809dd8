"""The rarer answers a live process gives, as the official and the JSON API see them: a check
that could not run, Temporal out of reach, an archive that could not be built, a broken
calendar file, and links whose uploads must never be stored. All against the dev server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.core import gateway
from api.core.nonce import PageNonces
from common.links import LinkSigner
from common.models import Action, ProcessState
from tests import samples
from tests.scenario import FUNGSIONAL_UMUM, KABAG, KASUBAG, SEKJEN, Scenario
from tests.support import files_under, free_port
from tests.web import Web, form_parts, serve, token_of

pytestmark = pytest.mark.devserver

SK_TIM = {"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), "application/pdf")]}


async def at(dev_env, web: Web, step: int, person: str) -> tuple[Scenario, str]:
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(step)
    return p, await web.link(p.id, person, (await p.task()).id)


def break_directory(web: Web, tmp_path: Path) -> Path:
    kept = web.settings.directory_file
    broken = tmp_path / "directory-broken.yaml"
    broken.write_text("people: [ {id: p-001\n")
    web.settings.directory_file = broken
    return kept


def ops(web: Web) -> dict[str, str]:
    return {"Authorization": f"Bearer {web.settings.ops_api_token_value()}"}


async def test_the_team_cannot_be_checked_so_the_form_comes_again_and_a_retry_goes_through(
    dev_env, web: Web, tmp_path: Path
):
    p, link = await at(dev_env, web, 5, KASUBAG)
    page = await web.open(link)
    kept = break_directory(web, tmp_path)  # the workflow cannot look the members up
    first = await web.submit(
        link, page, "submit", files=SK_TIM, team=[KABAG], leader=KABAG, note="Tim dibentuk."
    )
    assert first.status == 503 and first.response.headers["retry-after"] == "5"
    assert "Dokumen tidak dapat diperiksa saat ini" in first.text
    assert "Tidak ada yang diterapkan" in first.text
    assert "Tim dibentuk." in first.response.text  # what was typed is kept
    # The workflow keeps that answer under the update's id: the form comes with a new one.
    assert first.nonce != page.nonce
    assert (await p.status()).team is None

    web.settings.directory_file = kept  # ops fix the file
    again = await web.submit(
        link, first, "submit", files=SK_TIM, team=[KABAG], leader=KABAG, note="Tim dibentuk."
    )
    assert again.status == 200 and "Langkah 6 dari 16" in again.text, again.text
    team = (await p.status()).team
    assert team is not None and team.leader == KABAG


async def test_the_api_says_an_answer_kept_under_its_key_needs_a_new_key_to_retry(
    dev_env, web: Web, tmp_path: Path
):
    p, _ = await at(dev_env, web, 5, KASUBAG)
    sk = p.document("sk_tim")
    body = {
        "task_id": (await p.task()).id,
        "person": KASUBAG,
        "action": "submit",
        "documents": [sk.model_dump(mode="json")],
        "team": {"members": [KABAG], "leader": KABAG},
    }
    url = f"{web.settings.public_base_url}/api/processes/{p.id}/decide"
    kept = break_directory(web, tmp_path)
    first = await web.http.post(
        url, json=body, headers={**ops(web), "Idempotency-Key": "kunci-satu-01"}
    )
    assert first.status_code == 503 and first.headers["retry-after"] == "5"
    assert first.json()["code"] == "check_unavailable" and "new key" in first.json()["detail"]

    web.settings.directory_file = kept
    # The same key gets the same answer, even with the file fixed ...
    same = await web.http.post(
        url, json=body, headers={**ops(web), "Idempotency-Key": "kunci-satu-01"}
    )
    assert same.status_code == 503 and same.json()["code"] == "check_unavailable"
    # ... a new key is a new decision.
    done = await web.http.post(
        url, json=body, headers={**ops(web), "Idempotency-Key": "kunci-dua-02"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["next_step"] == 6
    schema = (await web.http.get(f"{web.settings.public_base_url}/openapi.json")).json()
    header = next(
        h
        for h in schema["paths"]["/api/processes/{workflow_id}/decide"]["post"]["parameters"]
        if h["name"] == "idempotency-key"
    )
    assert "retry those with a new key" in header["description"]


async def test_when_temporal_is_out_of_reach_the_page_says_try_again_and_the_form_still_works(
    dev_env, web: Web
):
    p, link = await at(dev_env, web, 2, KABAG)
    page = await web.open(link)
    # The same app with the same secrets, its Temporal address one where nothing listens.
    away = web.settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    async with serve(away, None) as base:
        sent = link.replace(web.settings.public_base_url, base)
        failed = await web.post(sent, form_parts(page, "approve", note="Setuju."))
    assert failed.status == 503, failed.text
    assert failed.response.headers["retry-after"] == "5"
    assert "Coba lagi" in failed.text and "Temporal tidak dapat dihubungi" in failed.text
    assert (await p.task()).step == 2
    # Temporal back: the very same form goes through, once.
    done = await web.submit(link, page, "approve", note="Setuju.")
    assert done.status == 200 and "Langkah 3 dari 16" in done.text, done.text


async def test_an_archive_that_could_not_be_built_is_a_recorded_decision_and_step_16_again(
    dev_env, web: Web
):
    p, link = await at(dev_env, web, 16, FUNGSIONAL_UMUM[0])
    draft = [d for d in (await p.status()).documents if d.kind == "draf_iku"][-1]
    stored = p.store.path_of(draft.ref)
    content = stored.read_bytes()
    stored.unlink()  # a stored document is lost

    done = await web.submit(link, await web.open(link), "archive")
    assert done.status == 200, done.text
    assert "Keputusan Anda tercatat" in done.text
    assert "arsip tidak dapat dibuat" in done.text
    assert "Langkah pengarsipan dibuka lagi" in done.text
    reopened = await p.task()
    assert reopened.step == 16 and reopened.id != (await p.status()).history[-2].task_id

    # Through the JSON API the same failure is a 200 with the recorded decision.
    answer = await web.http.post(
        f"{web.settings.public_base_url}/api/processes/{p.id}/decide",
        headers=ops(web),
        json={"task_id": reopened.id, "person": FUNGSIONAL_UMUM[1], "action": Action.ARCHIVE.value},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "archive_failed" and answer.json()["archive_error"]
    assert answer.json()["next_task"]["step"] == 16

    stored.write_bytes(content)  # ops restore it from backup
    final = await web.act(p.id, FUNGSIONAL_UMUM[0], "archive")
    assert "Diarsipkan. Proses selesai." in final.text
    assert (await p.status()).state is ProcessState.ARCHIVED


async def test_a_broken_calendar_file_still_shows_the_task_page_and_the_answer(dev_env, web: Web):
    p, link = await at(dev_env, web, 2, KABAG)
    overrides = web.settings.calendar_overrides_file
    assert overrides is not None
    overrides.write_text("holidays: [tidak: {valid", "utf-8")
    page = await web.open(link)
    assert page.status == 200, page.text
    assert "hari kerja" in page.text  # working days counted on the package's calendar
    done = await web.submit(link, page, "approve", note="Setuju.")
    assert done.status == 200 and "Langkah 3 dari 16" in done.text, done.text
    # The Karo's task waits without a deadline until the file is fixed.
    assert (await p.task()).deadline is None


async def test_a_misdirected_or_used_link_stores_none_of_its_uploads(dev_env, web: Web):
    p, link = await at(dev_env, web, 2, KABAG)
    page = await web.open(link)
    before = files_under(web.settings.documents_dir)
    note = [("Catatan.pdf", samples.pdf("Catatan lain"), "application/pdf")]

    # A link signed for the Sekjen to the Kabag's task (genuine, yet not theirs).
    signer = LinkSigner(web.settings.link_secret_value())
    token = signer.make(p.id, (await p.task()).id, SEKJEN, datetime.now(UTC) + timedelta(days=1))
    misdirected = f"{web.settings.public_base_url}/t/{token}"
    refused = await web.post(
        misdirected,
        form_parts(page, "return", note="Kembalikan.", files={"catatan_perbaikan": note}),
    )
    assert refused.status == 403 and "Tidak ada yang diterapkan" in refused.text

    # The Kabag decides; the same link posted again with a new file: already decided.
    await web.submit(link, page, "approve", note="Setuju.")
    assert (await web.open(link)).status == 410  # no form to open any more; one kept:
    fresh = PageNonces(web.settings.link_secret_value()).make(token_of(link))
    again = await web.post(
        link, form_parts(page, "return", note="Eh.", nonce=fresh, files={"catatan_perbaikan": note})
    )
    assert again.status == 409 and "Sudah diputuskan" in again.text
    assert files_under(web.settings.documents_dir) == before
    assert (await p.task()).step == 3


def test_a_decision_entered_for_an_official_by_someone_not_ops_is_a_403() -> None:
    # The workflow's refusal (tests/test_refusals.py) as the JSON API's status.
    assert gateway.http_status("via_not_ops") == 403
