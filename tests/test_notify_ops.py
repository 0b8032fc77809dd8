"""What ops and several units see in their mailboxes: whose process a mail is about, from
its subject alone, and the page where a task nobody holds can be given to someone.

The notification activity against a real SMTP server (aiosmtpd), as in test_notify.
"""

from __future__ import annotations

from activities.notify import render
from common.models import NoticeKind
from common.settings import Settings
from tests import test_notify
from tests.test_notify import RUN_ID, WORKFLOW_ID, Recorder, bodies, notification, send

# test_notify's real SMTP server and settings.
smtp, server, cfg = test_notify.smtp, test_notify.server, test_notify.cfg


async def test_two_units_drafting_the_same_years_iku_get_subjects_that_tell_them_apart(
    server: Recorder, cfg: Settings
) -> None:
    # The Kabag of the planning bureau and the one of another unit, both at step 2 of 2026.
    ours = notification(recipients=["p-002"])
    theirs = notification(recipients=["p-002"])
    theirs.process.workflow_id, theirs.process.code = (
        "iku-2026-ditjen-binapenta",
        "ditjen-binapenta",
    )
    await send(cfg, ours)
    await send(cfg, theirs)

    subjects = [m["Subject"] for m in server.messages()]
    assert subjects == [
        "[IKU 2026 · biro-perencanaan] Mohon tindak lanjut: langkah 2 dari 16 — Memeriksa usulan",
        "[IKU 2026 · ditjen-binapenta] Mohon tindak lanjut: langkah 2 dari 16 — Memeriksa usulan",
    ]
    # The year and the code only: no title, no name.
    assert all(ours.process.title not in s and "Fauzi" not in s for s in subjects)


async def test_a_step_nobody_holds_is_told_to_ops_with_the_process_page_to_assign_it_on(
    server: Recorder, cfg: Settings
) -> None:
    # Step 9 (the Karo) has nobody in the directory: ops hears of it.
    await send(cfg, notification(NoticeKind.UNASSIGNED, task_id="t-9-1", step=9, to_ops=True))

    [message] = server.messages()
    assert message["Subject"] == (
        "[IKU 2026 · biro-perencanaan] Belum ada pelaksana: langkah 9 dari 16 (Karo)"
    )
    text, html = bodies(message)
    text = text.replace("\r\n", "\n")
    # The process page (by id and run, as the other ops mails link it) has the assign form.
    page = f"http://testserver/proses/{WORKFLOW_ID}/{RUN_ID}"
    assert f"halaman proses ini (formulir “Tugaskan atau alihkan tugas”):\n{page}\n" in text
    assert f'<a href="{page}"' in html
    # The Temporal CLI still comes with it, after the page.
    assert text.index(page) < text.index("temporal workflow update execute")
    assert "/t/" not in text  # nobody acts from an ops mail


def test_the_unassigned_mail_in_english_links_the_page_too() -> None:
    page = f"http://testserver/proses/{WORKFLOW_ID}/{RUN_ID}"
    n = notification(NoticeKind.UNASSIGNED, task_id="t-9-1", step=9, to_ops=True)
    context = {
        "recipient_name": "IKU operations",
        "acting": None,
        "sop_name": "SOP",
        "sop_line": "No. 1",
        "process": n.process.model_dump(),
        "step": {"number": 9, "total": 16, "role": "Karo", "role_code": "karo"}
        | {"full": "Reviews the draft."},
        "cli_command": "temporal workflow update execute …",
        "page_link": page,
        "directory_unreadable": False,
    }
    mail = render(NoticeKind.UNASSIGNED, "en", context)
    assert mail.subject.startswith(
        "[IKU 2026 · biro-perencanaan] Nobody holds the role: step 9 of 16 (Karo)"
    )
    form = "this process's page (the form “Assign or reassign the task”)"
    assert f"{form}:\n{page}\n" in mail.text
    assert f'<a href="{page}"' in mail.html


def test_an_escalation_nobody_holds_says_so_in_the_words_of_the_pages() -> None:
    # The step's role has nobody: "Belum ada pelaksana", as the process page and the list say.
    n = notification(NoticeKind.ESCALATION, task_id="t-9-1", step=9, escalation_number=1)
    context = {
        "recipient_name": "Tim Operasional IKU",
        "acting": None,
        "sop_name": "SOP",
        "sop_line": "No. 1",
        "process": n.process.model_dump(),
        "step": {"number": 9, "total": 16, "role": "Karo", "role_code": "karo"}
        | {"full": "Memeriksa draf."},
        "waiting_on": [],
        "deadline": None,
        "escalation_number": 1,
    }
    for lang, words in (("id", "(belum ada pelaksana)"), ("en", "(nobody holds the role)")):
        mail = render(NoticeKind.ESCALATION, lang, context)
        assert words in mail.text and words in mail.html
        assert "pejabat yang ditugaskan" not in mail.text and "is assigned" not in mail.text
