"""Step 16's archive as ANRI expects it: classification code, access class and retention
under the Jadwal Retensi Arsip, in the bag, in the record and in the reporting database."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest
from temporalio.testing import WorkflowEnvironment

from common.archives.metadata import bag_fields, from_bag_info
from common.models import ArchiveMetadata
from common.settings import RetentionRule, Settings
from reporting.archives import archives, by_classification, due_in
from reporting.database import ReportingDatabase
from tests.conftest import serving
from tests.scenario import Scenario


def test_the_retention_rule_of_a_code_is_its_own_or_the_nearest_broader_one(tmp_path: Path):
    settings = Settings(
        data_dir=tmp_path,
        retention_schedule={
            "OT": RetentionRule(active_years=1, inactive_years=1, disposition="dinilai kembali"),
            "OT.04": RetentionRule(active_years=2, inactive_years=8, disposition="permanen"),
            "OT.04.01": RetentionRule(active_years=1, inactive_years=2, disposition="musnah"),
        },
    )
    assert settings.retention_for("OT.04.01").disposition == "musnah"
    assert settings.retention_for("OT.04.00").disposition == "permanen"
    assert settings.retention_for("OT.02.00").disposition == "dinilai kembali"
    assert settings.retention_for("KP.01.00") is None
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, archive_access_class="Umum")
    with pytest.raises(ValueError):
        Settings(
            data_dir=tmp_path,
            retention_schedule={"OT": {"active_years": 1, "inactive_years": 1, "disposition": "x"}},
        )


def test_the_metadata_reads_back_from_bag_info_as_written():
    meta = ArchiveMetadata(
        classification="OT.04.00",
        access_class="Terbatas",
        official_number="7/SJ/OT.04.00/IV/2027",
        active_years=2,
        inactive_years=3,
        disposition="permanen",
        inactive_from_year=2029,
        disposition_year=2032,
    )
    assert from_bag_info(bag_fields(meta)) == meta
    bare = ArchiveMetadata(classification="KP.01.00", access_class="Biasa")
    assert from_bag_info(bag_fields(bare)) == bare
    assert from_bag_info({}) is None  # a bag made before the metadata


async def test_the_archive_carries_classification_access_and_retention_and_falls_due(
    ts_env: WorkflowEnvironment, settings: Settings
):
    settings = settings.model_copy(
        update={
            "archive_access_class": "Terbatas",
            "retention_schedule": {
                "OT.04": RetentionRule(active_years=2, inactive_years=3, disposition="musnah")
            },
        }
    )
    async with serving(ts_env, settings):
        p = await Scenario(ts_env.client, settings).start()
        await p.walk_to_end()
        await p.result()
        status = await p.status()
    assert status.archive is not None and status.official_number is not None
    year = status.archive.created_at.astimezone(ZoneInfo(settings.timezone)).year
    expected = ArchiveMetadata(
        classification="OT.04.00",
        access_class="Terbatas",
        official_number=status.official_number.number,
        active_years=2,
        inactive_years=3,
        disposition="musnah",
        inactive_from_year=year + 2,
        disposition_year=year + 5,
    )
    assert status.archive.metadata == expected
    info = bagit.Bag(status.archive.path).info
    assert info["Kode-Klasifikasi"] == "OT.04.00"
    assert info["Klasifikasi-Keamanan-Akses"] == "Terbatas"
    assert (info["Retensi-Aktif-Tahun"], info["Retensi-Inaktif-Tahun"]) == ("2", "3")
    assert info["Keterangan-Penyusutan"] == "musnah"
    assert info["Nomor-Naskah-Dinas"] == status.official_number.number

    db = ReportingDatabase(settings)
    with db.session() as s:
        rows = archives(s, settings.timezone)
    db.dispose()
    (row,) = rows
    assert (row.workflow_id, row.classification, row.access_class) == (p.id, "OT.04.00", "Terbatas")
    assert (row.active_years, row.inactive_years, row.disposition) == (2, 3, "musnah")
    assert row.official_number == status.official_number.number
    assert list(by_classification(rows)) == ["OT.04.00"]
    assert due_in(rows, year + 2) == ([row], [])
    assert due_in(rows, year + 5) == ([], [row])
    assert due_in(rows, year + 1) == ([], [])
