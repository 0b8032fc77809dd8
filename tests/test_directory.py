"""The directory of people, roles and acting officials."""

from __future__ import annotations

import logging
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from common.directory import Directory, DirectoryError, directory_problem, load_directory
from common.models import Deputy
from common.settings import EXAMPLE_DIRECTORY
from workflows.sop import ROLES

# The example's acting appointment: p-011 is Plh for the Kabag p-002.
KABAG, PLH = "p-002", "p-011"
FIRST, LAST = date(2027, 2, 1), date(2027, 2, 12)


@pytest.fixture
def example() -> Directory:
    return load_directory(EXAMPLE_DIRECTORY)


def write(tmp_path: Path, text: str, name: str = "directory.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_loads(example):
    assert len(example.people) == 11
    assert len({p.id for p in example.people}) == 11
    rina = example.person("p-001")
    assert rina is not None and rina.nip == "198104122006042001"
    assert rina.email == "rina.wulandari@kemnaker.example"
    assert example.person("p-404") is None


@pytest.mark.parametrize("role", sorted(r for r in ROLES if r != "tim"))
def test_every_sop_role_but_the_team_has_a_holder(example, role):
    holders = example.holders(role)
    assert holders, f"nobody holds {role}"
    assert all(role in p.roles and p.active for p in holders)


def test_roles_in_the_example_are_sop_roles(example):
    assert {r for p in example.people for r in p.roles} <= set(ROLES)


def test_the_fungsional_umum_is_a_pool(example):
    assert [p.id for p in example.holders("fungsional_umum")] == ["p-009", "p-010"]


def test_the_team_is_named_at_step_5_not_in_the_directory(example):
    assert example.holders("tim") == []


def test_inactive_people_hold_no_role(tmp_path):
    directory = load_directory(
        write(
            tmp_path,
            """
people:
  - {id: p-1, name: Lama, roles: [kabag], active: false}
  - {id: p-2, name: Baru, roles: [kabag]}
""",
        )
    )
    assert [p.id for p in directory.holders("kabag")] == ["p-2"]


def test_deputies_of_the_kabag(example):
    assert example.deputies_of(KABAG) == [Deputy(person=PLH, kind="plh", start=FIRST, end=LAST)]
    assert example.deputies_of("p-001") == []
    assert example.assignee(KABAG).deputies == example.deputies_of(KABAG)


@pytest.mark.parametrize(
    ("day", "acting"),
    [
        (date(2027, 1, 31), None),
        (FIRST, PLH),  # both ends are inclusive
        (date(2027, 2, 5), PLH),
        (LAST, PLH),
        (date(2027, 2, 13), None),
    ],
)
def test_acting_for_on_dates_in_and_out_of_range(example, day, acting):
    found = example.acting_for(KABAG, day)
    assert (found.person if found else None) == acting
    deputy = example.assignee(KABAG).acting_on(day)
    assert (deputy.person if deputy else None) == acting


def test_nobody_acts_for_someone_without_an_appointment(example):
    assert example.acting_for("p-001", date(2027, 2, 5)) is None
    # The acting official stands in for the Kabag, not the other way round.
    assert example.acting_for(PLH, date(2027, 2, 5)) is None


def problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(DirectoryError) as caught:
        load_directory(write(tmp_path, text))
    return str(caught.value)


def test_a_duplicate_id(tmp_path):
    message = problem(
        tmp_path,
        """
people:
  - {id: p-001, name: Satu}
  - {id: p-002, name: Dua}
  - {id: p-001, name: Tiga}
""",
    )
    assert "used twice" in message and "p-001" in message and "p-002" not in message


def test_an_unknown_acting_person(tmp_path):
    message = problem(
        tmp_path,
        """
people:
  - {id: p-001, name: Satu}
acting:
  - {person: p-999, for: p-001, kind: plh, start: 2027-01-01, end: 2027-01-05}
""",
    )
    assert "unknown person p-999" in message


def test_acting_for_an_unknown_person(tmp_path):
    message = problem(
        tmp_path,
        """
people:
  - {id: p-001, name: Satu}
acting:
  - {person: p-001, for: p-404, kind: plt, start: 2027-01-01, end: 2027-01-05}
""",
    )
    assert "unknown person p-404" in message


def test_an_appointment_ending_before_it_starts(tmp_path):
    message = problem(
        tmp_path,
        """
people:
  - {id: p-001, name: Satu}
  - {id: p-002, name: Dua}
acting:
  - {person: p-002, for: p-001, kind: plh, start: 2027-03-10, end: 2027-03-01}
""",
    )
    assert "ends before it starts" in message and "p-002" in message


@pytest.mark.parametrize("nip", ['"12345"', '"19810412200604200A"', '"1981041220060420011"'])
def test_a_malformed_nip(tmp_path, nip):
    message = problem(
        tmp_path,
        f"""
people:
  - {{id: p-001, name: Satu, nip: "198104122006042001"}}
  - {{id: p-002, name: Dua, nip: {nip}}}
""",
    )
    # The message names the field, the person and the rule.
    assert "nip" in message and "p-002" in message and "[0-9]{18}" in message


def test_an_unquoted_nip_is_read_as_digits(tmp_path):
    directory = load_directory(
        write(
            tmp_path,
            """
people:
  - {id: p-001, name: Satu, nip: 198104122006042001}
""",
        )
    )
    assert directory.people[0].nip == "198104122006042001"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("people:\n  - {id: p-001, name: Satu, roles: [kabag], colour: blue}\n", "colour"),
        ("people:\n  - {id: 'p 001', name: Satu}\n", "id"),
        ("people:\n  - {id: p-001}\n", "name"),
        ("people:\n  - {id: p-001, name: Satu, email: not-an-email}\n", "email"),
        ("people:\n  - {id: p-001, name: Satu, lang: fr}\n", "lang"),
        ("people: [\n", "not valid"),  # broken YAML
        ("- just\n- a list\n", "not valid"),
    ],
)
def test_other_mistakes_are_named(tmp_path, text, words):
    assert words in problem(tmp_path, text)


