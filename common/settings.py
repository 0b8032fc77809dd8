"""One settings object for the worker, the web layer and the tools.

Every value can be set by an environment variable with the prefix ``IKU_`` (for example
``IKU_DATA_DIR=/srv/iku``). Workflow code never reads settings: activities and the web
layer do, so a changed setting takes effect without touching running histories.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from common.secret_strength import KEY, PASSWORD, Strength, weakness
from common.sop_identity import check_sop_number
from common.workcalendar import WorkCalendar, parse_standard_time

PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_DIRECTORY = PACKAGE_DIR / "data" / "directory.example.yaml"
# The names a local run answers to, besides the public base URL's host.
LOCAL_HOSTS: Final = ("127.0.0.1", "localhost", "::1")
# Configured secrets and what each must withstand (see common.secret_strength).
_SECRETS: Final[dict[str, Strength]] = {
    "link_secret": KEY,
    "session_secret": KEY,
    "ops_api_token": KEY,
    "bureau_api_token": KEY,
    "ops_password": PASSWORD,
    "bureau_password": PASSWORD,
    "metrics_token": KEY,
}
# Secrets of other servers, never generated here. The S3 secret and the database password
# are chosen in .env for the compose file's servers; the relay's password is its
# administrator's, so only a placeholder or a bare word is refused there.
_GIVEN: Final = Strength(0, 0.0, "the one its server holds")
_ISSUED_SECRETS: Final[dict[str, Strength]] = {
    "s3_secret_access_key": PASSWORD,
    "smtp_password": _GIVEN,
}
# Not a secret, but .env.example's placeholder left in is a deploy not finished.
_EXAMPLE_PLACEHOLDER: Final = re.compile(r"change.?(it|me|this)|replace.?me|example", re.I)


TASK_QUEUE = re.compile(r"[^\W_][\w./:-]{0,999}")
# A TCP port a server binds or a client reaches.
Port = Annotated[int, Field(ge=1, le=65535)]
# A list from one environment variable: JSON (["a", "b"]) or separated by commas.
NameList = Annotated[list[str], NoDecode]
SecretList = Annotated[list[SecretStr], NoDecode]


class RetentionRule(BaseModel):
    """One line of the Jadwal Retensi Arsip."""

    model_config = ConfigDict(extra="forbid")
    active_years: int = Field(ge=0, le=100)
    inactive_years: int = Field(ge=0, le=100)
    disposition: Literal["musnah", "permanen", "dinilai kembali"]


class Settings(BaseSettings):
    # A refused setting's error never quotes the input: it holds the secrets.
    model_config = SettingsConfigDict(
        env_prefix="IKU_", env_nested_delimiter="__", hide_input_in_errors=True
    )

    # Where everything a local run keeps lives: Temporal's SQLite file, documents,
    # archives, the mail sink and the link-signing secret.
    data_dir: Path = Path("data")

    # Temporal
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "iku"
    temporal_ui_port: Port = 8233
    # A cluster elsewhere (self-hosted with mTLS, or Temporal Cloud). TLS is on when asked
    # for, when a client certificate is given, or with an API key (Cloud needs TLS).
    temporal_tls: bool = False
    temporal_tls_client_cert: Path | None = None
    temporal_tls_client_key: Path | None = None
    # The CA that signed the server's certificate, when not a public one.
    temporal_tls_server_ca: Path | None = None
    # The name the server's certificate is checked against, when not the address's host.
    temporal_tls_server_name: str | None = None
    # Temporal Cloud's API key (instead of a client certificate).
    temporal_api_key: SecretStr | None = None

    # Worker deployment versioning (see README, "Upgrades"). Off unless a deployment name
    # is set: the worker then polls as version <worker_deployment>.<build_id>.
    worker_deployment: str | None = None
    build_id: str | None = None
    # The SDK's sandbox around workflow code refuses a clock, randomness or I/O there: a
    # guard while developing, kept in tests/test_sandbox_guard.py. Off by default: it
    # costs a third of a decision's time (bench/README.md).
    workflow_sandbox: bool = False
    # How much one worker takes on at once (the SDK's defaults): workflow tasks, the
    # lookups and writes they run in-line (local activities) and activities (mail,
    # archives, signature checks). Each activity slot has a thread of its own (worker.py).
    # Lower caps leave work waiting at the server; at 3,000 waiting processes that made
    # reminders later, not sooner (bench/README.md). Two workflow tasks at least: one polls
    # the worker's own queue (processes it has cached, their queries), one the shared
    # queue; with one, a query waits out the other's long poll.
    worker_workflow_tasks: int = Field(default=100, ge=2, le=1000)
    worker_local_activities: int = Field(default=100, ge=1, le=1000)
    worker_activities: int = Field(default=100, ge=1, le=1000)
    # Processes the worker keeps in memory between their workflow tasks. One that is not
    # kept is replayed from its history when its timer fires or a decision comes, and with
    # more waiting processes than this the replays made escalations seconds late
    # (bench/README.md). About 0.12 MiB each at step 1, 0.27 MiB half way (README, Capacity).
    worker_cached_processes: int = Field(default=5000, ge=2, le=100_000)
    # A process hands its record to a fresh run (continue-as-new) at its first quiet moment
    # past this many history events: the SDK keeps every command of a run in the worker's
    # memory for as long as it keeps the run, and a cache miss replays the whole run.
    # Half way through the SOP that was 373 KiB a process, 269 KiB with 100
    # (bench/README.md); a hand-over costs a few history events. Given to a process at its
    # start.
    history_events_per_run: int = Field(default=100, ge=60, le=10_000)

    # The web layer (task links, bureau pages, JSON API).
    web_host: str = "127.0.0.1"
    web_port: Port = 8000

    # The directory of people, roles and acting officials (YAML).
    directory_file: Path = EXAMPLE_DIRECTORY
    # Days the government added or removed after the `holidays` package was released.
    calendar_overrides_file: Path | None = None

    # Office hours, Asia/Jakarta. Friday closes later (Jumat: longer prayer break).
    timezone: str = "Asia/Jakarta"
    office_open: time = time(7, 30)
    office_close: time = time(16, 0)
    office_close_friday: time = time(16, 30)

    # The clock of every waiting task (see SOP.md, "The clock, precisely").
    reminder_before_hours: float = Field(default=4.0, ge=0)
    escalation_interval_days: int = Field(default=1, ge=1)
    escalation_cap: int = Field(default=3, ge=0, le=50)
    # Per-step standard time overriding the SOP defaults, e.g. {"7": "3d", "12": "4h"}.
    standard_times: dict[int, str] = Field(default_factory=dict)

    # Mail
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    # A mail the relay did not take is tried again after this, doubling each time up to the
    # second figure (about an hour of tries in all with the workflow's 12 attempts).
    mail_retry_first_seconds: float = Field(default=10.0, gt=0)
    mail_retry_max_seconds: float = Field(default=600.0, gt=0)
    mail_from: str = "IKU Kemnaker <iku@localhost>"
    mail_domain: str = "iku.localhost"
    ops_email: str = "ops@localhost"
    # The planning bureau's mailbox: told when a process is archived or cancelled, with the
    # link to its archive page (only the bureau and ops may sign in to see it).
    bureau_email: str = "biro@localhost"

    # How long a task form's POST waits for the workflow to answer. Past it (a worker away
    # or far behind) the official is told the decision waits and will be applied.
    decision_wait_seconds: float = Field(default=15.0, gt=0, le=120)

    # Links
    public_base_url: str = "http://127.0.0.1:8000"
    link_secret: SecretStr | None = None
    # Link secrets replaced in a planned change: links (and open task pages) signed with
    # them are still accepted, and nothing new is signed with them. Left empty after a leak
    # (then `iku links resend` mails every open task a new link).
    link_secret_previous: SecretList = Field(default_factory=list)
    # A link stays valid this long after the last escalation moment of its task.
    link_grace_days: int = Field(default=14, ge=0, le=3650)

    # Identities that may cancel or assign besides the Karo (the Temporal UI/CLI user).
    ops_identities: NameList = Field(default_factory=lambda: ["ops"])
    # Identities of the planning bureau: they start and follow processes and may resend a
    # task's mail, but only ops and the Karo may assign or cancel.
    bureau_identities: NameList = Field(default_factory=lambda: ["biro"])
    # The ops sign-in of the web layer (user name is the first ops identity). When unset,
    # a password is generated once into data_dir/ops-password.
    ops_password: SecretStr | None = None
    # The bureau's sign-in (user name is the first bureau identity); generated once into
    # data_dir/bureau-password when unset.
    bureau_password: SecretStr | None = None
    # Bearer tokens of the JSON API, one for ops and one for the bureau; generated once into
    # data_dir/ops-api-token and data_dir/bureau-api-token when unset.
    ops_api_token: SecretStr | None = None
    bureau_api_token: SecretStr | None = None
    # Signs the bureau pages' session cookies; generated once into data_dir/session-secret.
    # Changing it (or a password) signs everyone out once the web layer restarts, unless
    # the old one is listed below.
    session_secret: SecretStr | None = None
    # Session secrets replaced in a planned change: sign-ins and forms made under them are
    # still accepted, and nothing new is signed with them. Left empty after a leak.
    session_secret_previous: SecretList = Field(default_factory=list)
    # A sign-in lasts one working day at most, then the pages ask again.
    session_hours: float = Field(default=10.0, gt=0, le=24 * 7)
    # The outbox page shows every mail the local sink kept; only the local run turns it on.
    outbox_enabled: bool = False

    # Host names the web layer answers to (the Host header); any other gets 400. Empty:
    # the local names and the public base URL's host. A leading "*." allows subdomains.
    # As JSON (["iku.kemnaker.go.id"]) or separated by commas.
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto / Forwarded headers are
    # believed (addresses or networks, e.g. "10.0.0.5" or "10.0.0.0/24"). None by default:
    # a client's own forwarded headers never choose the address the sign-in throttle sees.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # The reporting database (every step event, official numbers, archive metadata). Unset:
    # SQLite in data_dir/reporting.db; for PostgreSQL e.g.
    # "postgresql+psycopg://iku:secret@127.0.0.1:5432/iku_reporting".
    reporting_database_url: SecretStr | None = None

    # The official number (nomor naskah dinas) the IKU gets when the Minister signs, as the
    # ministry's Tata Naskah Dinas writes it, like the SOP's own number (1/.../OT.04.00/./...):
    # {seq}, {unit}, {classification}, {month} (1-12), {month_roman} (I-XII), {year}.
    # The sequence runs per year and classification code.
    official_number_template: str = "{seq}/{unit}/{classification}/{month_roman}/{year}"
    official_number_unit: str = "SJ"
    # The archive's classification code; unset: taken from the SOP number (its third part,
    # e.g. OT.04.00), else this default.
    classification_code: str | None = None
    default_classification_code: str = "OT.04.00"

    # The archive's access class (klasifikasi keamanan dan akses arsip) and the Jadwal
    # Retensi Arsip keyed by classification code (a rule for "OT.04" covers "OT.04.00"):
    # years active, years inactive, final disposition.
    archive_access_class: Literal["Biasa", "Terbatas", "Rahasia"] = "Biasa"
    retention_schedule: dict[str, RetentionRule] = Field(
        default_factory=lambda: {
            "OT.04.00": RetentionRule(active_years=2, inactive_years=3, disposition="permanen")
        }
    )

    # Electronic signatures: the CA, the keystore and the CRL live in signing_dir
    # (default <data_dir>/signing); an RFC 3161 timestamp authority, if any, stamps every
    # paraf and signature with its own time.
    tsa_url: str | None = None

    # Uploads
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    # What one task link may upload in a day (every file of every form, accepted or
    # refused): a holder of a live link cannot fill the disk. Many full-size attempts.
    link_upload_budget_bytes: int = Field(default=250 * 1024 * 1024, ge=0)

    # Logs: text for a console a person reads (the local run), JSON lines for a collector.
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Traces: off unless an OTLP/HTTP collector is named (e.g. http://otel-collector:4318).
    otlp_endpoint: str | None = None
    # The share of traces kept (a decision's trace is kept or dropped as a whole).
    trace_sample_ratio: float = Field(default=1.0, ge=0, le=1)
    # Metrics: the worker's Prometheus endpoint (the Temporal SDK's own server, with the
    # workflow's metrics), e.g. "0.0.0.0:9464"; off when unset.
    worker_metrics_bind: str | None = None
    # The web layer's /metrics answers only this bearer token (generated once into
    # data_dir/metrics-token when unset); every web replica must share it.
    metrics_token: SecretStr | None = None
    # /metrics asks visibility for the gauges (overdue by role, running by step), and reads
    # the signing folder's dates, at most this often; every replica reports the same
    # cluster-wide numbers.
    metrics_gauge_seconds: float = Field(default=30.0, ge=0)

    # Where documents and archive bags are kept: "local" (documents_dir and archive_dir on
    # this machine) or "s3" (one bucket that the web layer and every worker share; then
    # data_dir holds only this machine's scratch files and kept secrets).
    document_store: Literal["local", "s3"] = "local"
    # Unset: AWS itself. Set for a self-hosted server (SeaweedFS, MinIO, Ceph RGW).
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    # Unset: the client's own chain (AWS_* variables, instance or pod role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    # Keys go under this prefix (e.g. "staging/") when installations share one bucket.
    s3_prefix: str = ""
    # Each S3 request, retries included, gives up after this long (then the web layer
    # answers 503 and an activity retries).
    s3_timeout_seconds: float = Field(default=30.0, gt=0)

    # The SOP as the ministry registered it: its number and dates of approval and revision
    # (the source leaves them blank). Shown at the head of every page, mail and record; a
    # process started without a number runs under this one.
    sop_number: str = ""
    sop_approved_on: date | None = None
    sop_revised_on: date | None = None

    # Derived from data_dir unless set.
    documents_dir: Path = Path()
    archive_dir: Path = Path()
    mail_dir: Path = Path()
    signing_dir: Path = Path()
    # The CA's key, its passphrase and the officials' first passphrases, apart from the
    # signing folder every web replica and worker reads (only `iku ca` needs them). None:
    # beside the rest, in signing_dir, as the local run keeps them.
    ca_private_dir: Path | None = None

    @field_validator("worker_metrics_bind")
    @classmethod
    def _check_bind(cls, value: str | None) -> str | None:
        if value is not None:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"{value!r} is not host:port (e.g. 0.0.0.0:9464)")
        return value

    @field_validator("task_queue")
    @classmethod
    def _check_task_queue(cls, value: str) -> str:
        # `iku links resend` finds processes by it in a visibility query, which on the dev
        # server matched no task queue holding a backslash or a double quote, however
        # quoted: so only characters tried there are taken.
        if not TASK_QUEUE.fullmatch(value):
            raise ValueError(
                "IKU_TASK_QUEUE is 1 to 1,000 letters, digits and '.', '_', '-', '/' or ':', "
                "beginning with a letter or digit"
            )
        return value

    @field_validator("otlp_endpoint")
    @classmethod
    def _check_otlp(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http(s) URL (OTLP over HTTP)")
        return value or None

    @model_validator(mode="after")
    def _check_temporal_connection(self) -> Settings:
        """A half-given certificate or a missing file is refused at start, naming the
        setting, rather than met as "Temporal cannot be reached" at the first request."""
        cert, key = self.temporal_tls_client_cert, self.temporal_tls_client_key
        if (cert is None) != (key is None):
            raise ValueError(
                "IKU_TEMPORAL_TLS_CLIENT_CERT and IKU_TEMPORAL_TLS_CLIENT_KEY go together: "
                "set both or neither"
            )
        for name in (
            "temporal_tls_client_cert",
            "temporal_tls_client_key",
            "temporal_tls_server_ca",
        ):
            path = getattr(self, name)
            if path is not None and not path.is_file():
                raise ValueError(f"IKU_{name.upper()}: no such file: {path}")
        if self.temporal_api_key is not None and not self.temporal_api_key.get_secret_value():
            raise ValueError("IKU_TEMPORAL_API_KEY is set but empty")
        if self.worker_deployment is not None and not self.build_id:
            raise ValueError(
                "IKU_WORKER_DEPLOYMENT needs IKU_BUILD_ID: the version of the code this worker "
                "runs (for example the release tag or the image's git commit)"
            )
        return self

    @property
    def temporal_tls_enabled(self) -> bool:
        return (
            self.temporal_tls
            or self.temporal_tls_client_cert is not None
            or self.temporal_tls_server_ca is not None
            or self.temporal_api_key is not None
        )

    @field_validator("sop_number")
    @classmethod
    def _registered_sop_number(cls, value: str) -> str:
        return check_sop_number(value)

    @model_validator(mode="after")
    def _check_cache(self) -> Settings:
        """The SDK runs no more workflow tasks at once than it can keep processes."""
        if self.worker_cached_processes < self.worker_workflow_tasks:
            raise ValueError(
                "IKU_WORKER_CACHED_PROCESSES must be at least IKU_WORKER_WORKFLOW_TASKS "
                f"({self.worker_workflow_tasks})"
            )
        return self

    @model_validator(mode="after")
    def _check_clock(self) -> Settings:
        """Refused when the worker starts, rather than found at a process's next deadline."""
        WorkCalendar(self.timezone, self.office_open, self.office_close, self.office_close_friday)
        for step, value in self.standard_times.items():
            if step < 1:
                raise ValueError(f"standard_times: no step {step}")
            try:
                parse_standard_time(value)
            except ValueError as err:
                raise ValueError(f"standard_times[{step}]: {err}") from err
        return self

    @field_validator(
        "allowed_hosts",
        "trusted_proxies",
        "ops_identities",
        "bureau_identities",
        "link_secret_previous",
        "session_secret_previous",
        mode="before",
    )
    @classmethod
    def _list_of_names(cls, value: object) -> object:
        """A JSON list, or names separated by commas (easier to write in an env file)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except ValueError:
                    # Never the text itself: it may be a list of secrets.
                    raise ValueError(
                        'not a JSON list: write it as ["a", "b"], or the values separated by commas'
                    ) from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("ops_identities", "bureau_identities")
    @classmethod
    def _someone(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # The first is the user name of the web layer's sign-in and the default actor.
        if not value:
            raise ValueError(
                f"IKU_{str(info.field_name).upper()} is empty: name at least one identity"
            )
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _named_folder(cls, value: object) -> object:
        # Empty would be the current folder: state scattered wherever a command ran.
        if isinstance(value, str | Path) and not str(value).strip():
            raise ValueError("IKU_DATA_DIR is empty: name a folder, or unset it for ./data")
        return value

    @field_validator("public_base_url", "s3_endpoint_url", "tsa_url")
    @classmethod
    def _web_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        scheme, sep, rest = value.strip().partition("://")
        host = rest.split("/", 1)[0].rpartition("@")[2].split(":", 1)[0]
        fine = scheme.lower() in ("http", "https") and bool(sep) and bool(host)
        try:
            urlsplit(value.strip()).port  # noqa: B018 (a port that is no number raises here)
        except ValueError:
            # The base of links is only read for its host, and hosts() copes with one it
            # cannot parse (the local names stay allowed); the others are connected to.
            fine = fine and info.field_name == "public_base_url"
        if not fine:
            raise ValueError(
                f"IKU_{str(info.field_name).upper()} is not an http:// or https:// address "
                "with a host (e.g. https://iku.example.go.id)"
            )
        return value

    @field_validator("reporting_database_url")
    @classmethod
    def _database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_database_url(value.get_secret_value())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError as err:
                raise ValueError(
                    f"IKU_TRUSTED_PROXIES: {entry!r} is not an IP address or network "
                    "(such as 10.0.0.5 or 10.0.0.0/24)"
                ) from err
        return value

    @model_validator(mode="after")
    def _strong_secrets(self) -> Settings:
        """A weak configured secret is refused when anything starts, not found by an attacker.
        Generated secrets (the default) are not checked: they are random and long."""
        problems = []
        for name, strength in _SECRETS.items():
            configured: SecretStr | None = getattr(self, name)
            if configured is None:
                continue
            why = weakness(configured.get_secret_value(), strength)
            if why is not None:
                problems.append(f"IKU_{name.upper()} is too weak: {why}")
        for name in ("link_secret_previous", "session_secret_previous"):
            for number, previous in enumerate(getattr(self, name), start=1):
                why = weakness(previous.get_secret_value(), KEY)
                if why is not None:
                    problems.append(f"IKU_{name.upper()} (number {number}) is too weak: {why}")
        refusals = []
        if problems:
            refusals.append(
                "; ".join(problems)
                + ". Unset it to have a strong one generated into the data folder."
            )
        issued = self._weak_issued_secrets()
        if issued:
            # Never generated: these are the S3 server's, the relay's, the database's.
            refusals.append("; ".join(issued) + ".")
        if refusals:
            raise ValueError(" ".join(refusals))
        return self

    def _weak_issued_secrets(self) -> list[str]:
        """The weak secrets of other systems, each named, never quoted."""
        problems = []
        for name, strength in _ISSUED_SECRETS.items():
            configured: SecretStr | None = getattr(self, name)
            why = None if configured is None else weakness(configured.get_secret_value(), strength)
            if why is not None:
                problems.append(f"IKU_{name.upper()} is too weak: {why}")
        if self.s3_access_key_id and _EXAMPLE_PLACEHOLDER.search(self.s3_access_key_id):
            problems.append(
                "IKU_S3_ACCESS_KEY_ID is a placeholder from an example; use the S3 server's key id"
            )
        if self.reporting_database_url is not None:
            from sqlalchemy.engine import make_url  # only when a URL is given

            password = make_url(self.reporting_database_url.get_secret_value()).password
            why = None if password is None else weakness(str(password), PASSWORD)
            if why is not None:
                problems.append(f"IKU_REPORTING_DATABASE_URL: its password is too weak: {why}")
        return problems

    def hosts(self) -> list[str]:
        """The Host names the web layer answers to."""
        if self.allowed_hosts:
            return [h.lower() for h in self.allowed_hosts]
        try:
            public = urlsplit(self.public_base_url).hostname
        except ValueError:  # a malformed base URL names no host; the local names remain
            public = None
        return list(dict.fromkeys([*LOCAL_HOSTS, *([public.lower()] if public else [])]))

    def is_trusted_proxy(self, address: str | None) -> bool:
        """Whether a connection from ``address`` may speak for the client behind it."""
        if not address or not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n, strict=False) for n in self.trusted_proxies)

    @model_validator(mode="after")
    def _check_official_number(self) -> Settings:
        from common.numbering import format_number  # imports us

        try:
            format_number(self.official_number_template, 1, "UNIT", "OT.04.00", 1, 2027)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(
                f"official_number_template: unknown or bad field {err}; use {{seq}}, "
                "{unit}, {classification}, {month}, {month_roman}, {year}"
            ) from err
        return self

    def classification_for(self, sop_number: str) -> str:
        """The classification code of a process's archive: the setting, the SOP number's,
        or the default."""
        return self.classification_code or classification_from_sop_number(
            sop_number, self.default_classification_code
        )

    def retention_for(self, classification: str) -> RetentionRule | None:
        """The JRA rule of a classification code: its own, else the nearest broader one."""
        parts = classification.split(".")
        for n in range(len(parts), 0, -1):
            rule = self.retention_schedule.get(".".join(parts[:n]))
            if rule is not None:
                return rule
        return None

    @model_validator(mode="after")
    def _check_store(self) -> Settings:
        if self.document_store == "s3" and not self.s3_bucket:
            raise ValueError("document_store is s3 but s3_bucket (IKU_S3_BUCKET) is not set")
        if bool(self.s3_access_key_id) != bool(self.s3_secret_access_key):
            raise ValueError("set both s3_access_key_id and s3_secret_access_key, or neither")
        return self

    def standard_time(self, step: int, default: str) -> str:
        """The standard time that applies to a step: the setting, else the SOP's default."""
        return self.standard_times.get(step, default)

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        for name, sub in (
            ("documents_dir", "documents"),
            ("archive_dir", "archive"),
            ("mail_dir", "mail"),
            ("signing_dir", "signing"),
        ):
            if getattr(self, name) == Path():
                setattr(self, name, self.data_dir / sub)
        return self

    def reporting_url(self) -> str:
        """The reporting database's SQLAlchemy URL (it may hold a password: never logged)."""
        if self.reporting_database_url is not None:
            return self.reporting_database_url.get_secret_value()
        return f"sqlite:///{(self.data_dir / 'reporting.db').resolve()}"

    def link_secret_value(self) -> str:
        """The link-signing secret: from settings, else generated once and kept in data_dir."""
        return self.kept_secret("link-secret", self.link_secret)

    def link_secrets_previous(self) -> list[str]:
        """The replaced link secrets still accepted (never used to sign)."""
        return [previous.get_secret_value() for previous in self.link_secret_previous]

    def ops_password_value(self) -> str:
        return self.kept_secret("ops-password", self.ops_password)

    def bureau_password_value(self) -> str:
        return self.kept_secret("bureau-password", self.bureau_password)

    def ops_api_token_value(self) -> str:
        return self.kept_secret("ops-api-token", self.ops_api_token)

    def bureau_api_token_value(self) -> str:
        return self.kept_secret("bureau-api-token", self.bureau_api_token)

    def metrics_token_value(self) -> str:
        return self.kept_secret("metrics-token", self.metrics_token)

    def session_secret_value(self) -> str:
        return self.kept_secret("session-secret", self.session_secret)

    def session_secrets(self) -> list[str]:
        """The session secret first (the one that signs), then the replaced ones still
        accepted."""
        previous = [secret.get_secret_value() for secret in self.session_secret_previous]
        return [self.session_secret_value(), *previous]

    def kept_secret(self, name: str, configured: SecretStr | None) -> str:
        """A configured secret, or one generated on first use and kept in data_dir, so a
        restart keeps the same links and sign-ins working."""
        if configured is not None:
            return configured.get_secret_value()
        path = self.data_dir / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{name}.{os.getpid()}")
            tmp.write_text(secrets.token_urlsafe(32 if name.endswith("password") else 48))
            tmp.chmod(0o600)
            try:
                # A hard link refuses to overwrite, so two processes starting at once agree.
                path.hardlink_to(tmp)
            except FileExistsError:
                pass
            finally:
                tmp.unlink(missing_ok=True)
        return path.read_text().strip()


