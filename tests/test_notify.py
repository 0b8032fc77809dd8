"""The notification activity against a real SMTP server (aiosmtpd), read back with `email`."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import gc
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities import notify
from activities.notify import LINK_KINDS, NotifyActivities, message_id
from common.dates import format_when
from common.links import LinkSigner
from common.models import (
    Arrival,
    ArrivalKind,
    ChecklistAnswer,
    DocVersion,
    NoticeKind,
    Notification,
    ProcessSummary,
)
from common.settings import EXAMPLE_DIRECTORY, Settings
from tests.scenario import appointment, write_directory
from tests.support import free_port, smtp_server

WORKFLOW_ID = "iku-2026-biro-perencanaan"
RUN_ID = "0a1b2c3d-run"
# Thursday 26 March 2026, 16.00 WIB.
DEADLINE = datetime(2026, 3, 26, 9, 0, tzinfo=UTC)
LINK_BASE = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
# Pinned "now" for tests on the example directory, whose Plh for p-002 runs 1–12 Feb 2027.
NOW = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)
# Six dot-separated parts left of the @ (workflow, run, task, kind, seq, index).
MESSAGE_ID = re.compile(
    r"^<[A-Za-z0-9=_-]+(\.[A-Za-z0-9=_-]+){5}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*>$"
)
TOKEN = re.compile(r"http://testserver/t/([A-Za-z0-9_.-]+)")
AIOSMTPD_LOGGER = "mail.log"  # the test server's own log, not the activity's


# --- a real SMTP server ----------------------------------------------------------------


class Recorder:
    """Keeps every raw message; can refuse chosen recipients or fail chosen DATA commands."""

    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.rcpt: list[list[str]] = []
        self.helo: list[str] = []  # the name the client gave in EHLO, one per message
        self.refuse: dict[str, str] = {}  # address -> SMTP reply
        self.fail_data: dict[int, str] = {}  # n-th DATA command (0-based) -> SMTP reply
        self._data_commands = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        n = self._data_commands
        self._data_commands += 1
        if n in self.fail_data:
            return self.fail_data[n]
        self.raw.append(envelope.original_content or envelope.content)
        self.helo.append(session.host_name)
        self.rcpt.append(list(envelope.rcpt_tos))
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(r, policy=email.policy.default)  # type: ignore[misc]
            for r in self.raw
        ]


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    with smtp_server(recorder) as port:
        yield recorder, port


@pytest.fixture
def server(smtp: tuple[Recorder, int]) -> Recorder:
    return smtp[0]


@pytest.fixture
def cfg(tmp_path: Path, smtp: tuple[Recorder, int]) -> Settings:
    return Settings(
        data_dir=tmp_path,
        smtp_port=smtp[1],
        public_base_url="http://testserver",
        sop_number="1/123/OT.04.00/XI/2026",
        sop_approved_on=date(2026, 11, 2),
    )


# --- helpers ---------------------------------------------------------------------------


def notification(kind: NoticeKind = NoticeKind.TASK, **fields: Any) -> Notification:
    base: dict[str, Any] = {
        "kind": kind,
        "seq": 7,
        "process": ProcessSummary(
            workflow_id=WORKFLOW_ID,
            year=2026,
            code="biro-perencanaan",
            title="IKU Kementerian Ketenagakerjaan 2026",
            sop_number="1/123/OT.04.00/XI/2026",
        ),
        "task_id": "t-2-1",
        "step": 2,
        "round": 1,
        "deadline": DEADLINE,
    }
    if kind in (NoticeKind.TASK, NoticeKind.REMINDER):
        base |= {"with_link": True, "link_expires_at": LINK_BASE}
    return Notification(**(base | fields))


def environment(
    heartbeat_details: list[Any] | None = None,
) -> tuple[ActivityEnvironment, list[tuple[Any, ...]]]:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(
        env.info,
        workflow_id=WORKFLOW_ID,
        workflow_run_id=RUN_ID,
        activity_type="send_notification",
        heartbeat_details=heartbeat_details or [],
    )
    beats: list[tuple[Any, ...]] = []
    env.on_heartbeat = lambda *details: beats.append(details)
    return env, beats


async def send(
    cfg: Settings,
    n: Notification,
    *,
    heartbeat_details: list[Any] | None = None,
    now: datetime | None = NOW,
) -> Any:
    acts = NotifyActivities(cfg) if now is None else NotifyActivities(cfg, clock=lambda: now)
    env, _ = environment(heartbeat_details)
    return await env.run(acts.send_notification, n)


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def token_of(message: EmailMessage) -> str:
    text, html = bodies(message)
    tokens = TOKEN.findall(text)
    assert tokens, "no task link in the text part"
    assert f'href="http://testserver/t/{tokens[0]}"' in html  # the button carries the same
    return tokens[0]


def directory_file(
    tmp_path: Path,
    *,
    acting: list[dict[str, str]] | None = None,
    without_email: tuple[str, ...] = (),
    langs: dict[str, str] | None = None,
) -> Path:
    """The example directory with only the ``acting`` appointments given, some emails
    removed and some people's language changed."""

    def drop_emails(data: dict[str, Any]) -> None:
        for person in data["people"]:
            if person["id"] in without_email:
                person.pop("email", None)
            if person["id"] in (langs or {}):
                person["lang"] = (langs or {})[person["id"]]

    return write_directory(tmp_path, acting=acting, change=drop_emails)


