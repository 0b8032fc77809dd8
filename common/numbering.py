"""How an official number (nomor naskah dinas) is written from its parts."""

from __future__ import annotations

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def format_number(
    template: str, seq: int, unit: str, classification: str, month: int, year: int
) -> str:
    return template.format(
        seq=seq,
        unit=unit,
        classification=classification,
        month=month,
        month_roman=ROMAN_MONTHS[month - 1],
        year=year,
    )