def test_a_missing_file(tmp_path):
    with pytest.raises(DirectoryError, match="not found"):
        load_directory(tmp_path / "nowhere.yaml")


def test_the_file_is_re_read_after_it_changes(tmp_path):
    path = write(tmp_path, "people:\n  - {id: p-001, name: Satu, roles: [kabag]}\n")
    first = load_directory(path)
    assert load_directory(path) is first  # unchanged: the cached copy
    path.write_text("people:\n  - {id: p-002, name: Dua, roles: [kabag]}\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert [p.id for p in load_directory(path).holders("kabag")] == ["p-002"]


def test_a_rewrite_within_one_clock_tick_is_seen(tmp_path):
    # Some file systems keep whole seconds: the size tells the rewrite apart.
    path = write(tmp_path, "people:\n  - {id: p-001, name: Satu}\n")
    before = path.stat()
    assert load_directory(path).people[0].name == "Satu"
    path.write_text("people:\n  - {id: p-001, name: Satu Dua Tiga}\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert load_directory(path).people[0].name == "Satu Dua Tiga"


def test_a_broken_edit_is_reported_the_last_good_directory_stays_and_a_fix_is_picked_up(
    tmp_path, caplog
):
    """Ops add someone and type an id twice: every mail and page goes on with the directory
    as it was (a typo must not stop them all), the mistake is logged once and reported
    (the web layer's iku_directory_file_valid), and the fixed file is taken at once."""
    path = write(tmp_path, "people:\n  - {id: p-001, name: Satu}\n")
    good = load_directory(path)
    assert directory_problem(path) is None
    path.write_text("people:\n  - {id: p-001, name: Satu}\n  - {id: p-001, name: Lagi}\n")
    with caplog.at_level(logging.ERROR, logger="iku.directory"):
        assert load_directory(path) is good
        assert load_directory(path) is good
    assert "person ids used twice: p-001" in (directory_problem(path) or "")
    assert len(caplog.records) == 1 and "stays in use" in caplog.records[0].getMessage()
    path.unlink()  # deleted by mistake: the same
    assert load_directory(path) is good and "not found" in (directory_problem(path) or "")
    path.write_text("people:\n  - {id: p-001, name: Satu}\n  - {id: p-002, name: Lagi}\n")
    assert len(load_directory(path).people) == 2
    assert directory_problem(path) is None


def test_a_good_file_restored_from_a_backup_with_its_old_time_counts_as_fixed(tmp_path):
    path = write(tmp_path, "people:\n  - {id: p-001, name: Satu}\n")
    kept = tmp_path / "backup.yaml"
    shutil.copy2(path, kept)
    good = load_directory(path)
    path.write_text("people: [\n")
    assert load_directory(path) is good and directory_problem(path) is not None
    shutil.copy2(kept, path)  # as cp -p or rsync -a restore it: the same time and size
    assert load_directory(path) is good and directory_problem(path) is None


def test_a_process_that_never_read_the_file_has_nothing_to_fall_back_on(tmp_path):
    path = write(tmp_path, "people:\n  - {id: p-001, name: Satu}\n  - {id: p-001, name: Lagi}\n")
    with pytest.raises(DirectoryError, match="used twice"):
        load_directory(path)