def example_emails() -> list[str]:
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    return [p["email"] for p in data["people"] if p.get("email")]


# --- the task mail ---------------------------------------------------------------------


async def test_task_mail_to_kabag_carries_a_personal_link(server: Recorder, cfg: Settings) -> None:
    sent_up = Arrival(
        kind=ArrivalKind.FORWARD, from_step=1, by="p-001", note="Lengkapi <TOR> & jadwal"
    )
    result = await send(cfg, notification(recipients=["p-002"], arrival=sent_up))

    [message] = server.messages()
    assert server.rcpt == [["ahmad.fauzi@kemnaker.example"]]
    assert result.sent == 1 and result.skipped == []
    assert result.message_ids == [message["Message-ID"]]

    # The link names this workflow, task and person, and outlives the last escalation by
    # the grace period from settings.
    claims = LinkSigner(cfg.link_secret_value()).read(token_of(message), now=NOW)
    assert (claims.workflow_id, claims.task_id, claims.person) == (WORKFLOW_ID, "t-2-1", "p-002")
    assert claims.expires_at == LINK_BASE + timedelta(days=cfg.link_grace_days)

    assert message["Message-ID"] == f"<{WORKFLOW_ID}.{RUN_ID}.t-2-1.task.7.0@iku.localhost>"
    assert MESSAGE_ID.match(message["Message-ID"])
    assert message["From"] == cfg.mail_from
    assert message["To"].addresses[0].addr_spec == "ahmad.fauzi@kemnaker.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == "id"
    assert message["X-IKU-Workflow-Id"] == WORKFLOW_ID
    assert message["X-IKU-Task-Id"] == "t-2-1"
    assert message["X-IKU-Kind"] == "task"
    assert message["Date"].datetime.utcoffset() == timedelta(hours=7)
    assert message.get_content_type() == "multipart/alternative"

    assert message["Subject"] == (
        "[IKU 2026 · biro-perencanaan] Mohon tindak lanjut: langkah 2 dari 16 — Memeriksa usulan"
    )
    text, html = bodies(message)
    for part in (text, html):
        assert "Mohon tindak lanjut: langkah 2 dari 16 — Memeriksa usulan" in part
        assert "Penyusunan Indikator Kinerja Utama Kementerian" in part
        assert "No. 1/123/OT.04.00/XI/2026; disahkan 2 November 2026" in part
        assert "IKU Kementerian Ketenagakerjaan 2026" in part
        assert "Kamis, 26 Maret 2026 pukul 16.00 WIB" in part
        assert "Setujui" in part and "Kembalikan untuk diperbaiki" in part
        assert "Jangan diteruskan" in part
        assert "Ahmad Fauzi" in part
    assert "Lengkapi <TOR> & jadwal" in text
    # The Kasubbag's note stands before everything else.
    assert text.index("Catatan Kasubbag (langkah 1):") < text.index("Langkah 2 dari 16 (")
    # The role as the SOP table heads its column, not the full title.
    assert "Langkah 2 dari 16 (Kabag):" in text and "(Kepala Bagian)" not in text
    # HTML is autoescaped: a note cannot inject markup.
    assert "Lengkapi &lt;TOR&gt; &amp; jadwal" in html and "<TOR>" not in html


