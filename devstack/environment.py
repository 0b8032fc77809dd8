"""The effective settings, made absolute and handed to the children as ``IKU_*`` variables.

The children run from the repository root, so a relative data folder would mean a
different folder to them; and a setting given on our command line (``--data-dir``) must
reach them too. Secrets (and lists of them) are not copied: they can only have come from
the environment, which the children inherit anyway.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import SecretStr

from common.settings import Settings
from devstack.options import Options
from devstack.ports import local_url

ENV_PREFIX = "IKU_"


def effective(settings: Settings, options: Options | None = None) -> Settings:
    """What this run uses: absolute paths, links that point at the web layer we start, and
    the outbox page on when this run keeps the mail (unless IKU_OUTBOX_ENABLED says no)."""
    settings = absolute(settings)
    options = options or Options()
    if "outbox_enabled" not in settings.model_fields_set and options.mail and options.web:
        # Only with our own sink: with --no-mail the mail goes to a real relay, and the
        # outbox would show nothing but what earlier runs kept.
        settings = settings.model_copy(update={"outbox_enabled": True})
    if "public_base_url" not in settings.model_fields_set:
        # Otherwise moving the web layer to another port (IKU_WEB_PORT) would leave every
        # mailed link pointing at the default one.
        url = local_url(settings.web_host, settings.web_port)
        if url != settings.public_base_url:
            settings = settings.model_copy(update={"public_base_url": url})
    return settings


def absolute(settings: Settings) -> Settings:
    """The same settings with every path made absolute against the current directory."""
    update = {
        name: value.absolute()
        for name in type(settings).model_fields
        if isinstance(value := getattr(settings, name), Path)
    }
    return settings.model_copy(update=update)


def settings_environment(settings: Settings) -> dict[str, str]:
    """``IKU_*`` variables that make ``Settings()`` in a child equal to ``settings``."""
    dumped = settings.model_dump(mode="json")
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None or _holds_secret(value):
            continue
        plain = dumped[name]
        # Strings as they are; numbers, booleans, lists and dicts as JSON, which is how
        # pydantic-settings reads complex values from the environment.
        env[f"{ENV_PREFIX}{name.upper()}"] = plain if isinstance(plain, str) else json.dumps(plain)
    return env


def _holds_secret(value: object) -> bool:
    """A secret, or a list of them (the replaced secrets still accepted): dumped, each would
    read '**********'."""
    if isinstance(value, list | tuple):
        return any(_holds_secret(item) for item in value)
    return isinstance(value, SecretStr)


def child_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.update(settings_environment(settings))
    # Children's output goes through a pipe; unbuffered, it reaches the console as it happens.
    env["PYTHONUNBUFFERED"] = "1"
    return env
