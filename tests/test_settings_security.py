"""Configured secrets that would not protect anything are refused before anything starts;
the web layer's allowed hosts and trusted proxies come from settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from common.secret_strength import KEY, PASSWORD, information_bits, weakness
from common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "3f9a1c7e5b2d8f4a6c0e9b2d5f8a1c3e7b4d6f0a2c8e1b5d"
STRONG_PASSWORD = "kopi-tubruk Senin 4 pagi"

SECRET_FIELDS = ["link_secret", "session_secret", "ops_api_token", "bureau_api_token"]
PASSWORD_FIELDS = ["ops_password", "bureau_password"]


@pytest.mark.parametrize("field", SECRET_FIELDS + PASSWORD_FIELDS)
@pytest.mark.parametrize(
    "value",
    ["changeme", "change-me-please-change-me-please!!", "x" * 64, "ab" * 20, "secret", ""],
)
def test_a_weak_configured_secret_is_refused_with_its_name(tmp_path, field, value):
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, **{field: value})
    message = str(caught.value)
    assert f"IKU_{field.upper()} is too weak" in message
    assert "Unset it to have a strong one generated" in message
    if value:
        assert value not in message  # the refusal never repeats the secret


# .env.example's values, left in by an operator who replaced only some.
EXAMPLE_LEFT_IN = {
    "metrics_token": "CHANGE-ME-metrics-token",
    "s3_access_key_id": "CHANGE-ME-s3-key-id",
    "s3_secret_access_key": "CHANGE-ME-s3-secret",
    "smtp_password": "CHANGE-ME-smtp-password",
    "reporting_database_url": "postgresql+psycopg://iku_reporting:CHANGE-ME-reporting-db-password"
    "@postgresql:5432/iku_reporting",
}


@pytest.mark.parametrize("field", EXAMPLE_LEFT_IN)
def test_every_placeholder_of_the_example_env_file_stops_start_up_with_its_name(tmp_path, field):
    pair = {"s3_access_key_id": "iku-store", "s3_secret_access_key": STRONG_KEY}
    given = {**(pair if field.startswith("s3_") else {}), field: EXAMPLE_LEFT_IN[field]}
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, **given)
    message = str(caught.value)
    assert f"IKU_{field.upper()}" in message
    assert "CHANGE-ME" not in message  # named, never quoted
    # Generated only where the application can make one: not the S3 server's or the relay's.
    generated = "Unset it to have a strong one generated" in message
    assert generated == (field == "metrics_token")


def test_secrets_of_other_servers_are_taken_as_their_servers_hold_them(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        metrics_token=STRONG_KEY,
        s3_access_key_id="iku",  # a key id is a name, not a secret
        s3_secret_access_key=STRONG_PASSWORD,
        smtp_password="Kj8#p2",  # the relay's administrator chose it: no length asked
        reporting_database_url=f"postgresql+psycopg://iku_reporting:{STRONG_KEY}@db/iku",
    )
    assert settings.metrics_token_value() == STRONG_KEY
    for url in ("sqlite:///reporting.db", "postgresql+psycopg://iku@db/iku"):  # no password
        assert Settings(data_dir=tmp_path, reporting_database_url=url).reporting_database_url
    with pytest.raises(ValidationError, match="IKU_METRICS_TOKEN is too weak: it is 12"):
        Settings(data_dir=tmp_path, metrics_token="3f9a1c7e5b2d")
    with pytest.raises(ValidationError, match="IKU_SMTP_PASSWORD is too weak"):
        Settings(data_dir=tmp_path, smtp_password="password")
    with pytest.raises(ValidationError, match="IKU_REPORTING_DATABASE_URL: its password"):
        Settings(data_dir=tmp_path, reporting_database_url="postgresql+psycopg://u:iku@db/iku")


def test_every_weak_secret_is_named_at_once(tmp_path):
    with pytest.raises(ValidationError) as caught:
        Settings(data_dir=tmp_path, link_secret="changeme", ops_password="password123")
    assert "IKU_LINK_SECRET" in str(caught.value) and "IKU_OPS_PASSWORD" in str(caught.value)


def test_a_placeholder_from_an_example_file_is_refused_even_when_long(tmp_path):
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(data_dir=tmp_path, session_secret="replace-me-with-a-long-random-value-0123")
    with pytest.raises(ValidationError, match="placeholder"):
        Settings(data_dir=tmp_path, bureau_password="Rahasia2026!!")


def test_strong_secrets_and_passphrases_are_accepted(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        **dict.fromkeys(SECRET_FIELDS, STRONG_KEY),
        **dict.fromkeys(PASSWORD_FIELDS, STRONG_PASSWORD),
    )
    assert settings.link_secret_value() == STRONG_KEY
    assert settings.ops_password_value() == STRONG_PASSWORD


def test_the_usual_generators_pass_the_bar():
    import secrets

    for _ in range(200):
        assert weakness(secrets.token_hex(16), KEY) is None  # 128 bits, the least we take
        assert weakness(secrets.token_urlsafe(32), KEY) is None
        assert weakness(secrets.token_urlsafe(12), PASSWORD) is None


def test_generated_secrets_stay_as_they_are(tmp_path):
    settings = Settings(data_dir=tmp_path)
    for name in ("link_secret_value", "session_secret_value", "ops_api_token_value"):
        value = getattr(settings, name)()
        assert weakness(value, KEY) is None
        assert getattr(settings, name)() == value  # kept in the data folder
    assert weakness(settings.bureau_password_value(), PASSWORD) is None


def test_information_is_length_times_entropy():
    assert information_bits("") == 0
    assert information_bits("aaaa") == 0
    assert information_bits("abcd") == 8.0


def test_a_pattern_repeated_across_lines_is_still_a_pattern():
    assert "repeats" in (weakness("Kata\nSandi9!" * 2, PASSWORD) or "")


def test_a_password_with_exactly_the_information_asked_is_enough():
    four_letters_five_times = "abcdbadcacbddcabbdac"
    assert information_bits(four_letters_five_times) == PASSWORD.min_bits
    assert weakness(four_letters_five_times, PASSWORD) is None
    assert "variety" in (weakness(four_letters_five_times[:-1] + "a", PASSWORD) or "")


def test_a_secret_with_a_stray_space_is_refused():
    assert "space" in (weakness(" " + STRONG_KEY, KEY) or "")


def test_the_worker_refuses_to_start_with_a_weak_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("IKU_")}
    env |= {"IKU_DATA_DIR": str(tmp_path), "IKU_LINK_SECRET": "changeme"}
    done = subprocess.run(
        [sys.executable, "worker.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert "IKU_LINK_SECRET is too weak" in done.stderr
    assert "Traceback" not in done.stderr
    assert "changeme" not in done.stderr.replace("IKU_LINK_SECRET", "")


# --- hosts and proxies -----------------------------------------------------------------


def test_the_allowed_hosts_default_to_the_local_names_and_the_public_host(tmp_path):
    settings = Settings(data_dir=tmp_path, public_base_url="https://IKU.kemnaker.go.id/")
    assert settings.hosts() == ["127.0.0.1", "localhost", "::1", "iku.kemnaker.go.id"]


def test_the_allowed_hosts_can_be_listed_with_commas_or_as_json(tmp_path, monkeypatch):
    monkeypatch.setenv("IKU_ALLOWED_HOSTS", "iku.kemnaker.go.id, *.kemnaker.go.id")
    assert Settings(data_dir=tmp_path).hosts() == ["iku.kemnaker.go.id", "*.kemnaker.go.id"]
    monkeypatch.setenv("IKU_ALLOWED_HOSTS", '["iku.example.id"]')
    assert Settings(data_dir=tmp_path).hosts() == ["iku.example.id"]


def test_no_proxy_is_trusted_by_default(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert not settings.is_trusted_proxy("127.0.0.1")


def test_trusted_proxies_are_addresses_or_networks(tmp_path, monkeypatch):
    monkeypatch.setenv("IKU_TRUSTED_PROXIES", "10.0.0.0/24, ::1")
    settings = Settings(data_dir=tmp_path)
    assert settings.is_trusted_proxy("10.0.0.7") and settings.is_trusted_proxy("::1")
    assert not settings.is_trusted_proxy("10.0.1.7")
    assert not settings.is_trusted_proxy("not an address")
    assert not settings.is_trusted_proxy(None)
    monkeypatch.setenv("IKU_TRUSTED_PROXIES", "proxy.local")
    with pytest.raises(ValidationError, match="IKU_TRUSTED_PROXIES"):
        Settings(data_dir=tmp_path)


@pytest.mark.parametrize("queue", ["biro'iku", "iku\\", 'i"ku', "", "-iku", "iku biro", "a" * 1001])
def test_a_task_queue_that_a_visibility_query_cannot_name_is_refused(tmp_path, queue):
    # ``iku links resend`` finds the processes by it.
    with pytest.raises(ValidationError, match="IKU_TASK_QUEUE is 1 to 1,000 letters"):
        Settings(data_dir=tmp_path, task_queue=queue)
    for fine in ("iku", "iku-biro_perencanaan.2027", "kemnaker/iku:prod", "ikú"):
        assert Settings(data_dir=tmp_path, task_queue=fine).task_queue == fine


def test_a_malformed_public_base_url_leaves_the_local_names(tmp_path):
    settings = Settings(data_dir=tmp_path, public_base_url="http://[::1")
    assert settings.hosts() == ["127.0.0.1", "localhost", "::1"]
