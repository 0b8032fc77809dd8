"""The mail sink: a real SMTP conversation in, one file per message out, read back."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from common.mailstore import InvalidMessageName, list_messages, read_message, read_raw
from devstack.mailsink import MailSink


def _message(subject: str, step: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "IKU Kemnaker <iku@localhost>"
    msg["To"] = "Kepala Biro <karo@example.go.id>"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{step}.test@iku.localhost>"
    msg["X-IKU-Step"] = step
    msg["X-IKU-Workflow-Id"] = "iku-2027-kemnaker"
    msg.set_content(f"Mohon tinjau langkah {step}.\n")
    msg.add_alternative(f"<p>Mohon tinjau langkah {step}.</p>", subtype="html")
    return msg


async def test_sink_keeps_each_message_newest_first(tmp_path: Path) -> None:
    mail_dir = tmp_path / "mail"
    async with MailSink(mail_dir, port=0) as sink:
        for step, subject in (("3", "Tugas: telaah draf IKU"), ("4", "Pengingat: tenggat")):
            await aiosmtplib.send(
                _message(subject, step),
                hostname="127.0.0.1",
                port=sink.port,
                recipients=["karo@example.go.id", "arsip@example.go.id"],
            )

    files = sorted(p.name for p in mail_dir.iterdir())
    assert len(files) == 2 and all(name.endswith(".eml") for name in files)
    assert not [p for p in mail_dir.iterdir() if p.name.startswith(".")]  # no temp left

    newest, oldest = list_messages(mail_dir)
    assert (newest.subject, oldest.subject) == ("Pengingat: tenggat", "Tugas: telaah draf IKU")
    assert newest.received >= oldest.received
    assert newest.name == files[1]
    assert newest.message_id == "<4.test@iku.localhost>"
    assert newest.sender == "IKU Kemnaker <iku@localhost>"
    assert newest.to == "Kepala Biro <karo@example.go.id>"
    assert newest.envelope_to == ["karo@example.go.id", "arsip@example.go.id"]
    assert newest.iku_headers == {"X-IKU-Step": "4", "X-IKU-Workflow-Id": "iku-2027-kemnaker"}
    assert newest.body == "Mohon tinjau langkah 4.\n"

    assert read_message(mail_dir, oldest.name) == oldest
    assert b"Subject: Tugas: telaah draf IKU" in read_raw(mail_dir, oldest.name)
    assert list_messages(mail_dir, limit=1) == [newest]


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../20261124T101530.123456Z-1a2b3c4d.eml",
        "/etc/passwd",
        "x.eml",
        "20261124T101530.123456Z-1a2b3c4d.eml/..",
        ".incoming-abc.tmp",
        "",
    ],
)
def test_read_message_refuses_names_the_sink_never_writes(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidMessageName):
        read_message(tmp_path, name)


def test_missing_folder_lists_nothing(tmp_path: Path) -> None:
    assert list_messages(tmp_path / "absent") == []
