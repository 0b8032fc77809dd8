"""The whole SOP through the web layer only: the SDK starts the process, and from then on
every official acts through the link in the mail they received, on the page it opens.

Real parts throughout: the Temporal dev server, a worker, mail over SMTP (aiosmtpd), the
document store on disk and uvicorn serving the app.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from common.archives.bag import validate_bag
from common.models import Action, HistoryEvent, ProcessState
from signing.verify import verify_pdf
from tests import samples
from tests.scenario import (
    FUNGSIONAL_UMUM,
    KABAG,
    KARO,
    KASUBAG,
    MENTERI,
    SEKJEN,
    TIM_ANGGOTA,
    TIM_KETUA,
    Scenario,
)
from tests.signatures import Keys, make_keys
from tests.web import Web

pytestmark = pytest.mark.devserver

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def keys(settings) -> Keys:
    """The officials' signing certificates, in the data folder the web layer signs from."""
    return make_keys(settings.signing_dir)


async def test_the_iku_goes_up_is_returned_twice_initialled_signed_handed_down_and_archived(
    dev_env, web: Web, keys: Keys
):
    tte = keys.passphrases
    p = await Scenario(dev_env.client, settings=web.settings).start()
    tor, konsep = samples.pdf("TOR penyusunan IKU 2027"), samples.docx("Konsep Rencana Kerja")
    draft_v1, draft_v2 = samples.pdf("Draf IKU v1"), samples.pdf("Draf IKU v2")
    draft_v3 = samples.pdf("Draf IKU v3: definisi indikator 2 diperbaiki")

    # 1. The Kasubag submits the proposal: the Konsep Rencana Kerja and the TOR.
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    assert "Langkah 1 dari 16" in page.text and "Penyusunan Indikator Kinerja Utama" in page.text
    assert page.actions == ["submit"] and page.buttons[0][1] == "Kirim"
    assert sorted(page.file_fields) == ["doc.konsep_rencana_kerja", "doc.tor"]
    result = await web.submit(
        link,
        page,
        "submit",
        files={
            "konsep_rencana_kerja": [("Konsep Rencana Kerja.docx", konsep, DOCX)],
            "tor": [("TOR IKU 2027.pdf", tor, "application/pdf")],
        },
    )
    assert result.status == 200, result.text
    assert "Terkirim" in result.text and "Langkah 2 dari 16" in result.text
    assert "Ahmad Fauzi" in result.text  # the Kabag is next, by name

    # 2. The Kabag reviews the proposal with the Lembar Pemeriksaan; the note is the disposisi.
    link = await web.link(p.id, KABAG)
    page = await web.open(link)
    assert "Langkah 2 dari 16" in page.text and "Rina Wulandari" in page.text  # sent by
    assert page.actions == ["approve", "return"]
    # On a phone the heading is the step's short name; the SOP's full sentence below it.
    assert "<h1>Memeriksa usulan</h1>" in page.response.text
    assert "Jika setuju menyampaikan kepada Karo" in page.text
    # A title is not repeated in brackets: "Kepala Bagian Perencanaan Program", once.
    assert "Kepala Bagian Perencanaan Program" in page.text
    assert "(Kabag)" not in page.text and "(Kepala Bagian)" not in page.text
    assert page.checklist == ["kelengkapan", "selaras_renstra", "tor_memadai"]
    assert "Disposisi" in page.text
    # The TOR the Kasubag uploaded is there to read, byte for byte.
    downloads = [u for u in page.document_links() if "unduh=1" not in u]
    assert len(downloads) == 2
    tor_link = next(u for u in downloads if sha(tor) in u)
    # A PDF opens in the browser (a phone has nowhere good to keep a download), with the
    # same safety headers; the link beside it downloads it.
    got = await web.http.get(f"{link}/dokumen/{sha(tor)}")
    assert got.status_code == 200 and got.content == tor
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith('inline; filename="TOR IKU 2027.pdf"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in got.headers["content-security-policy"]
    assert f"{tor_link}?unduh=1" in page.document_links()
    kept = await web.http.get(f"{link}/dokumen/{sha(tor)}?unduh=1")
    assert kept.headers["content-disposition"].startswith('attachment; filename="TOR IKU 2027.pdf"')
    # A Word file downloads: the browser cannot show it.
    konsep_link = next(u for u in downloads if sha(tor) not in u)
    other = await web.http.get(f"{link.rsplit('/t/', 1)[0]}/t/{konsep_link}")
    assert other.headers["content-disposition"].startswith("attachment;")
    assert tor_link.startswith(link.rsplit("/", 1)[1])  # relative to the page
    await web.submit(link, page, "approve", note="Setuju, teruskan kepada Karo.")

    # 3. The Karo approves: the Kabag is to form the team.
    await web.act(p.id, KARO, "approve", note="Setuju. Kabag agar membentuk Tim Penyusunan.")
    # 4. The Kabag orders the Kasubag to form the team, with a draft decree.
    await web.act(
        p.id,
        KABAG,
        "submit",
        note="Kasubbag agar membentuk Tim Penyusunan.",
        files={"sk": [("Konsep SK.docx", samples.docx("Konsep SK Tim"), DOCX)]},
    )

    # 5. The Kasubag forms the team: the SK Tim, its members and leader.
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    assert "Tim Penyusunan" in page.text
    offered = {f.value for f in page.named("team_member")}
    # The staff of the Kasubag's unit, never an official who reviews the draft (nobody
    # approves their own version: a Kabag in the team would block step 8).
    assert offered >= {TIM_KETUA, TIM_ANGGOTA}
    assert not offered & {KASUBAG, KABAG, KARO, SEKJEN, MENTERI}
    # The search (no script: the form posts itself) narrows the list and keeps what was
    # ticked and typed; a file already chosen must be chosen again, and nothing is decided.
    searched = await web.search_team(
        link,
        page,
        "analis kinerja",
        team=[TIM_KETUA],
        note="Tim siap",
        files={"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), "application/pdf")]},
    )
    assert searched.status == 200
    assert [f.value for f in searched.named("team_member")] == [TIM_KETUA, TIM_ANGGOTA]
    ticked = [f.value for f in searched.named("team_member") if "checked" in f.attrs]
    assert ticked == [TIM_KETUA] and "perlu dipilih lagi" in searched.text
    assert [f.value for f in searched.named("note")] == ["Tim siap"]
    assert "analis kinerja" in searched.text and searched.nonce != page.nonce
    assert (await p.task()).step == 5
    result = await web.submit(
        link,
        page,
        "submit",
        team=[TIM_ANGGOTA],
        leader=TIM_KETUA,
        files={"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), "application/pdf")]},
    )
    assert result.status == 200, result.text
    # The pool is asked: both members of the team are named as next.
    assert "Yusuf Maulana" in result.text and "Putri Anggraini" in result.text

    # 6. Any member of the team drafts: the member (not the leader) submits, with material.
    await web.act(
        p.id,
        TIM_ANGGOTA,
        "submit",
        files={
            "draf_iku": [("Draf IKU.pdf", draft_v1, PDF)],
            "bahan": [
                ("Data capaian.xlsx", samples.xlsx(), XLSX),
                ("Grafik.png", samples.png(), "image/png"),
            ],
        },
    )
    # 7. The Kasubag reviews the draft.
    await web.act(p.id, KASUBAG, "approve")

    # 8. The Kabag initials the draft: the button says so.
    link = await web.link(p.id, KABAG)
    page = await web.open(link)
    assert ("approve", "Setujui dan paraf") in page.buttons
    result = await web.submit(link, page, "approve", passphrase=tte[KABAG])
    assert "Disetujui dan diparaf" in result.text and "Langkah 9 dari 16" in result.text

    # 9. The Karo returns the draft to the Kabag, with revision notes.
    result = await web.act(
        p.id,
        KARO,
        "return",
        note="Target indikator 3 belum terukur.",
        files={"catatan_perbaikan": [("Catatan.pdf", samples.pdf("Catatan"), "application/pdf")]},
    )
    assert "Dikembalikan untuk diperbaiki" in result.text and "Langkah 8 dari 16" in result.text

    # 8 again. The Kabag sees why, and which decision concerned which version; revises
    # the draft by uploading a new version, and initials that.
    link = await web.link(p.id, KABAG)
    page = await web.open(link)
    assert "Target indikator 3 belum terukur." in page.text
    assert "Dikembalikan oleh Dr. Bambang Sutrisno" in page.text
    assert "dikembalikan untuk diperbaiki oleh Dr. Bambang Sutrisno, M.P.A. (langkah 9)" in (
        page.text
    )
    assert "Putaran 2" in page.text
    result = await web.submit(
        link,
        page,
        "approve",
        note="Diperbaiki sesuai catatan Karo.",
        files={"draf_iku": [("Draf IKU v2.pdf", draft_v2, PDF)]},
        passphrase=tte[KABAG],
    )
    assert result.status == 200 and "Langkah 9 dari 16" in result.text

    # 9, 10. The Karo and the Sekjen initial version 2. The Sekjen sees step 10 for the
    # first time: no "round 2" for him, though the process is in its second.
    await web.act(p.id, KARO, "approve", passphrase=tte[KARO])
    sekjen = await web.open(await web.link(p.id, SEKJEN))
    assert "Putaran" not in sekjen.text
    # The version the Karo initialled is said to be his paraf's, not his upload.
    assert "versi berparaf, diparaf oleh Dr. Bambang Sutrisno, M.P.A., langkah 9" in sekjen.text
    await web.act(p.id, SEKJEN, "approve", passphrase=tte[SEKJEN])

    # 11. The Minister returns it to the Sekjen.
    result = await web.act(p.id, MENTERI, "return", note="Perbaiki definisi indikator 2.")
    assert "Langkah 10 dari 16" in result.text and "Hendra Gunawan" in result.text

    # 10 again. The Sekjen revises: version 3 goes down to the first paraf it lacks (8).
    link = await web.link(p.id, SEKJEN)
    page = await web.open(link)
    assert "Perbaiki definisi indikator 2." in page.text
    result = await web.submit(
        link,
        page,
        "approve",
        files={"draf_iku": [("Draf IKU v3.pdf", draft_v3, PDF)]},
        passphrase=tte[SEKJEN],
    )
    assert result.status == 200 and "Langkah 8 dari 16" in result.text
    await web.act(p.id, KABAG, "approve", passphrase=tte[KABAG])
    result = await web.act(p.id, KARO, "approve", passphrase=tte[KARO])
    assert "Langkah 11 dari 16" in result.text  # all three initials on version 3

    # 11 again, in English (the Minister's phone asks for it): signs version 3.
    link = await web.link(p.id, MENTERI)
    english = {"Accept-Language": "en-US,en;q=0.9"}
    page = await web.open(link, **english)
    assert "Step 11 of 16" in page.text and ("approve", "Approve and sign") in page.buttons
    result = await web.submit(
        link, page, "approve", note="Signed.", headers=english, passphrase=tte[MENTERI]
    )
    assert "Approved and signed." in result.text and "Step 12 of 16" in result.text

    # 12–15: the signed IKU is handed down for documentation.
    for person in (SEKJEN, KARO, KABAG, KASUBAG):
        link = await web.link(p.id, person)
        page = await web.open(link)
        assert page.buttons == [("hand_over", "Serahkan")]
        result = await web.submit(link, page, "hand_over")
        assert result.status == 200 and "Diserahkan" in result.text

    # 16. Either Fungsional Umum may archive; the second one's link is then used up.
    links = {person: await web.link(p.id, person) for person in FUNGSIONAL_UMUM}
    page = await web.open(links[FUNGSIONAL_UMUM[1]])
    assert page.buttons == [("archive", "Arsipkan")]
    result = await web.submit(links[FUNGSIONAL_UMUM[1]], page, "archive")
    assert result.status == 200 and "Diarsipkan" in result.text
    late = await web.open(links[FUNGSIONAL_UMUM[0]])
    assert late.status == 410 and "Agus Setiawan" in late.text and "diarsipkan" in late.text

    status = await p.status()
    assert status.state is ProcessState.ARCHIVED
    decided = [h for h in status.history if h.event is HistoryEvent.DECIDED]
    assert [h.step for h in decided] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8,
        9,
        8,
        9,
        10,
        11,
        10,
        8,
        9,
        11,
        12,
        13,
        14,
        15,
        16,
    ]
    assert [h.step for h in decided if h.action is Action.RETURN] == [9, 11]
    assert status.team is not None and status.team.leader == TIM_KETUA
    assert set(status.team.members) == {TIM_KETUA, TIM_ANGGOTA}
    # One version, all initials: version 3 (the Sekjen's revision) carries the three
    # paraf, one signature per version, and the Minister's signature on top.
    drafts = [d for d in status.documents if d.kind == "draf_iku"]
    assert len(drafts) == 1 + 7  # the team's, then one per paraf (two revisions among them)
    assert sorted((m.step, m.person) for m in status.parafs if m.version >= 6) == [
        (8, KABAG),
        (9, KARO),
        (10, SEKJEN),
    ]
    assert status.signature is not None and status.signature.person == MENTERI
    assert status.signature.sha256 == drafts[-1].ref.sha256
    iku = next(d for d in status.documents if d.kind == "iku")
    report = await verify_pdf(p.store.path_of(iku.ref).read_bytes(), keys.root)
    assert report.valid
    assert [s.person for s in report.signatures] == [SEKJEN, KABAG, KARO, MENTERI]
    assert report.signatures[0].approved_sha256 == sha(draft_v3)
    # What was uploaded is what the store holds, named for display only.
    by_kind = {d.kind: d.ref for d in status.documents}
    assert by_kind["tor"].sha256 == sha(tor) and by_kind["tor"].name == "TOR IKU 2027.pdf"
    assert by_kind["konsep_rencana_kerja"].media_type == DOCX
    assert len([d for d in status.documents if d.kind == "bahan"]) == 2
    assert status.archive is not None and status.archive.valid
    assert validate_bag(Path(status.archive.path)) == (True, None)


async def test_the_karo_makes_a_new_version_and_the_kabag_is_asked_to_initial_it_again(
    dev_env, web: Web, keys: Keys
):
    p = await Scenario(dev_env.client, settings=web.settings).start()
    await p.walk_to(9)
    karo_task = await p.task()
    link = await web.link(p.id, KARO, task_id=karo_task.id)
    page = await web.open(link)
    # The Kabag's paraf note stands at the top of the Karo's page.
    assert "Catatan Kabag:" in page.text
    result = await web.submit(
        link,
        page,
        "approve",
        note="Indikator 3 saya perbaiki.",
        files={"draf_iku": [("Draf IKU v2.pdf", samples.pdf("Draf IKU v2"), "application/pdf")]},
        passphrase=keys.passphrases[KARO],
    )
    assert result.status == 200, result.text
    # The result page says why the draft goes down again.
    assert "Versi baru oleh Karo: draf kembali ke langkah 8 untuk diparaf ulang." in result.text

    kabag_task = await p.task()
    assert kabag_task.step == 8
    (mail,) = await web.mail.wait_for(p.id, "task", kabag_task.id)
    assert "Mohon paraf ulang: versi baru oleh Karo" in mail["Subject"]
    kabag = await web.open(await web.link(p.id, KABAG, task_id=kabag_task.id))
    why = kabag.text[: kabag.text.index("Lembar Pemeriksaan")]
    assert "Versi baru oleh Karo: mohon paraf ulang." in why
    assert "Catatan Karo:" in why and "Indikator 3 saya perbaiki." in why
