"""The reporting database's writer: riwayat entries as step events, once each."""

from __future__ import annotations

from temporalio import activity

from common.models import OfficialNumber, OfficialNumberRequest, ReportBatch
from common.settings import Settings
from common.workcalendar import WorkCalendar
from reporting.database import ReportingDatabase
from reporting.numbering import give_number
from reporting.recorder import record_batch


class ReportingActivities:
    def __init__(self, settings: Settings, database: ReportingDatabase | None = None) -> None:
        self.settings = settings
        self.database = database or ReportingDatabase(settings)

    # A plain function: the worker runs it in its thread pool (database I/O).
    @activity.defn(name="record_events")
    def record_events(self, batch: ReportBatch) -> int:
        """Write the batch's step events; how many were new (0 on a retry that finds them)."""
        calendar = WorkCalendar.from_settings(self.settings)
        with self.database.session() as session:
            return record_batch(
                session,
                batch,
                settings=self.settings,
                calendar=calendar,
                run_id=activity.info().workflow_run_id,
            )

    @activity.defn(name="give_official_number")
    def give_official_number(self, request: OfficialNumberRequest) -> OfficialNumber:
        """The signed IKU's nomor naskah dinas; a retry gets the number already given."""
        return give_number(self.database, self.settings, request)
