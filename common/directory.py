"""The directory: people, the roles they hold, and acting officials (Plh / Plt).

Read from the YAML file named in settings. Ids (``p-…``) are opaque and stable; they are
all that workflow history, search attributes and links ever carry. Names, NIP and emails
are read from here when a page is drawn or a mail is sent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from common.catalogue import DEFAULT_LANG, Lang, text
from common.models import Assignee, Deputy, PersonId

log = logging.getLogger("iku.directory")


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: PersonId
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    nip: Annotated[str, StringConstraints(pattern=r"^[0-9]{18}$")] | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    position: str = ""  # jabatan, as printed under a signature
    # unit kerja ("Biro Perencanaan dan Manajemen Kinerja"): the drafting team is named from
    # the staff of the unit of whoever names it
    unit: Annotated[str, StringConstraints(max_length=200)] = ""
    roles: tuple[str, ...] = ()
    lang: Literal["id", "en"] = "id"
    active: bool = True

    @field_validator("nip", mode="before")
    @classmethod
    def _nip_as_text(cls, value: object) -> object:
        # YAML reads an unquoted NIP as a number; its digits are what counts. A NIP starts
        # with a birth year, so no leading zero is lost.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class Acting(BaseModel):
    """``person`` stands in for ``for_person`` from ``start`` to ``end`` (inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    person: PersonId
    for_person: PersonId = Field(alias="for")
    kind: Literal["plh", "plt"]
    start: date
    end: date


class Directory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    people: tuple[Person, ...]
    acting: tuple[Acting, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Directory:
        ids = [p.id for p in self.people]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"person ids used twice: {', '.join(dupes)}")
        known = set(ids)
        for a in self.acting:
            for pid in (a.person, a.for_person):
                if pid not in known:
                    raise ValueError(f"acting appointment names unknown person {pid}")
            if a.end < a.start:
                raise ValueError(f"acting appointment of {a.person} ends before it starts")
        return self

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def holders(self, role: str) -> list[Person]:
        return [p for p in self.people if p.active and role in p.roles]

    def deputies_of(self, person_id: str) -> list[Deputy]:
        return [
            Deputy(person=a.person, kind=a.kind, start=a.start, end=a.end)
            for a in self.acting
            if a.for_person == person_id
        ]

    def assignee(self, person_id: str) -> Assignee:
        return Assignee(person=person_id, deputies=self.deputies_of(person_id))

    def acting_for(self, person_id: str, day: date) -> Acting | None:
        """The acting official standing in for ``person_id`` on ``day``, if any."""
        return next(
            (a for a in self.acting if a.for_person == person_id and a.start <= day <= a.end),
            None,
        )


def record_name(
    directory: Directory | None,
    person_id: str | None,
    *,
    ops: Sequence[str],
    bureau: Sequence[str],
    lang: Lang = DEFAULT_LANG,
) -> str:
    """Who acted, as every page and printed record names them: a directory name, or the unit
    an ops or bureau identity stands for, never its sign-in name ("biro", "ops"). Empty when
    nobody is named; the id itself for someone the directory no longer lists."""
    if person_id and person_id in ops:
        return text(lang, "ops_name")
    if person_id and person_id in bureau:
        return text(lang, "kind_bureau")
    found = directory.person(person_id) if directory is not None and person_id else None
    return found.name if found else (person_id or "")


class DirectoryError(ValueError):
    pass


# Keyed on the modification time in nanoseconds and the size: a rewrite within one tick of
# a coarse file-system clock still shows up as a different size.
_cache: dict[Path, tuple[tuple[int, int], Directory]] = {}


# A file edited into an invalid state, by path: its stamp and what is wrong with it. While
# it stands, the directory last read from that file stays in use.
_rejected: dict[Path, tuple[tuple[int, int], str]] = {}


def load_directory(path: Path) -> Directory:
    """The directory in ``path``, re-read whenever the file changes. A change that makes the
    file invalid is reported (logged once, ``directory_problem``) and the directory as last
    read from it stays in use: a typo must not stop every mail and page. A process that has
    not read the file yet has nothing to fall back on, and raises."""
    path = Path(path)
    cached = _cache.get(path)
    try:
        info = os.stat(path)
    except FileNotFoundError as err:
        if cached is None:
            raise DirectoryError(f"directory file not found: {path}") from err
        info = None  # deleted: the last reading stays, as for an invalid edit
    stamp = (info.st_mtime_ns, info.st_size) if info else (-1, -1)
    if cached and cached[0] == stamp:
        # The good file again (restored with its old time and size, as cp -p does).
        _rejected.pop(path, None)
        return cached[1]
    rejected = _rejected.get(path)
    if cached and rejected and rejected[0] == stamp:
        return cached[1]
    try:
        if info is None:
            raise DirectoryError(f"directory file not found: {path}")
        directory = _read(path)
    except DirectoryError as err:
        if cached is None:
            raise
        _rejected[path] = (stamp, str(err))
        log.error("%s\nthe directory as last read stays in use until the file is fixed", err)
        return cached[1]
    _rejected.pop(path, None)
    _cache[path] = (stamp, directory)
    return directory


def directory_problem(path: Path) -> str | None:
    """What is wrong with the file at ``path`` while an earlier reading of it stays in use
    (``load_directory``), else None."""
    rejected = _rejected.get(Path(path))
    return rejected[1] if rejected else None


def _read(path: Path) -> Directory:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        directory = Directory.model_validate(raw)
    except ValidationError as err:
        raise DirectoryError(f"directory file {path} is not valid:\n{_explain(err, raw)}") from err
    except yaml.MarkedYAMLError as err:
        # Only where it broke: YAML's own message quotes the line, which may hold a name,
        # an email or a NIP, and this message reaches logs and workflow history.
        mark = err.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise DirectoryError(
            f"directory file {path} is not valid YAML{where}: {err.problem or 'syntax error'}"
        ) from None
    except (yaml.YAMLError, ValueError) as err:
        raise DirectoryError(f"directory file {path} is not valid: {type(err).__name__}") from None
    return directory


def _explain(err: ValidationError, raw: object) -> str:
    """One line per problem, naming the person by id where the location allows it."""
    lines = []
    for problem in err.errors():
        loc = problem["loc"]
        where = ".".join(str(part) for part in loc) or "the file"
        if len(loc) >= 2 and loc[0] in ("people", "acting") and isinstance(loc[1], int):
            entries = raw.get(loc[0]) if isinstance(raw, dict) else None
            entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
            if isinstance(entry, dict):
                who = entry.get("id") if loc[0] == "people" else entry.get("person")
                if who is not None:
                    where = f"{where} ({who})"
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)