def check_database_url(url: str) -> None:
    """Refuse a reporting database URL SQLAlchemy cannot use, never quoting it (it may hold
    a password): ValueError naming what is wrong."""
    from sqlalchemy.engine import make_url  # only when a URL is given
    from sqlalchemy.exc import ArgumentError

    variable = "IKU_REPORTING_DATABASE_URL"
    example = "e.g. postgresql+psycopg://user:password@host:5432/db"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ValueError(f"{variable} is not a database URL ({example})") from None
    except ValueError:  # a port that is not a number
        raise ValueError(f"{variable}: its port is not a number ({example})") from None
    try:
        parsed.get_dialect().import_dbapi()
    except ArgumentError:
        raise ValueError(
            f"{variable} names a database this system does not know "
            f"({parsed.drivername}); use postgresql+psycopg or sqlite"
        ) from None
    except ImportError:
        raise ValueError(
            f"{variable} names a database driver that is not installed "
            f"({parsed.drivername}); use postgresql+psycopg or sqlite"
        ) from None


def settings_problem(error: ValidationError | SettingsError) -> str:
    """A refused setting in one line: which variable, and why (never its value)."""
    if isinstance(error, SettingsError):
        found = re.search(r'field "(\w+)"', str(error))
        if found is None:
            return str(error)
        name = found.group(1)
        shape = "a JSON object" if name in _JSON_OBJECTS else "a JSON list"
        example = _JSON_OBJECTS.get(name, '["a", "b"]')
        return f"IKU_{name.upper()} is not {shape} (for example {example})"
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        where = [str(part) for part in item["loc"]]
        if where:
            variable = f"IKU_{where[0].upper()}"
            inside = ".".join(where[1:])
            field = f"{variable}{f' ({inside})' if inside else ''}"
            if not message.startswith(variable):
                message = f"{field}: {message}"
        problems.append(message)
    return "; ".join(problems)


# Settings read from JSON objects, and what one looks like.
_JSON_OBJECTS: Final = {
    "standard_times": '{"7": "3d", "12": "4h"}',
    "retention_schedule": '{"OT.04.00": {"active_years": 2, "inactive_years": 3, '
    '"disposition": "permanen"}}',
}
#: What loading the settings raises when one is refused (see settings_problem).
SETTINGS_ERRORS: Final = (ValidationError, SettingsError)


_CLASSIFICATION = re.compile(r"^[A-Z]{2}(\.\d{2}){1,3}$")


def classification_from_sop_number(sop_number: str, default: str) -> str:
    """'1/.../OT.04.00/./...' → 'OT.04.00' (number/unit/classification/month/year)."""
    parts = [p.strip() for p in sop_number.split("/")]
    found = next((p for p in parts if _CLASSIFICATION.fullmatch(p)), None)
    return found or default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