async def test_english_for_a_person_with_lang_en(server: Recorder, cfg: Settings) -> None:
    await send(cfg, notification(recipients=["p-008"], task_id="t-6-1", step=6))

    [message] = server.messages()
    assert message["Content-Language"] == "en"
    assert message["Subject"].startswith(
        "[IKU 2026 · biro-perencanaan] Action needed: step 6 of 16 — Collects material"
    )
    text, html = bodies(message)
    for part in (text, html):
        assert "Thursday, 26 March 2026, 16:00 WIB" in part
        assert "This link is personal. Do not forward it" in part
        assert "Mohon" not in part and "Kamis" not in part
        assert "Step 6 of 16 (Drafting team):" in part
    assert LinkSigner(cfg.link_secret_value()).read(token_of(message), now=NOW).person == "p-008"


async def test_an_english_mail_names_the_roles_in_english(server: Recorder, cfg: Settings) -> None:
    # The Minister returns the draft to the Secretary General, who reads English (p-008
    # stands in for them here): neither is named by the Indonesian short title.
    back = Arrival(kind=ArrivalKind.RETURNED, from_step=11, by="p-005", note="Perbaiki.")
    await send(cfg, notification(recipients=["p-008"], task_id="t-10-2", step=10, arrival=back))
    [message] = server.messages()
    text, html = bodies(message)
    for part in (text, html):
        assert "Returned for revision by the Minister (step 11)" in part
        assert "Step 10 of 16 (Secretary General):" in part
        assert "Menteri" not in part and "Sekjen" not in part


async def test_reminder_leads_with_the_deadline(server: Recorder, cfg: Settings) -> None:
    await send(cfg, notification(NoticeKind.REMINDER, recipients=["p-002"]))

    [message] = server.messages()
    assert message["Subject"].startswith(
        "[IKU 2026 · biro-perencanaan] "
        "Pengingat: tenggat Kamis, 26 Maret 2026 pukul 16.00 WIB — langkah 2 dari 16"
    )
    assert message["X-IKU-Kind"] == "reminder"
    assert message["Message-ID"].endswith(".t-2-1.reminder.7.0@iku.localhost>")
    token_of(message)


# --- acting officials ------------------------------------------------------------------


async def test_acting_official_today_gets_the_mail_and_the_link(
    server: Recorder, cfg: Settings, tmp_path: Path
) -> None:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    cfg.directory_file = directory_file(
        tmp_path,
        acting=[
            appointment("p-011", "p-002", today - timedelta(days=1), today + timedelta(days=1))
        ],
    )
    result = await send(cfg, notification(recipients=["p-002"]), now=None)  # the real clock

    [message] = server.messages()
    assert server.rcpt == [["dewi.lestari@kemnaker.example"]]
    assert result.sent == 1
    claims = LinkSigner(cfg.link_secret_value()).read(token_of(message), now=NOW)
    assert claims.person == "p-011"
    text, html = bodies(message)
    assert "sebagai Plh. Kepala Bagian Perencanaan Program" in text
    assert "menggantikan Ahmad Fauzi" in text
    assert "Plh. Kepala Bagian Perencanaan Program" in html


@pytest.mark.parametrize(
    ("now", "to"),
    [
        # 23.30 WIB on 31 January: the Plh (from 1 February) has not started.
        (datetime(2027, 1, 31, 16, 30, tzinfo=UTC), "ahmad.fauzi@kemnaker.example"),
        # 00.30 WIB on 1 February, still 31 January in UTC: the Plh acts.
        (datetime(2027, 1, 31, 17, 30, tzinfo=UTC), "dewi.lestari@kemnaker.example"),
    ],
)
async def test_acting_is_decided_by_the_date_in_jakarta(
    server: Recorder, cfg: Settings, now: datetime, to: str
) -> None:
    await send(cfg, notification(recipients=["p-002"]), now=now)
    assert server.rcpt == [[to]]


# --- escalation, unassigned, cancelled, archived ---------------------------------------


