"""One settings object for the worker, the web layer and the tools.

Every value can be set by an environment variable with the prefix ``IKU_`` (for example
``IKU_DATA_DIR=/srv/iku``). Workflow code never reads settings: activities and the web
layer do, so a changed setting takes effect without touching running histories.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Final
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from common.secret_strength import KEY, PASSWORD, Strength, weakness

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
}


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
    temporal_ui_port: int = 8233

    # The web layer (task links, bureau pages, JSON API).
    web_host: str = "127.0.0.1"
    web_port: int = 8000

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
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "IKU Kemnaker <iku@localhost>"
    mail_domain: str = "iku.localhost"
    ops_email: str = "ops@localhost"

    # Links
    public_base_url: str = "http://127.0.0.1:8000"
    link_secret: SecretStr | None = None
    # A link stays valid this long after the last escalation moment of its task.
    link_grace_days: int = 14

    # Identities that may cancel or assign besides the Karo (the Temporal UI/CLI user).
    ops_identities: list[str] = Field(default_factory=lambda: ["ops"])
    # Identities of the planning bureau: they start and follow processes and may resend a
    # task's mail, but only ops and the Karo may assign or cancel.
    bureau_identities: list[str] = Field(default_factory=lambda: ["biro"])
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
    # Changing it (or a password) signs everyone out once the web layer restarts.
    session_secret: SecretStr | None = None
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

    # Uploads
    max_upload_bytes: int = 25 * 1024 * 1024
    # What one task link may upload in a day (every file of every form, accepted or
    # refused): a holder of a live link cannot fill the disk. Many full-size attempts.
    link_upload_budget_bytes: int = Field(default=250 * 1024 * 1024, ge=0)

    # Derived from data_dir unless set.
    documents_dir: Path = Path()
    archive_dir: Path = Path()
    mail_dir: Path = Path()

    @model_validator(mode="after")
    def _check_clock(self) -> Settings:
        """Refused when the worker starts, rather than found at a process's next deadline."""
        from common.workcalendar import WorkCalendar, parse_standard_time  # imports us

        WorkCalendar(self.timezone, self.office_open, self.office_close, self.office_close_friday)
        for step, value in self.standard_times.items():
            if step < 1:
                raise ValueError(f"standard_times: no step {step}")
            try:
                parse_standard_time(value)
            except ValueError as err:
                raise ValueError(f"standard_times[{step}]: {err}") from err
        return self

    @field_validator("allowed_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _list_of_names(cls, value: object) -> object:
        """A JSON list, or names separated by commas (easier to write in an env file)."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
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
        if problems:
            raise ValueError(
                "; ".join(problems)
                + ". Unset it to have a strong one generated into the data folder."
            )
        return self

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

    def standard_time(self, step: int, default: str) -> str:
        """The standard time that applies to a step: the setting, else the SOP's default."""
        return self.standard_times.get(step, default)

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        for name, sub in (
            ("documents_dir", "documents"),
            ("archive_dir", "archive"),
            ("mail_dir", "mail"),
        ):
            if getattr(self, name) == Path():
                setattr(self, name, self.data_dir / sub)
        return self

    def link_secret_value(self) -> str:
        """The link-signing secret: from settings, else generated once and kept in data_dir."""
        return self.kept_secret("link-secret", self.link_secret)

    def ops_password_value(self) -> str:
        return self.kept_secret("ops-password", self.ops_password)

    def bureau_password_value(self) -> str:
        return self.kept_secret("bureau-password", self.bureau_password)

    def ops_api_token_value(self) -> str:
        return self.kept_secret("ops-api-token", self.ops_api_token)

    def bureau_api_token_value(self) -> str:
        return self.kept_secret("bureau-api-token", self.bureau_api_token)

    def session_secret_value(self) -> str:
        return self.kept_secret("session-secret", self.session_secret)

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
