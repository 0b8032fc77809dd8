"""Decisions the workflow refuses, as the official sees them: the reason in their language,
the right status, nothing applied, and the form again with what they typed."""

from __future__ import annotations

import pytest

from common.models import Assignment, HistoryEvent, StatusView
from tests import samples
from tests.scenario import KABAG, KARO, KASUBAG, TIM_ANGGOTA, TIM_KETUA, Scenario
from tests.web import Web

pytestmark = pytest.mark.devserver


async def at(dev_env, web: Web, step: int, person: str) -> tuple[Scenario, str]:
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(step)
    return p, await web.link(p.id, person, (await p.task()).id)


def decided(status: StatusView) -> int:
    return sum(1 for h in status.history if h.event is HistoryEvent.DECIDED)


async def test_the_kabag_approves_without_writing_the_disposisi_and_is_asked_for_it(
    dev_env, web: Web
):
    p, link = await at(dev_env, web, 2, KABAG)
    before = await p.status()
    page = await web.open(link)
    result = await web.submit(link, page, "approve", note="   ", checklist={"kelengkapan": True})
    assert result.status == 422
    assert "Persetujuan pada langkah ini berupa disposisi" in result.text
    assert "Keputusan Anda belum dicatat" in result.text
    # The form again, with a fresh nonce and the answers kept.
    assert result.actions == ["approve", "return"] and result.nonce != page.nonce
    kept = {f.name for f in result.fields if f.type == "radio" and "checked" in f.attrs}
    assert "cl.kelengkapan" in kept
    after = await p.status()
    assert decided(after) == decided(before) and after.step == 2
    # Written now, it goes through.
    done = await web.submit(link, result, "approve", note="Setuju, teruskan kepada Karo.")
    assert done.status == 200 and "Langkah 3 dari 16" in done.text


async def test_a_reviewer_who_finds_an_item_not_met_must_return_instead(dev_env, web: Web):
    p, link = await at(dev_env, web, 7, KASUBAG)
    page = await web.open(link)
    result = await web.submit(
        link,
        page,
        "approve",
        note="Setuju.",
        checklist={"target_terukur": False},
        headers={"Accept-Language": "en"},
    )
    assert result.status == 422
    assert "An item of the review checklist is not met: return the document instead." in result.text
    assert "Setuju." in result.response.text  # the note is kept
    result = await web.submit(link, result, "return", note="", checklist={"target_terukur": False})
    assert result.status == 422 and "Pengembalian harus disertai catatan perbaikan" in result.text
    assert (await p.status()).step == 7
    done = await web.submit(
        link,
        result,
        "return",
        note="Target indikator 4 belum terukur.",
        checklist={"target_terukur": False},
        remarks={"target_terukur": "Indikator 4 tanpa baseline."},
    )
    assert done.status == 200 and "Dikembalikan untuk diperbaiki" in done.text
    entry = [h for h in (await p.status()).history if h.event is HistoryEvent.DECIDED][-1]
    assert {a.item: a.ok for a in entry.checklist}["target_terukur"] is False
    # The team, whose draft it is, reads what was not met and why, above the note.
    task = await p.task()
    back = await web.open(await web.link(p.id, task.assignees[0], task.id))
    assert "Butir Lembar Pemeriksaan yang tidak sesuai" in back.text
    assert "Target terukur dan realistis — Indikator 4 tanpa baseline." in back.text
    assert "Sesuai Tata Naskah Dinas" not in back.text.split("tidak sesuai:")[1].split("Dokumen")[0]
    (mail,) = [m for m in web.task_mails(p.id, task.assignees[0]) if m["X-IKU-Task-Id"] == task.id]
    assert "Indikator 4 tanpa baseline." in mail.get_body(("plain",)).get_content()


async def test_the_kasubag_forms_the_team_without_naming_it_and_is_asked_to(dev_env, web: Web):
    p, link = await at(dev_env, web, 5, KASUBAG)
    page = await web.open(link)
    sk_tim = {"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), "application/pdf")]}
    result = await web.submit(link, page, "submit", files=sk_tim)
    assert result.status == 422 and "Sebutkan anggota dan ketua Tim Penyusunan" in result.text
    assert "perlu dipilih lagi" in result.text  # the file must be chosen again
    # Members without a leader: no team can be made of that.
    result = await web.submit(link, result, "submit", files=sk_tim, team=[TIM_KETUA])
    assert result.status == 422 and "Sebutkan anggota dan ketua" in result.text
    assert (await p.status()).team is None
    # Asked on the form itself, the member she ticked still ticked, the file to choose again.
    assert "submit" in result.actions and "perlu dipilih lagi" in result.text
    ticked = [f.value for f in result.named("team_member") if "checked" in f.attrs]
    assert ticked == [TIM_KETUA]
    # The leader alone is a member too.
    done = await web.submit(
        link, result, "submit", files=sk_tim, team=[TIM_ANGGOTA], leader=TIM_KETUA
    )
    assert done.status == 200, done.text
    team = (await p.status()).team
    assert team is not None and team.leader == TIM_KETUA
    assert set(team.members) == {TIM_KETUA, TIM_ANGGOTA}


async def test_a_kabag_whose_task_the_karo_gave_to_someone_else_is_no_longer_asked(
    dev_env, web: Web
):
    p, link = await at(dev_env, web, 2, KABAG)
    page = await web.open(link)
    task = await p.task()
    await p.handle.execute_update(
        "assign",
        Assignment(task_id=task.id, person="p-011", by=KARO, reason="Kabag sedang dinas luar."),
    )
    assert (await web.open(link)).status == 403
    # The form opened before the change is refused by the workflow too.
    result = await web.submit(link, page, "approve", note="Setuju.")
    assert result.status == 403 and "Anda bukan pelaksana tugas ini" in result.text
    assert "Keputusan Anda belum dicatat" in result.text
    assert (await p.task()).id == task.id
    # The new assignee's link works.
    mails = await web.mail.wait_for(p.id, "task", task.id, count=2)
    assert any("dewi.lestari" in str(m["X-Envelope-To"]) for m in mails)
    new = await web.link(p.id, "p-011", task.id)
    assert (await web.open(new)).status == 200