def kabags_step_8_escalated(number: int, **more: Any) -> Notification:
    """The ``number``th escalation to the Karo of the Kabag's step 8 (p-002), overdue."""
    return notification(
        NoticeKind.ESCALATION,
        task_id="t-8-2",
        step=8,
        recipient_roles=["karo"],
        waiting_on=["p-002"],
        escalation_number=number,
        **more,
    )


async def test_escalation_to_karo_names_the_overdue_person_and_has_no_link(
    server: Recorder, cfg: Settings
) -> None:
    result = await send(
        cfg,
        kabags_step_8_escalated(
            2,
            with_link=True,  # even if asked for: an escalation never carries an action link
            link_expires_at=LINK_BASE,
        ),
    )

    [message] = server.messages()
    assert server.rcpt == [["bambang.sutrisno@kemnaker.example"]]
    assert result.sent == 1
    assert message["X-IKU-Kind"] == "escalation"
    assert message["Subject"] == (
        "[IKU 2026 · biro-perencanaan] Eskalasi ke-2: langkah 8 dari 16 terlambat"
    )
    text, html = bodies(message)
    for part in (text, html):
        assert "Ahmad Fauzi" in part and "Kepala Bagian Perencanaan Program" in part
        assert "Langkah 8 dari 16 (Kabag)" in part
        assert "Terlambat sejak tenggat" in part
        assert "Kamis, 26 Maret 2026 pukul 16.00 WIB" in part
        assert "eskalasi ke-2" in part
        assert "/t/" not in part
    assert "href=" not in html


@pytest.mark.parametrize(
    ("lang", "stand_in"),
    [("id", "(Plh.: Dewi Lestari"), ("en", "(acting (Plh.): Dewi Lestari")],
)
async def test_an_escalation_names_the_stand_in_plh_with_the_dot(
    server: Recorder, cfg: Settings, tmp_path: Path, lang: str, stand_in: str
) -> None:
    # 5 February 2027 is inside the example's Plh appointment for the Kabag (p-011 for
    # p-002): the escalation says "Plh." as the page and the signed PDF do.
    plh = appointment("p-011", "p-002", date(2027, 2, 1), date(2027, 2, 12))
    cfg.directory_file = directory_file(tmp_path, acting=[plh], langs={"p-003": lang})
    await send(cfg, kabags_step_8_escalated(1), now=datetime(2027, 2, 5, 3, 0, tzinfo=UTC))
    [message] = server.messages()
    for part in bodies(message):
        assert stand_in in part and "Plh:" not in part and "(Plh)" not in part


async def test_the_official_number_is_named_in_the_mail_as_on_every_page(
    server: Recorder, cfg: Settings, tmp_path: Path
) -> None:
    # Once the Minister signed, every mail's footer names the number the pages and the
    # printed record call the "Nomor naskah dinas", in the reader's language.
    cfg.directory_file = directory_file(tmp_path, langs={"p-003": "en"})
    n = notification(recipients=["p-002", "p-003"], task_id="t-12-1", step=12)
    n.process.official_number = "B.12/SJ/OT.04.00/XII/2026"
    await send(cfg, n)
    by_lang = {m["Content-Language"]: bodies(m) for m in server.messages()}
    for lang, label in (("id", "Nomor naskah dinas"), ("en", "Official number")):
        for part in by_lang[lang]:
            assert f"{label}: B.12/SJ/OT.04.00/XII/2026" in part
            assert "Nomor IKU" not in part and "IKU number" not in part


