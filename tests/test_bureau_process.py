"""The planning bureau follows a process through its pages, while officials act on their links.

Real parts throughout: the Temporal dev server, a worker, mail over SMTP, uvicorn serving
the app; the bureau signs in, starts the process, reads the SOP table at each turn, and at
the end downloads the archive and checks the bag it holds.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from temporalio.service import RPCError

from common.archives.bag import validate_bag
from common.models import Action, HistoryEvent, ProcessState
from common.settings import EXAMPLE_DIRECTORY
from tests import samples
from tests.bureau import DOCX, hidden, signed_in, unique_code
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
from tests.signatures import make_keys
from tests.support import eventually
from tests.web import Page, Web
from workflows.sop import WIB

pytestmark = pytest.mark.devserver


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def row(page: Page, number: int) -> str:
    """The HTML of one step of the SOP table: its row and the row of its passes."""
    html = page.response.text
    start = html.index(f'<tr id="langkah-{number}"')
    following = html.find('<tr id="langkah-', start + 1)
    return html[start : following if following != -1 else html.index("</tbody>", start)]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def passes(page: Page, number: int) -> list[str]:
    """The text of each pass through a step, in order."""
    return [text_of(part) for part in re.split(r'<div class="pass[ "]', row(page, number))[1:]]


def row_state(page: Page, number: int) -> str:
    found = re.search(r'data-state="(\w+)"', row(page, number))
    assert found is not None
    return found.group(1)


async def test_the_bureau_starts_an_iku_follows_every_step_and_downloads_the_valid_archive(
    dev_env, web: Web, tmp_path: Path, settings
):
    tte = make_keys(settings.signing_dir).passphrases  # the officials sign at 8–11
    async with signed_in(web, "bureau") as biro:
        code = unique_code("kemnaker")
        wid = await biro.start(year=2027, code=code, title="IKU Kementerian Ketenagakerjaan 2027")
        assert wid == f"iku-2027-{code}"

        # The process page, by id and run: the SOP table of the source, the first step current.
        run = (await dev_env.client.get_workflow_handle(wid).describe()).run_id
        assert biro.location == f"/proses/{wid}/{run}?ok=started"
        started_page = biro.location

        async def first_step_shown() -> Page:
            # The workflow first checks that its id was never used by an ended process:
            # on a busy machine step 1 may take a moment to appear.
            page = await biro.page(started_page)
            assert page.status == 200, page.text
            assert "Langkah 1 dari 16" in page.text, "step 1 not shown yet"
            return page

        page = await eventually(first_step_shown, 20)
        assert "Proses dimulai" in page.text
        assert "Rina Wulandari" in page.text
        assert page.response.text.count('<tr id="langkah-') == 16
        for role in ("Kasubbag", "Kabag", "Karo", "Sekjen", "Menteri", "Tim", "Fungsional Umum"):
            assert f'<th scope="col" class="c-role">{role}</th>' in page.response.text
        assert "Persyaratan/ Kelengkapan" in page.text and "Konsep Rencana Kerja" in page.text
        assert row_state(page, 1) == "current" and row_state(page, 2) == "todo"
        assert (
            "Dimulai oleh" in page.text
            and "Biro Perencanaan" in page.text
            and "(biro)" not in page.text
        )
        # The Kasubbag's task page names who started it as the bureau's page does, in the
        # reader's language, never by the sign-in name.
        link = await web.link(wid, KASUBAG)
        for lang, label, starter in (
            ("id", "Dimulai oleh", "Biro Perencanaan"),
            ("en", "Started by", "Planning Bureau"),
        ):
            task = await web.open(f"{link}?lang={lang}")
            shown = text_of(task.response.text)
            assert f"{label} {starter}" in shown, shown

        p = Scenario(dev_env.client, web.settings)
        p.id = wid
        p.handle = dev_env.client.get_workflow_handle(wid)

        tor, konsep = samples.pdf("TOR IKU"), samples.docx("Konsep Rencana Kerja")
        draft = samples.pdf("Draf IKU v1")  # the draft goes up for paraf as a PDF
        await web.act(
            wid,
            KASUBAG,
            "submit",
            files={
                "konsep_rencana_kerja": [("Konsep.docx", konsep, DOCX)],
                "tor": [("TOR.pdf", tor, "application/pdf")],
            },
        )
        await web.act(wid, KABAG, "approve", note="Setuju, teruskan kepada Karo.")

        page = await biro.page(f"/proses/{wid}")
        assert [row_state(page, n) for n in (1, 2, 3)] == ["done", "done", "current"]
        assert "Ahmad Fauzi" in row(page, 2) and "Setuju, teruskan kepada Karo." in row(page, 2)
        assert "tepat waktu" in row(page, 1)
        assert "Dr. Bambang Sutrisno" in row(page, 3) and "Menunggu" in row(page, 3)
        # The documents, each version with the decisions that concerned it.
        assert sha(tor)[:12] in page.text and "TOR.pdf" in page.text
        got = await biro.http.get(f"/proses/{wid}/{run}/dokumen/{sha(tor)}")
        assert got.status_code == 200 and got.content == tor

        await web.act(wid, KARO, "approve", note="Setuju. Kabag agar membentuk Tim Penyusunan.")
        await web.act(wid, KABAG, "submit", note="Kasubbag agar membentuk Tim Penyusunan.")
        await web.act(
            wid,
            KASUBAG,
            "submit",
            team=[TIM_ANGGOTA],
            leader=TIM_KETUA,
            files={"sk_tim": [("SK Tim.pdf", samples.pdf("SK Tim"), "application/pdf")]},
        )
        page = await biro.page(f"/proses/{wid}")
        assert row_state(page, 6) == "current"
        assert "Yusuf Maulana" in row(page, 6) and "Putri Anggraini" in row(page, 6)
        assert "Tim Penyusunan" in page.text

        await web.act(
            wid,
            TIM_KETUA,
            "submit",
            files={"draf_iku": [("Draf IKU.pdf", draft, "application/pdf")]},
        )
        await web.act(wid, KASUBAG, "approve")
        for person in (KABAG, KARO, SEKJEN):
            await web.act(wid, person, "approve", passphrase=tte[person])
        await web.act(wid, MENTERI, "approve", note="Ditandatangani.", passphrase=tte[MENTERI])
        for person in (SEKJEN, KARO, KABAG, KASUBAG):
            await web.act(wid, person, "hand_over")

        page = await biro.page(f"/proses/{wid}")
        assert row_state(page, 16) == "current" and row_state(page, 15) == "done"
        assert "Sari Dewi" in row(page, 16) and "Agus Setiawan" in row(page, 16)
        await web.act(wid, FUNGSIONAL_UMUM[0], "archive")

        status = await p.status()
        assert status.state is ProcessState.ARCHIVED
        page = await biro.page(f"/proses/{wid}")
        assert "Diarsipkan" in page.text and "Tidak ada tindakan" not in page.text
        assert all(row_state(page, n) == "done" for n in range(1, 17))
        assert 'id="form-resend"' not in page.response.text

        # The archive: validated now, offered as a zip; the zip holds the same valid bag.
        archive = await biro.page(f"/proses/{wid}/{run}/arsip")
        assert archive.status == 200, archive.text
        assert "Arsip utuh" in archive.text and status.archive is not None
        assert status.archive.bag_name in archive.text
        download = await biro.http.get(f"/proses/{wid}/{run}/arsip.zip")
        assert download.status_code == 200
        assert download.headers["content-type"] == "application/zip"
        assert "attachment" in download.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(download.content)) as bundle:
            bundle.extractall(tmp_path)
        assert validate_bag(tmp_path / status.archive.bag_name) == (True, None)
        decided = [h.step for h in status.history if h.event is HistoryEvent.DECIDED]
        assert decided == list(range(1, 17))
        assert hidden(page, "csrf")


async def test_a_return_at_step_9_shows_a_new_round_and_initials_and_signature_on_version_2(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(9)
    await p.return_(KARO, "Target indikator 3 belum terukur.")
    await p.approve(KABAG, "Diperbaiki sesuai catatan Karo.", new_draft="Draf IKU v2")
    await p.approve(KARO)
    await p.approve(SEKJEN)
    await p.approve(MENTERI, "Ditandatangani.")
    status = await p.status()
    # Every paraf is a version of its own (the version before plus one signature): v2 is
    # v1 initialled by the Kabag (returned by the Karo), v3 the Kabag's fix with his paraf,
    # v4 and v5 the Karo's and the Sekjen's paraf added; the Minister's signature on v5 is
    # the IKU.
    _v1, v2, v3, v4, v5 = [d for d in status.documents if d.kind == "draf_iku"]
    assert v3.by == KABAG and v3.extends is None and v4.extends == v3.ref.sha256

    async with signed_in(web, "bureau") as biro:
        page = await biro.page(f"/proses/{p.id}")
        assert page.status == 200, page.text
        assert "Putaran 2" in page.text and "1 kali dikembalikan" in page.text
        assert row_state(page, 12) == "current" and row_state(page, 9) == "done"

        # Step 9: returned in round 1, with the note; initialled in round 2.
        first, second = passes(page, 9)
        assert "Putaran 1" in first and "dikembalikan ke langkah 8" in first
        assert "Target indikator 3 belum terukur." in first
        assert "Draf Indikator Kinerja Utama v2" in first
        assert "Putaran 2" in second and "disetujui dan diparaf" in second
        assert "Draf Indikator Kinerja Utama v4" in second
        # Step 8 again: back from step 9, fixed by a new version.
        first, second = passes(page, 8)
        assert "Putaran 1" in first and "kembali dari langkah" not in first
        assert "kembali dari langkah 9" in second and "Draf Indikator Kinerja Utama v3" in second
        assert len(passes(page, 10)) == 1 and len(passes(page, 7)) == 1
        assert 'class="shape review st-done"' in row(page, 9)

        # The draft's versions and what was decided on each, newest first.
        docs = page.response.text
        table = docs[docs.index('data-kind="draf_iku"') :]
        table = table[: table.index("</table>")]
        by_version = dict(
            (int(part[: part.index('"')]), text_of(part))
            for part in table.split('data-version="')[1:]
        )
        assert sorted(by_version) == [1, 2, 3, 4, 5]
        assert "dikembalikan untuk diperbaiki" in by_version[2]
        assert "Dr. Bambang Sutrisno" in by_version[2]
        assert "disetujui dan ditandatangani" in by_version[5]
        assert "Ditandatangani Ir. Sri Hartati" in by_version[5]
        # The signed IKU: v5 with the Minister's signature, signed at step 11.
        iku = docs[docs.index('data-kind="iku"') :]
        iku = text_of(iku[: iku.index("</table>")])
        assert "disetujui dan ditandatangani — Ir. Sri Hartati" in iku

        # Initials and signature: on which version, and which stand.
        marks = docs[docs.index('id="marks"') :]
        marks = marks[: marks.index("</table>")]
        rows = [text_of(r) for r in marks.split("<tr ")[1:]]
        standing = [r for r in rows if "tidak berlaku" not in r]
        assert len(standing) == 4 and all("berlaku" in r for r in standing)
        assert any("Tanda tangan" in r and "Ir. Sri Hartati" in r for r in standing)
        for version in (v2, v3, v4, v5):
            assert version.ref.sha256[:12] in marks
        (kabag_v2,) = [r for r in rows if "tidak berlaku" in r]
        # The Karo returned v2: the Kabag's paraf on it is shown withdrawn, as the hint says.
        assert "Ahmad Fauzi" in kabag_v2 and "v2" in kabag_v2
        assert status.signature is not None and status.signature.sha256 == v5.ref.sha256

        # The riwayat: the return with its note and checklist, who decided, each version.
        riwayat = text_of(docs[docs.index('id="history"') :])
        assert "dikembalikan untuk diperbaiki" in riwayat and "ke langkah 8" in riwayat
        assert "Target terukur dan realistis (sesuai)" in riwayat
        assert f"Draf Indikator Kinerja Utama v3 {v3.ref.sha256[:8]}" in riwayat

        # And in English, on request.
        english = await biro.page(f"/proses/{p.id}", lang="en")
        assert "Round 2" in english.text and "returned to step 8" in english.text
        assert "Initials and signature" in english.text


async def test_the_start_form_offers_the_registered_sop_number_not_a_placeholder(dev_env, web: Web):
    async with signed_in(web, "bureau") as biro:
        form = await biro.page("/proses/baru")
        values = {f.name: f.value for f in form.fields}
        assert values["sop_number"] == web.settings.sop_number == "1/123/OT.04.00/XI/2026"


async def test_the_start_form_refuses_a_running_id_and_bad_fields_keeping_what_was_typed(
    dev_env, web: Web
):
    async with signed_in(web, "bureau") as biro:
        code = unique_code("kemnaker")
        wid = await biro.start(year=2027, code=code, title="IKU 2027")
        form = await biro.page("/proses/baru")
        typed = {
            "year": "2027",
            "code": code,
            "revision": "0",
            "sop_number": "1/XII/OT.04.00",
            "title": "Judul yang diketik",
        }
        again = await biro.post("/proses/baru", typed, form)
        assert again.status == 409
        assert f"Proses {wid} sudah ada (Berjalan)" in again.text
        assert f'href="/proses/{wid}"' in again.response.text
        values = {f.name: f.value for f in again.fields}
        assert values["title"] == "Judul yang diketik" and values["sop_number"] == "1/XII/OT.04.00"
        bad = await biro.post(
            "/proses/baru", {**typed, "code": "Kode Salah!", "year": "1990"}, form
        )
        assert bad.status == 422 and "Proses belum dimulai" in bad.text
        assert "Tahun 2000–2100" in bad.text and "hanya huruf kecil" in bad.text
        # The SOP template's placeholder is not a registered number.
        placeholder = await biro.post(
            "/proses/baru",
            {**typed, "code": unique_code("kemnaker"), "sop_number": "1/.../OT.04.00/./..."},
            form,
        )
        assert placeholder.status == 422 and "bukan isian templat" in placeholder.text
        assert {f.name: f.value for f in bad.fields}["code"] == "kode salah!"
        # A revision is asked to confirm the id it takes for good, then started.
        asked = await biro.post("/proses/baru", {**typed, "revision": "1"}, form)
        assert asked.status == 200 and f"proses {wid}-rev1 akan dimulai" in asked.text
        with pytest.raises(RPCError):  # nothing started yet
            await dev_env.client.get_workflow_handle(f"{wid}-rev1").describe()
        confirm = {"confirm": "ya", "confirm_id": f"{wid}-rev1"}
        revision = await biro.post("/proses/baru", {**typed, "revision": "1", **confirm}, form)
        assert revision.status == 303
        location = revision.response.headers["location"]
        assert re.fullmatch(rf"/proses/{wid}-rev1/[0-9a-f-]{{36}}\?ok=started", location)


async def test_ops_reassigns_the_kabag_task_then_cancels_and_a_stale_form_is_refused(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    async with signed_in(web, "ops") as ops:
        page = await ops.page(f"/proses/{p.id}")
        task_id = hidden(page, "task_id", "form-assign")
        assert "(memegang peran ini)" in page.text  # the Kabag, in the assign form's list
        done = await ops.post(
            f"/proses/{p.id}/tugaskan",
            {"task_id": task_id, "person": "p-011", "reason": "Kabag dinas luar"},
            page,
            form_id="form-assign",
        )
        assert done.status == 303, done.text
        shown = await ops.page(done.response.headers["location"])
        assert "Tugas ditugaskan" in shown.text
        assert (
            "kepada Dewi Lestari, S.H., M.H.; dicatat atas nama Tim Operasional IKU" in shown.text
        )
        assert "Dewi Lestari" in text_of(row(shown, 2))
        # Her own post is another: the page says she holds the task for the Kabag's role,
        # and, assigned by hand, she is not taken for someone who left the post.
        assert "ditugaskan untuk peran: Kabag" in shown.text
        assert 'id="left-post"' not in shown.response.text
        # The page from before the step moved on: its form names a task no longer current.
        await p.approve("p-011", "Setuju, teruskan kepada Karo.")
        stale = await ops.post(
            f"/proses/{p.id}/tugaskan",
            {"task_id": task_id, "person": "p-002", "reason": "kembali"},
            page,
            form_id="form-assign",
        )
        assert stale.status == 409 and "Tugas ini sudah diputuskan" in stale.text
        assert 'value="kembali"' in stale.response.text  # what was typed is kept
        # Cancel needs a reason and the confirmation; then it ends the process.
        page = await ops.page(f"/proses/{p.id}")
        unconfirmed = await ops.post(
            f"/proses/{p.id}/batalkan", {"reason": "Diganti revisi 1"}, page, form_id="form-cancel"
        )
        assert unconfirmed.status == 422 and "Centang konfirmasi" in unconfirmed.text
        cancelled = await ops.post(
            f"/proses/{p.id}/batalkan",
            {"reason": "Diganti revisi 1", "confirm": "ya"},
            page,
            form_id="form-cancel",
        )
        assert cancelled.status == 303
        shown = await ops.page(cancelled.response.headers["location"])
        assert "Proses dibatalkan" in shown.text and "Diganti revisi 1" in shown.text
        assert row_state(shown, 3) == "cancelled" and 'id="form-cancel"' not in shown.text
        # The SOP chart's step says who ended the process there, when, and why.
        ended = re.sub(r"<[^>]+>", "", row(shown, 3))
        assert re.search(r"Dibatalkan pada langkah ini\s+oleh [^,]+, .+: Diganti revisi 1", ended)
    status = await p.status()
    assert status.state is ProcessState.CANCELLED
    steered = [
        (h.event, h.person, h.note)
        for h in status.history
        if h.event in (HistoryEvent.ASSIGNED, HistoryEvent.CANCELLED)
    ]
    assert steered == [
        (HistoryEvent.ASSIGNED, "ops", "Kabag dinas luar"),
        (HistoryEvent.CANCELLED, "ops", "Diganti revisi 1"),
    ]


def edit_people(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """The directory edited in place, as ops edit it: ``edit`` applied to each person."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for person in data["people"]:
        edit(person)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def move_role(role: str, to: str) -> Callable[[dict[str, Any]], None]:
    """After a mutation: ``role`` held by ``to`` alone, its former holders keeping the rest."""

    def edit(person: dict[str, Any]) -> None:
        roles = [r for r in person.get("roles") or [] if r != role]
        person["roles"] = [*roles, role] if person["id"] == to else roles

    return edit


