"""Logs as a collector reads them (IKU_LOG_FORMAT=json): one JSON object a line, the
Temporal SDK's records among ours, each naming the workflow, run, task and step where known;
and nothing a log must never hold: a name, an email, a NIP, a link's token, a secret, a
note an official typed."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
import temporalio.activity
import temporalio.workflow
import yaml

from common.logs import Redact, configure_logging, redact_text
from common.settings import Settings
from tests import samples
from tests.bureau import hidden
from tests.scenario import KABAG, KARO, KASUBAG, Scenario
from tests.web import SAME_ORIGIN, Page, Web, token_of

pytestmark = pytest.mark.devserver

NOTE = "Catatan rahasia: angka target indikator 2 keliru."


@pytest.fixture
def json_logs(settings: Settings) -> Iterator[io.StringIO]:
    """The process's logging as the worker and web set it up in JSON, into a buffer."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    uvicorn = {n: list(logging.getLogger(n).handlers) for n in ("uvicorn", "uvicorn.error")}
    stream = io.StringIO()
    configure_logging(settings.model_copy(update={"log_format": "json"}), "test", stream)
    yield stream
    for handler in [h for h in root.handlers if getattr(h, "iku_handler", False)]:
        root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, kept in uvicorn.items():
        logging.getLogger(name).handlers[:] = kept
    temporalio.workflow.logger.workflow_info_on_message = True
    temporalio.activity.logger.activity_info_on_message = True


def secrets_of(settings: Settings) -> list[str]:
    """Every name, email and NIP in the directory, and the web layer's secrets."""
    directory = yaml.safe_load(settings.directory_file.read_text())
    found: list[str] = []
    for person in directory["people"]:
        found += [person[key] for key in ("name", "email", "nip") if person.get(key)]
        found.append(person["name"].split(",")[0])  # the name without its degrees
    found += [
        settings.link_secret_value(),
        settings.ops_password_value(),
        settings.bureau_password_value(),
        settings.ops_api_token_value(),
        settings.bureau_api_token_value(),
        settings.session_secret_value(),
    ]
    return found


async def test_a_process_driven_through_its_links_logs_json_lines_without_personal_data(
    dev_env, web: Web, json_logs: io.StringIO, settings: Settings
):
    p = await Scenario(dev_env.client, settings).start()
    link = await web.link(p.id, KASUBAG)
    page = await web.open(link)
    files = {
        "konsep_rencana_kerja": [("Konsep.pdf", samples.pdf("Konsep rahasia"), "application/pdf")],
        "tor": [("TOR.pdf", samples.pdf("TOR rahasia"), "application/pdf")],
    }
    result = await web.submit(link, page, "submit", files=files, note=NOTE)
    assert result.status == 200, result.text
    await web.act(p.id, KABAG, "return", note=NOTE)
    links = [link, await web.link(p.id, KASUBAG)]
    # Someone signs in with an email as the user name and a wrong password.
    base = settings.public_base_url
    email = yaml.safe_load(settings.directory_file.read_text())["people"][2]["email"]
    form = Page.of(await web.http.get(f"{base}/masuk"))
    refused = await web.http.post(
        f"{base}/masuk",
        data={"user": email, "password": "salah", "token": hidden(form, "token"), "next": ""},
        headers=SAME_ORIGIN,
    )
    assert refused.status_code == 401, refused.text
    await p.until(lambda s: s.task is not None and s.task.step == 1 and s.round == 2)
    logging.getLogger("api.test").info(
        "a careless line about %s", email, extra={"email": email, "person_name": KARO}
    )

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line]
    assert lines, "nothing was logged"
    text = json_logs.getvalue()
    tokens = [token_of(link) for link in links]
    for secret in [*secrets_of(settings), *tokens, NOTE, "Konsep rahasia"]:
        assert secret not in text, f"{secret!r} is in the logs"
    # Every line has the same frame.
    for line in lines:
        assert {"time", "level", "logger", "message", "service"} <= line.keys(), line
    # The workflow's riwayat lines carry workflow, run, task and step; the SDK's activity
    # lines (the mails) carry workflow and run.
    riwayat = [x for x in lines if x["message"].startswith("riwayat:") and x.get("workflow_id")]
    entered = [x for x in riwayat if x["event"] == "entered" and x["workflow_id"] == p.id]
    assert {(x["step"], x["task_id"]) for x in entered} >= {("1", "s01-001"), ("2", "s02-002")}
    assert all(x["run_id"] and x["role"] for x in entered)
    decided = [x for x in riwayat if x["event"] == "decided" and x["workflow_id"] == p.id]
    assert [x["task_id"] for x in decided] == ["s01-001", "s02-002"]
    mails = [x for x in lines if x.get("activity_type") == "send_notification"]
    assert mails and all(x["workflow_id"] == p.id and x["run_id"] for x in mails)
    # The careless line lost its extras' values and its address.
    careless = next(x for x in lines if x["message"].startswith("a careless line"))
    assert careless["email"] == careless["person_name"] == "[redacted]"
    assert careless["message"] == "a careless line about [email]"


def test_the_filter_rewrites_tokens_addresses_nips_and_sensitive_keys_in_any_record():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "GET /t/%s from %s, NIP %s, Authorization: Bearer %s",
        ("eyJhbGciOi.abc-DEF_123", "a.b@kemnaker.example", "198104122006042001", "s3cr3t"),
        None,
    )
    record.iku = {"task_id": "s01-001", "smtp_password": "pw", "nested": {"nip": "1"}}
    Redact().filter(record)
    assert record.getMessage() == "GET /t/… from [email], NIP [nip], Authorization: Bearer …"
    assert record.iku == {
        "task_id": "s01-001",
        "smtp_password": "[redacted]",
        "nested": {"nip": "[redacted]"},
    }


def test_an_activity_task_token_the_sdk_logs_at_debug_is_rewritten():
    token = b"\n$01a24a0d-'q\"\x00\xff"
    text = f"Running activity send_notification (token {token!r}) with info"
    assert redact_text(text) == "Running activity send_notification (token …) with info"
    assert redact_text(f"token {b'plain'!r}") == "token …"


def test_our_message_ids_stay_in_the_logs_and_addresses_beside_them_do_not():
    from activities.notify import message_id

    ours = message_id("iku-2027-kemnaker", "0f58623d-1b69", "s02-002", "task", 3, 0, "iku.test")
    text = f"sent {ours} to <ahmad.fauzi@kemnaker.example>, cc iku-2027@kemnaker.example"
    assert redact_text(text) == f"sent {ours} to <[email]>, cc [email]"


def test_a_traceback_in_a_json_line_is_rewritten_too(json_logs: io.StringIO):
    try:
        raise ValueError("no mailbox rina.wulandari@kemnaker.example for /t/eyJabc.def")
    except ValueError:
        logging.getLogger("api.test").exception("sending failed")
    (line,) = [json.loads(x) for x in json_logs.getvalue().splitlines() if "sending" in x]
    assert "ValueError: no mailbox [email] for /t/…" in line["exc_info"]
    assert "rina" not in json_logs.getvalue() and "eyJabc" not in json_logs.getvalue()


def test_each_json_line_is_timed_to_the_millisecond_in_utc(json_logs: io.StringIO):
    # A collector orders lines by this field: two within one second must keep their order.
    for n in range(2):
        logging.getLogger("api.test").warning("line %d", n)
    times = [json.loads(x)["time"] for x in json_logs.getvalue().splitlines() if '"line ' in x]
    assert len(times) == 2
    for time in times:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", time), time
    assert times[0] <= times[1]
