"""Logs of the worker and the web layer: text for a console, JSON lines for a collector.

    configure_logging(settings, "worker")

One handler on the root logger carries every record, the Temporal SDK's too (its workflow
and activity loggers attach ``temporal_workflow`` / ``temporal_activity`` dicts, which the
JSON lines flatten into ``workflow_id``, ``run_id``, ...; our own records add ``iku`` with
``task_id``, ``step`` and codes). Whatever the format, ``Redact`` runs first: a key known
to be sensitive loses its value, and a link token, an email address, a bearer token or a
NIP in a message is rewritten. Records name people by their opaque directory id only.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from common.settings import Settings

REDACTED = "[redacted]"
# Extra keys whose values never reach a log line, at any depth (compared lower-cased, with
# "-" as "_"): secrets, and the personal data the directory and the forms hold.
SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "body",
        "content",
        "cookie",
        "data",
        "email",
        "emails",
        "full_name",
        "link",
        "name",
        "names",
        "nip",
        "note",
        "passphrase",
        "password",
        "person_name",
        "phone",
        "recipient",
        "recipients",
        "secret",
        "set_cookie",
        "to",
        "token",
        "url",
    }
)
# Any key containing one of these is sensitive too ("smtp_password", "link_token", ...).
SENSITIVE_PARTS = ("password", "passphrase", "secret", "token", "email", "cookie", "nip")

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
# Our own Message-IDs (activities.notify.message_id: workflow, run, task, kind, sequence,
# recipient's place) name no one and are what a relay's log is searched by: kept.
_MESSAGE_ID = re.compile(r"iku-[A-Za-z0-9-]+(\.[A-Za-z0-9_-]+){3}\.\d+\.\d+")


def _email(found: re.Match[str]) -> str:
    local = found.group(0).split("@", 1)[0]
    preceded = found.string[found.start() - 1 : found.start()] == "<"
    return found.group(0) if preceded and _MESSAGE_ID.fullmatch(local) else "[email]"


_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    # A task link's token is the path segment after /t/ (api.security.redact, for records).
    (re.compile(r"/t/[^/?#\s\"']+"), "/t/…"),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 …"),
    (re.compile(r"(?i)\b(token|password|secret|passphrase)=[^&\s\"']+"), r"\1=…"),
    # An activity's task token, as the SDK logs it at DEBUG ("token b'\n$01a2…'"): whoever
    # holds one may complete the activity.
    (re.compile(r"\btoken b('(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\")"), "token …"),
    (_EMAIL, _email),
    # A NIP is 18 digits (birth date, appointment month, sex, sequence), often spaced.
    (re.compile(r"\b\d{8}\s?\d{6}\s?\d\s?\d{3}\b"), "[nip]"),
)

# What every LogRecord has; anything else on a record came as ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact_text(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """The value of an ``extra`` key as it may be logged."""
    if is_sensitive(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value("", v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value))


def is_sensitive(key: str) -> bool:
    k = key.lower().replace("-", "_")
    return k in SENSITIVE_KEYS or any(part in k for part in SENSITIVE_PARTS)


class Redact(logging.Filter):
    """Rewrites a record before any handler formats it: message, arguments, extras,
    traceback. The message is formatted here, except uvicorn's access lines (their
    formatter unpacks the arguments, so each is rewritten, numbers kept numbers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args and record.name != "uvicorn.access":
            # Formatted first: a token may be split between the text and an argument
            # ("/t/%s"), and the format string itself must stay intact.
            try:
                record.msg, record.args = redact_text(record.getMessage()), None
            except (TypeError, ValueError):
                record.msg, record.args = redact_text(f"{record.msg} {record.args!r}"), None
        elif isinstance(record.msg, str):
            record.msg = redact_text(record.msg)
        else:
            record.msg = redact_text(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(_arg(a) for a in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {k: _arg(v) for k, v in record.args.items()}
        for key in [k for k in vars(record) if k not in _STANDARD]:
            setattr(record, key, redact_value(key, getattr(record, key)))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # Only the rewritten text remains: the JSON formatter would format exc_info anew.
            record.exc_text, record.exc_info = redact_text(record.exc_text), None
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(value if isinstance(value, str) else str(value))


class JsonLines(JsonFormatter):
    """One JSON object a line: time, level, logger, message, service, then what is known
    of the process: workflow_id, run_id, task_id, step, ... (flattened from the SDK's and
    our own extras)."""

    def __init__(self, service: str) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        # RFC 3339 in UTC to the millisecond: lines within one second keep their order.
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        workflow = log_data.pop("temporal_workflow", None)
        if isinstance(workflow, Mapping):
            for key in ("workflow_id", "run_id", "workflow_type", "update_id", "update_name"):
                if workflow.get(key) is not None:
                    log_data.setdefault(key, workflow[key])
        activity = log_data.pop("temporal_activity", None)
        if isinstance(activity, Mapping):
            for key, name in (
                ("workflow_id", "workflow_id"),
                ("workflow_run_id", "run_id"),
                ("workflow_type", "workflow_type"),
                ("activity_type", "activity_type"),
                ("activity_id", "activity_id"),
                ("attempt", "attempt"),
            ):
                if activity.get(key) is not None:
                    log_data.setdefault(name, activity[key])
        ours = log_data.pop("iku", None)
        if isinstance(ours, Mapping):
            for key, value in ours.items():
                if value is not None:
                    log_data.setdefault(str(key), value)
        # Core's forwarded records carry an object whose text is already in the message;
        # uvicorn's, the message again with terminal colours.
        log_data.pop("temporal_log", None)
        log_data.pop("color_message", None)
        return log_data


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record comes (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        pass


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# Loggers that do not propagate to the root (uvicorn's): in JSON they are sent to it, so
# every line has the same shape; in text they keep their handlers and get the filter.
# uvicorn's access log is left as uvicorn set it: off (--no-access-log), since task links
# carry their token in the path; the request metrics count what it would have said.
_OWN_HANDLERS = ("uvicorn", "uvicorn.error")


def configure_logging(settings: Settings, service: str, stream: TextIO | None = None) -> None:
    """Set the root logger up for ``service`` ("worker", "web"); again replaces the last
    setup (the web layer calls it at every start)."""
    import temporalio.activity
    import temporalio.workflow

    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "iku_handler", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.iku_handler = True  # type: ignore[attr-defined]
    handler.addFilter(Redact())
    json_lines = settings.log_format == "json"
    handler.setFormatter(JsonLines(service) if json_lines else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # In JSON the SDK's workflow and run ids are fields; on a console, part of the message.
    temporalio.workflow.logger.workflow_info_on_message = not json_lines
    temporalio.activity.logger.activity_info_on_message = not json_lines
    for name in _OWN_HANDLERS:
        logger = logging.getLogger(name)
        if json_lines:
            logger.handlers.clear()
            logger.propagate = True
        else:
            for h in logger.handlers:
                if not any(isinstance(f, Redact) for f in h.filters):
                    h.addFilter(Redact())
    for noisy in ("httpx", "httpcore"):
        # Their request lines would print every task link's URL at INFO.
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