def left_post(page: Page) -> str:
    """The page's word that a holder no longer holds the task (ValueError: none)."""
    html = page.response.text
    return text_of(html[html.index('id="left-post"') :].split("</div>")[0])


async def test_the_kabag_is_moved_while_his_review_waits_the_page_names_the_new_kabag_to_assign(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(2)
    async with signed_in(web, "ops") as ops:
        page = await ops.page(f"/proses/{p.id}")
        assert 'id="left-post"' not in page.response.text  # the Kabag holds his own review

        # A decree moves Ahmad Fauzi; Dewi Lestari is the new Kabag.
        edit_people(web.settings.directory_file, move_role("kabag", to="p-011"))
        page = await ops.page(f"/proses/{p.id}")
        warning = left_post(page)
        assert "Ahmad Fauzi, S.Sos., M.Si. tidak lagi memegang tugas ini" in warning
        assert "Pemegang peran Kabag sekarang: Dewi Lestari, S.H., M.H." in warning
        # The assign form is open on her, so one click hands the review over.
        html = page.response.text
        form = html[html.index('id="form-assign"') :].split("</form>")[0]
        assert '<option value="p-011" selected>' in form
        assert '<details class="action" open>' in page.response.text
        done = await ops.post(
            f"/proses/{p.id}/tugaskan",
            {"task_id": hidden(page, "task_id", "form-assign"), "person": "p-011", "reason": ""},
            page,
            form_id="form-assign",
        )
        assert done.status == 303, done.text
        shown = await ops.page(done.response.headers["location"])
        assert 'id="left-post"' not in shown.response.text
        assert "Dewi Lestari" in text_of(row(shown, 2))

        # Assigned by hand, her later change of roles is ops' to judge...
        edit_people(web.settings.directory_file, move_role("kabag", to="nobody"))
        shown = await ops.page(f"/proses/{p.id}")
        assert 'id="left-post"' not in shown.response.text

        # ...but once she leaves the service nobody can decide the review: the page says so.
        def leaves(person: dict[str, Any]) -> None:
            if person["id"] == "p-011":
                person["active"] = False

        edit_people(web.settings.directory_file, leaves)
        shown = await ops.page(f"/proses/{p.id}")
        warning = left_post(shown)
        assert "Dewi Lestari, S.H., M.H. tidak lagi memegang tugas ini" in warning
        assert "Tidak ada orang lain yang memegang peran Kabag di direktori" in warning


async def test_a_process_terminated_in_the_temporal_ui_is_shown_as_stopped_without_actions(
    dev_env, web: Web
):
    p = await Scenario(dev_env.client, web.settings).start()
    await p.walk_to(3)
    await p.handle.terminate("dihentikan ops dari Temporal UI")
    async with signed_in(web, "ops") as ops:
        page = await ops.page(f"/proses/{p.id}")
        assert page.status == 200, page.text
        assert "Dihentikan (Temporal)" in page.text
        assert "bukan diselesaikan menurut SOP" in page.text
        assert 'id="form-resend"' not in page.response.text
        assert row_state(page, 2) == "done" and row_state(page, 3) == "stopped"
        assert "Dihentikan di Temporal pada langkah ini" in text_of(row(page, 3))


async def test_a_plh_kabag_decision_and_one_entered_by_ops_are_named_as_such(
    dev_env, web: Web, tmp_path: Path
):
    today = (await dev_env.get_current_time()).astimezone(WIB).date()
    directory = yaml.safe_load(EXAMPLE_DIRECTORY.read_text())
    directory["acting"] = [
        {"person": "p-011", "for": KABAG, "kind": "plt", "start": str(today), "end": str(today)}
    ]
    (tmp_path / "directory.yaml").write_text(yaml.safe_dump(directory))
    web.settings.directory_file = tmp_path / "directory.yaml"
    p = await Scenario(dev_env.client, web.settings).start()
    await p.do_step()
    await p.approve("p-011", "Setuju, teruskan kepada Karo.")  # the Plt Kabag
    decision = await p.decision(KARO, Action.APPROVE, note="Setuju (disposisi kertas).")
    await p.handle.execute_update("decide", decision.model_copy(update={"via": "ops"}))
    async with signed_in(web, "bureau") as biro:
        page = await biro.page(f"/proses/{p.id}")
        assert "selaku Plt., menggantikan Ahmad Fauzi, S.Sos., M.Si." in page.text
        assert "dicatat oleh ops" in page.text
