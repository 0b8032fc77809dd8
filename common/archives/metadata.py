"""The archive's metadata as ANRI expects it, and how it is written in a bag's
bag-info.txt (fields of our own, which BagIt allows) and read back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from common.models import ArchiveMetadata, ProcessInput
from common.settings import Settings

CLASSIFICATION = "Kode-Klasifikasi"
ACCESS = "Klasifikasi-Keamanan-Akses"
NUMBER = "Nomor-Naskah-Dinas"
ACTIVE = "Retensi-Aktif-Tahun"
INACTIVE = "Retensi-Inaktif-Tahun"
DISPOSITION = "Keterangan-Penyusutan"
INACTIVE_FROM = "Pindah-Inaktif-Tahun"
DISPOSITION_YEAR = "Penyusutan-Akhir-Tahun"


def archive_metadata(
    settings: Settings, process: ProcessInput, official_number: str | None, archived_at: datetime
) -> ArchiveMetadata:
    classification = settings.classification_for(process.sop_number)
    rule = settings.retention_for(classification)
    year = archived_at.astimezone(ZoneInfo(settings.timezone)).year
    return ArchiveMetadata(
        classification=classification,
        access_class=settings.archive_access_class,
        official_number=official_number,
        active_years=rule.active_years if rule else None,
        inactive_years=rule.inactive_years if rule else None,
        disposition=rule.disposition if rule else None,
        inactive_from_year=year + rule.active_years if rule else None,
        disposition_year=year + rule.active_years + rule.inactive_years if rule else None,
    )


def bag_fields(meta: ArchiveMetadata) -> dict[str, str]:
    fields = {CLASSIFICATION: meta.classification, ACCESS: meta.access_class}
    if meta.official_number:
        fields[NUMBER] = meta.official_number
    if meta.disposition is not None:
        fields |= {
            ACTIVE: str(meta.active_years),
            INACTIVE: str(meta.inactive_years),
            DISPOSITION: meta.disposition,
            INACTIVE_FROM: str(meta.inactive_from_year),
            DISPOSITION_YEAR: str(meta.disposition_year),
        }
    return fields


def from_bag_info(info: Mapping[str, object]) -> ArchiveMetadata | None:
    """The metadata a bag's bag-info.txt holds; None for a bag made before it had any."""

    def one(key: str) -> str | None:
        value = info.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value) if value is not None else None

    def year(key: str) -> int | None:
        value = one(key)
        return int(value) if value is not None and value.isdigit() else None

    classification, access = one(CLASSIFICATION), one(ACCESS)
    if classification is None or access not in ("Biasa", "Terbatas", "Rahasia"):
        return None
    disposition = one(DISPOSITION)
    return ArchiveMetadata(
        classification=classification,
        access_class=access,  # type: ignore[arg-type]
        official_number=one(NUMBER),
        active_years=year(ACTIVE),
        inactive_years=year(INACTIVE),
        disposition=disposition  # type: ignore[arg-type]
        if disposition in ("musnah", "permanen", "dinilai kembali")
        else None,
        inactive_from_year=year(INACTIVE_FROM),
        disposition_year=year(DISPOSITION_YEAR),
    )