async def test_unassigned_goes_to_ops_with_the_assign_command(
    server: Recorder, cfg: Settings
) -> None:
    result = await send(
        cfg, notification(NoticeKind.UNASSIGNED, task_id="t-9-1", step=9, to_ops=True)
    )

    [message] = server.messages()
    assert server.rcpt == [["ops@localhost"]]
    assert result.sent == 1 and result.skipped == []
    text, html = bodies(message)
    command = (
        f"temporal workflow update execute --workflow-id {WORKFLOW_ID} --name assign "
        """--input '{"task_id":"t-9-1","person":"p-…","by":"ops","reason":"…"}'"""
    )
    assert command in text
    assert "peran Karo (karo)" in text
    assert "&#34;task_id&#34;:&#34;t-9-1&#34;" in html or "&quot;task_id&quot;" in html
    assert "/t/" not in text


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (NoticeKind.CANCELLED, ("Proses IKU 2026 dibatalkan", "Anggaran dialihkan")),
        (NoticeKind.ARCHIVED, ("IKU 2026 telah diarsipkan", "Langkah 16 dari 16 selesai")),
    ],
)
async def test_cancelled_and_archived_go_to_everyone_involved(
    server: Recorder, cfg: Settings, kind: NoticeKind, words: tuple[str, ...]
) -> None:
    result = await send(
        cfg,
        notification(
            kind,
            recipients=["p-001", "p-002", "p-003"],
            task_id=None,
            step=None,
            note="Anggaran dialihkan" if kind == "cancelled" else "",
        ),
    )

    assert sorted(r[0] for r in server.rcpt) == [
        "ahmad.fauzi@kemnaker.example",
        "bambang.sutrisno@kemnaker.example",
        "rina.wulandari@kemnaker.example",
    ]
    assert result.sent == 3
    for index, message in enumerate(server.messages()):
        assert message["X-IKU-Task-Id"] is None
        assert message["Message-ID"] == (
            f"<{WORKFLOW_ID}.{RUN_ID}.-.{kind.value}.7.{index}@iku.localhost>"
        )
        text, _ = bodies(message)
        assert all(w in text for w in words)
        assert "/t/" not in text


async def test_a_return_says_so_in_its_subject_and_leads_with_the_note(
    server: Recorder, cfg: Settings
) -> None:
    back = Arrival(
        kind=ArrivalKind.RETURNED,
        from_step=9,
        by="p-003",
        note="Target indikator 2 belum terukur.",
        unmet=[ChecklistAnswer(item="target_terukur", ok=False, remark="Tanpa baseline.")],
    )
    await send(cfg, notification(recipients=["p-002"], step=8, arrival=back))
    [message] = server.messages()
    assert message["Subject"].startswith(
        "[IKU 2026 · biro-perencanaan] Dikembalikan untuk diperbaiki: langkah 8 dari 16 — "
    )
    text, html = bodies(message)
    lead = "Dikembalikan untuk diperbaiki oleh Karo (langkah 9). Catatan:"
    assert text.index(lead) < text.index("Langkah 8 dari 16 (")
    assert "Target indikator 2 belum terukur." in text and lead in html
    # What the Karo found not met, with his remark: what the Kabag has to put right.
    unmet = "Butir Lembar Pemeriksaan yang tidak sesuai:\n- Target terukur dan realistis — Tanpa"
    assert (
        unmet in text.replace("\r\n", "\n")
        and "<li>Target terukur dan realistis — Tanpa baseline.</li>" in html
    )


async def test_a_new_version_by_the_karo_asks_the_kabag_to_initial_again(
    server: Recorder, cfg: Settings
) -> None:
    fixed = Arrival(
        kind=ArrivalKind.NEW_VERSION,
        from_step=9,
        by="p-003",
        note="Indikator 3 saya perbaiki.",
        version=DocVersion(kind="draf_iku", version=2, sha256="a" * 64),
    )
    await send(cfg, notification(recipients=["p-002"], step=8, arrival=fixed))
    [message] = server.messages()
    assert message["Subject"] == (
        "[IKU 2026 · biro-perencanaan] Mohon paraf ulang: versi baru oleh Karo — langkah 8 dari 16"
    )
    text, html = bodies(message)
    for part in (text, html):
        assert "Versi baru oleh Karo: mohon paraf ulang." in part
        assert "Draf IKU versi 2 pada langkah 9" in part
        assert "Catatan Karo (langkah 9):" in part and "Indikator 3 saya perbaiki." in part


async def test_the_karos_disposisi_stands_at_the_top_of_the_kabags_mail(
    server: Recorder, cfg: Settings
) -> None:
    order = Arrival(
        kind=ArrivalKind.FORWARD, from_step=3, by="p-003", note="Kabag agar membentuk Tim."
    )
    await send(cfg, notification(recipients=["p-002"], step=4, arrival=order))
    [message] = server.messages()
    assert "Mohon tindak lanjut: langkah 4 dari 16" in message["Subject"]
    text, _ = bodies(message)
    assert text.index("Disposisi Karo:") < text.index("Kabag agar membentuk Tim.")
    assert text.index("Kabag agar membentuk Tim.") < text.index("Langkah 4 dari 16 (")


