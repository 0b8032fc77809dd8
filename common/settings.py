"""One settings object for the worker, the web layer and the tools.

Every value can be set by an environment variable with the prefix ``IKU_`` (for example
``IKU_DATA_DIR=/srv/iku``). Workflow code never reads settings: activities and the web
layer do, so a changed setting takes effect without touching running histories.
"""

from __future__ import annotations

import os
import secrets
from datetime import time
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
EXAMPLE_DIRECTORY = PACKAGE_DIR / "data" / "directory.example.yaml"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IKU_", env_nested_delimiter="__")

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

    # Electronic signatures: the CA, the keystore and the CRL live in signing_dir
    # (default <data_dir>/signing); an RFC 3161 timestamp authority, if any, stamps every
    # paraf and signature with its own time.
    tsa_url: str | None = None

    # Uploads
    max_upload_bytes: int = 25 * 1024 * 1024

    # Derived from data_dir unless set.
    documents_dir: Path = Path()
    archive_dir: Path = Path()
    mail_dir: Path = Path()
    signing_dir: Path = Path()

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
