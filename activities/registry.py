"""What the deployment registered about the SOP, asked once when a process starts."""

from __future__ import annotations

from temporalio import activity

from common.settings import Settings


class RegistryActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn(name="registered_sop_number")
    def registered_sop_number(self) -> str:
        """The SOP's registered number (IKU_SOP_NUMBER); blank when the deployment has none."""
        return self._settings.sop_number