@pytest.mark.parametrize(("person", "greeting"), [("p-002", "Yth. "), ("p-008", "Dear ")])
async def test_a_step_sent_on_without_a_note_leads_with_the_step_not_an_empty_box(
    server: Recorder, cfg: Settings, person: str, greeting: str
) -> None:
    # The Kasubbag sends the draft on to the Kabag without a word: nothing to put above
    # the step, in either language.
    quiet = Arrival(kind=ArrivalKind.FORWARD, from_step=1, by="p-001")
    await send(cfg, notification(recipients=[person], arrival=quiet))
    [message] = server.messages()
    text, html = bodies(message)
    assert "#eff6ff" not in html  # the note's blue box
    lines = text.replace("\r\n", "\n")
    assert re.search(rf"{greeting}[^\n]+,\n\n(Langkah|Step) 2 (dari|of) 16 \(", lines), lines


@pytest.mark.parametrize(
    ("kind", "page"),
    [
        # By id and run: the link stays on this process whatever later starts under its id.
        (NoticeKind.ARCHIVED, f"/proses/iku-2026-x/{RUN_ID}/arsip"),
        (NoticeKind.CANCELLED, f"/proses/iku-2026-x/{RUN_ID}"),
    ],
)
async def test_the_bureau_is_told_of_the_end_with_the_page_only_it_may_open(
    server: Recorder, cfg: Settings, kind: NoticeKind, page: str
) -> None:
    cfg.bureau_email = "biro.perencanaan@kemnaker.example"
    n = notification(kind, recipients=["p-002"], task_id=None, step=None, to_bureau=True)
    n.process.workflow_id = "iku-2026-x"
    await send(cfg, n)
    by_address = {m["To"].addresses[0].addr_spec: m for m in server.messages()}
    assert set(by_address) == {"ahmad.fauzi@kemnaker.example", cfg.bureau_email}
    bureau_text, bureau_html = bodies(by_address[cfg.bureau_email])
    assert f"http://testserver{page}" in bureau_text and f"http://testserver{page}" in bureau_html
    assert "Yth. Biro Perencanaan," in bureau_text
    # An official cannot sign in to the bureau pages: no link they could not open.
    official_text, _ = bodies(by_address["ahmad.fauzi@kemnaker.example"])
    assert "/proses/" not in official_text


@pytest.mark.parametrize("kind", list(NoticeKind))
async def test_every_kind_is_sent_and_only_the_task_kinds_carry_a_link(
    server: Recorder, cfg: Settings, kind: NoticeKind
) -> None:
    n = notification(kind, recipients=["p-002"], with_link=True, link_expires_at=LINK_BASE)
    result = await send(cfg, n)
    assert result.sent == 1
    [message] = server.messages()
    text, _ = bodies(message)
    assert ("/t/" in text) == (kind.value in LINK_KINDS)


# --- recipients: dedup, missing email, refusal ------------------------------------------


async def test_recipients_are_deduplicated(server: Recorder, cfg: Settings) -> None:
    result = await send(
        cfg,
        notification(
            NoticeKind.ESCALATION,
            recipients=["p-003", "p-003"],
            recipient_roles=["karo"],
            waiting_on=["p-002"],
            escalation_number=1,
        ),
    )
    assert server.rcpt == [["bambang.sutrisno@kemnaker.example"]]
    assert result.sent == 1


async def test_escalation_to_a_role_nobody_holds_reaches_ops(
    server: Recorder, cfg: Settings
) -> None:
    await send(
        cfg,
        notification(
            NoticeKind.ESCALATION,
            recipient_roles=["tim"],
            waiting_on=["p-006"],
            escalation_number=1,
            step=6,
        ),
    )
    assert server.rcpt == [["ops@localhost"]]


async def test_person_without_email_is_reported_in_skipped(
    server: Recorder, cfg: Settings, tmp_path: Path
) -> None:
    cfg.directory_file = directory_file(tmp_path, without_email=("p-010",))
    result = await send(
        cfg, notification(task_id="t-16-1", step=16, recipients=["p-009", "p-010", "p-404"])
    )

    assert server.rcpt == [["sari.dewi@kemnaker.example"]]
    assert result.sent == 1
    assert result.skipped == ["p-010", "p-404"]  # no email; not in the directory


