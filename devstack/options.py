"""Which parts this run starts; ops running a part elsewhere switch it off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Options:
    temporal: bool = True
    mail: bool = True
    worker: bool = True
    web: bool = True