async def test_permanent_refusal_of_one_recipient_does_not_fail_the_batch(
    server: Recorder, cfg: Settings
) -> None:
    server.refuse["sari.dewi@kemnaker.example"] = "550 5.1.1 <sari.dewi@kemnaker.example>: no"
    result = await send(cfg, notification(task_id="t-16-1", step=16, recipients=["p-009", "p-010"]))

    assert server.rcpt == [["agus.setiawan@kemnaker.example"]]
    assert result.sent == 1 and result.skipped == ["p-009"]
    assert result.message_ids == [f"<{WORKFLOW_ID}.{RUN_ID}.t-16-1.task.7.1@iku.localhost>"]


# --- at least once: heartbeats and retries ---------------------------------------------


async def test_retry_skips_what_the_heartbeat_says_was_sent(
    server: Recorder, cfg: Settings
) -> None:
    acts = NotifyActivities(cfg, clock=lambda: NOW)
    env, beats = environment(heartbeat_details=[[0]])
    n = notification(task_id="t-16-1", step=16, recipients=["p-009", "p-010"])
    result = await env.run(acts.send_notification, n)

    assert server.rcpt == [["agus.setiawan@kemnaker.example"]]  # p-009 (index 0) skipped
    ids = [f"<{WORKFLOW_ID}.{RUN_ID}.t-16-1.task.7.{i}@iku.localhost>" for i in (0, 1)]
    assert server.messages()[0]["Message-ID"] == ids[1]
    assert result.sent == 2 and result.message_ids == ids
    # What this attempt starts from (heartbeated while it connects), then each send.
    assert beats == [([0], ["p-009", "p-010"]), ([0, 1], ["p-009", "p-010"])]


async def test_heartbeat_for_someone_else_at_that_index_does_not_skip(
    server: Recorder, cfg: Settings
) -> None:
    # Between attempts the directory changed: index 0 is now a different person.
    await send(
        cfg,
        notification(task_id="t-16-1", step=16, recipients=["p-009", "p-010"]),
        heartbeat_details=[[0], ["p-099", "p-010"]],
    )
    assert len(server.rcpt) == 2


async def test_smtp_failure_raises_and_the_retry_sends_the_same_message_ids(
    server: Recorder, cfg: Settings
) -> None:
    server.fail_data[1] = "451 4.3.0 Agus Setiawan <agus.setiawan@kemnaker.example> try later"
    n = notification(task_id="t-16-1", step=16, recipients=["p-009", "p-010"])
    acts = NotifyActivities(cfg, clock=lambda: NOW)

    env, beats = environment()
    with pytest.raises(ApplicationError) as failure:
        await env.run(acts.send_notification, n)
    assert not failure.value.non_retryable  # Temporal retries it
    assert "451: 4.3.0" in str(failure.value) and "@" not in str(failure.value)
    assert "Agus" not in str(failure.value)  # the server's words may name the recipient
    assert failure.value.__cause__ is None  # the original text (with the address) is dropped
    # Nothing sent when it started (heartbeated while it connects), then the first send.
    assert beats == [([], ["p-009", "p-010"]), ([0], ["p-009", "p-010"])]
    first_id = server.messages()[0]["Message-ID"]

    # The retry: Temporal hands back the last heartbeat.
    env, _ = environment(heartbeat_details=list(beats[-1]))
    result = await env.run(acts.send_notification, n)

    assert [r[0] for r in server.rcpt] == [
        "sari.dewi@kemnaker.example",
        "agus.setiawan@kemnaker.example",
    ]
    second_id = server.messages()[1]["Message-ID"]
    assert result.message_ids == [first_id, second_id]
    assert first_id.endswith(".0@iku.localhost>") and second_id.endswith(".1@iku.localhost>")


async def test_unreachable_server_is_a_retryable_error(tmp_path: Path) -> None:
    cfg = Settings(data_dir=tmp_path, smtp_port=free_port(), smtp_timeout_seconds=5)
    with pytest.raises(ApplicationError) as failure:
        await send(cfg, notification(recipients=["p-002"]))
    assert not failure.value.non_retryable
    assert failure.value.type == "SMTPError"


# --- what is logged --------------------------------------------------------------------


async def test_log_has_no_address_name_note_or_token(
    server: Recorder, cfg: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.refuse["agus.setiawan@kemnaker.example"] = "550 5.1.1 <agus.setiawan@kemnaker.example>"
    await send(
        cfg,
        notification(
            recipients=["p-002", "p-009", "p-010"], note="Rahasia: angka target belum final"
        ),
    )
    await send(
        cfg,
        notification(
            NoticeKind.ESCALATION,
            recipient_roles=["karo"],
            waiting_on=["p-002"],
            escalation_number=1,
            to_ops=True,
        ),
    )

    messages = server.messages()
    tokens = [token_of(m) for m in messages if m["X-IKU-Kind"] == "task"]
    assert len(tokens) == 2
    logged = "\n".join(
        f"{r.getMessage()} {getattr(r, 'temporal_activity', '')}"
        for r in caplog.records
        if not r.name.startswith(AIOSMTPD_LOGGER)
    )
    # The log does say what was sent.
    for m in messages:
        assert m["Message-ID"] in logged
    forbidden = [*example_emails(), cfg.ops_email, *tokens, "Ahmad", "Fauzi", "Rahasia", "Bambang"]
    assert [f for f in forbidden if f in logged] == []


# --- pieces ----------------------------------------------------------------------------


def test_message_id_is_sanitised_and_keeps_inputs_apart() -> None:
    odd = message_id("iku 2026/ä", "run:1", "t.1<2>", "task", 3, 4, "iku.example.go.id")
    assert MESSAGE_ID.match(odd), odd
    assert odd.endswith(".task.3.4@iku.example.go.id>")
    assert message_id("a.b", "r", None, "task", 1, 0, "d") != message_id(
        "a_b", "r", None, "task", 1, 0, "d"
    )
    assert message_id("w", None, None, "cancelled", 1, 0, "bad domain!") == (
        "<w.-.-.cancelled.1.0@bad-domain->"
    )


@pytest.mark.parametrize(
    ("moment", "lang", "expected"),
    [
        (DEADLINE, "id", "Kamis, 26 Maret 2026 pukul 16.00 WIB"),
        (DEADLINE, "en", "Thursday, 26 March 2026, 16:00 WIB"),
        (datetime(2026, 5, 29, 9, 30, tzinfo=UTC), "id", "Jumat, 29 Mei 2026 pukul 16.30 WIB"),
        (datetime(2026, 8, 16, 17, 5, tzinfo=UTC), "id", "Senin, 17 Agustus 2026 pukul 00.05 WIB"),
    ],
)
def test_dates_are_written_out_in_wib(moment: datetime, lang: str, expected: str) -> None:
    assert format_when(moment, lang) == expected


# --- what a mail leaves behind -----------------------------------------------------------


def _header_classes() -> int:
    return sum(
        isinstance(o, type) and o.__module__ == "email.headerregistry" for o in gc.get_objects()
    )


async def test_a_mail_makes_no_header_classes_for_the_garbage_collector_to_free(
    server: Recorder, cfg: Settings
) -> None:
    """Python's header registry makes a class per header it builds, each a cycle that only
    the collector frees; a worker sending thousands of reminders paused for them."""
    reminder = notification(NoticeKind.REMINDER, recipients=["p-002"], with_link=True)
    await send(cfg, reminder)  # the first mail fills every cache
    gc.collect()
    gc.disable()
    try:
        before = _header_classes()
        for _ in range(5):
            await send(cfg, reminder)
        made = _header_classes() - before
    finally:
        gc.enable()
    assert len(server.messages()) == 6
    assert made == 0


async def test_the_relay_is_greeted_with_the_machines_name_looked_up_once(
    server: Recorder, cfg: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One connection a mail, one name lookup a worker: a slow resolver would otherwise
    hold every mail."""
    lookups: list[str] = []

    def getfqdn(name: str = "") -> str:
        lookups.append(name)
        return "worker-1.iku.internal"

    monkeypatch.setattr(notify, "_helo_name", None)
    monkeypatch.setattr(notify, "getfqdn", getfqdn)
    reminder = notification(NoticeKind.REMINDER, recipients=["p-002"], with_link=True)
    for _ in range(3):
        await send(cfg, reminder)
    assert server.helo == ["worker-1.iku.internal"] * 3
    assert len(lookups) == 1
