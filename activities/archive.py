"""Step 16, "Mendokumentasikan Indikator Kinerja Utama Kementerian": the archive.

The signed IKU and the whole record of its process become one BagIt bag: every version of
every document, the riwayat, the status, the SOP itself, and ``ringkasan.html``, the
printable record from which the manual copy is printed ("disimpan sebagai data elektronik
dan manual").

The bag is written once. It is built in a ``.tmp-`` folder next to its final place,
validated, and only then renamed into place, so a retry finds either nothing or a whole
bag. The final folder is keyed by the workflow run, so a retry of the same activity finds
the bag its earlier attempt made.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import bagit
from jinja2 import Environment, StrictUndefined
from temporalio import activity
from temporalio.exceptions import ApplicationError

from common.archive_bag import (
    BAG_CHECKSUMS,
    BAG_TIMESTAMP_FIELD,
    BROKEN_PREFIX,
    TEMP_PREFIX,
    UnsafeBagName,
    bag_name,
    payload_path,
    read_archive_info,
    validate_bag,
)
from common.directory import Directory, load_directory
from common.documents import DocumentStore
from common.labels import EVENTS, STATES
from common.labels import label as label_of
from common.models import (
    Action,
    ArchiveInfo,
    ArchiveRequest,
    Document,
    DocumentRef,
    HistoryEntry,
    Mark,
)
from common.settings import Settings
from signing.ca import CertificateAuthority
from signing.verify import NotAPdf, verify_pdf
from workflows.sop import DOC_KINDS, ROLES, SOP_HEADER, STEP_BY_NUMBER, STEPS

T = TypeVar("T")

SOURCE_ORGANIZATION = "Kementerian Ketenagakerjaan Republik Indonesia"
CONTACT_NAME = "Biro Perencanaan dan Manajemen Kinerja"
_HEARTBEAT_SECONDS = 5.0
_CHUNK = 1024 * 1024

# bagit.make_bag changes the working directory of the whole process while it works. The
# worker runs other activities in threads at the same time, and paths in settings may be
# relative, so make_bag runs in a child process of its own. -I: nothing from the
# environment or the current folder can change what the child imports.
_MAKE_BAG = (
    "import json, sys, bagit; "
    "bagit.make_bag(sys.argv[1], json.load(sys.stdin), checksums=sys.argv[2].split(','))"
)


class ArchiveActivities:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = DocumentStore(settings.documents_dir)

    @activity.defn(name="build_archive")
    async def build_archive(self, request: ArchiveRequest) -> ArchiveInfo:
        run_id = activity.info().workflow_run_id or ""
        try:
            name = bag_name(request.workflow_id, run_id)
        except UnsafeBagName as err:
            raise ApplicationError(
                str(err), type="InvalidArchiveRequest", non_retryable=True
            ) from err
        archive_dir = await asyncio.to_thread(_ready_dir, self.settings.archive_dir)
        final = archive_dir / name

        # A retry after a successful rename: the bag is already there.
        if await asyncio.to_thread(os.path.lexists, final):
            ok, problem = await _heartbeating(
                asyncio.to_thread(validate_bag, final), "validating the existing archive"
            )
            if ok:
                return await asyncio.to_thread(read_archive_info, final, True)
            aside = await asyncio.to_thread(_set_aside, final)
            activity.logger.warning(
                "archive %s did not validate and was moved to %s: %s",
                name,
                aside.name,
                problem,
            )

        await self._check_store(request.documents)

        created_at = datetime.now(UTC)
        tmp = Path(
            await asyncio.to_thread(
                tempfile.mkdtemp, prefix=f"{TEMP_PREFIX}{name}-", dir=archive_dir
            )
        )
        try:
            expected = await self._copy_documents(tmp, request.documents)
            await _heartbeating(
                asyncio.to_thread(
                    _write_records, tmp, request, run_id, name, created_at, self.settings
                ),
                "writing the records",
            )
            await _heartbeating(
                self._write_signatures(tmp, request, created_at), "validating the signatures"
            )
            await _make_bag(tmp, _bag_info(request, created_at, self._tz()))
            await _heartbeating(
                asyncio.to_thread(_check_new_bag, tmp, expected), "validating the new archive"
            )
            await asyncio.to_thread(_sync_tree, tmp)
            try:
                os.rename(tmp, final)
            except OSError:
                # Another attempt of this same activity (one that timed out but kept
                # running) renamed its bag first. If that bag is whole, it is the answer.
                ok, _ = await asyncio.to_thread(validate_bag, final)
                if not ok:
                    raise
            else:
                await asyncio.to_thread(_sync_dir, archive_dir)
        finally:
            # Synchronous on purpose: it must run even when the activity is cancelled.
            shutil.rmtree(tmp, ignore_errors=True)

        info = await asyncio.to_thread(read_archive_info, final, True)
        activity.logger.info(
            "archive %s built: %d payload files, %d bytes", name, info.files, info.bytes
        )
        return info

    async def _write_signatures(
        self, folder: Path, request: ArchiveRequest, created_at: datetime
    ) -> None:
        """tte/: the CA certificate and CRL, and the validation report of every signature in
        the signed IKU, so the archive verifies offline years later (``iku verify`` with
        IKU_SIGNING_DIR pointing at a folder holding ca/ca.pem and ca/crl.pem)."""
        ca = CertificateAuthority(self.settings.signing_dir)
        if not ca.exists():
            return
        target = folder / "tte"
        await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copyfile, ca.cert_path, target / "ca.pem")
        await asyncio.to_thread(shutil.copyfile, ca.crl_path, target / "crl.pem")
        signed = [d for d in request.documents if d.kind == "iku"]
        report: dict[str, Any] = {"validated_at": created_at.isoformat(), "documents": []}
        for document in signed[-1:]:
            with self.store.open(document.ref) as handle:
                data = await asyncio.to_thread(handle.read)
            try:
                checked = (await verify_pdf(data, self.settings.signing_dir)).as_json()
            except NotAPdf:
                checked = {"sha256": document.ref.sha256, "signatures": [], "valid": False}
            report["documents"].append(
                {"kind": document.kind, "version": document.version, "report": checked}
            )
        await asyncio.to_thread(_write_json, target / "validasi.json", report)

    def _tz(self) -> tzinfo:
        return ZoneInfo(self.settings.timezone)

    async def _check_store(self, documents: list[Document]) -> None:
        """Fail for good, naming the keys, when the store lost or changed a document."""
        refs = list({doc.ref.key: doc.ref for doc in documents}.values())
        missing: list[str] = []
        for number, ref in enumerate(refs, start=1):
            if not await asyncio.to_thread(self.store.holds, ref):
                missing.append(ref.key)
            activity.heartbeat(f"checked document {number}/{len(refs)}")
        if missing:
            # A retry cannot bring bytes back; ops must restore them, then rerun step 16.
            raise ApplicationError(
                "the document store does not hold the exact bytes of " + ", ".join(missing),
                missing,
                type="DocumentMissing",
                non_retryable=True,
            )

    async def _copy_documents(self, folder: Path, documents: list[Document]) -> dict[str, str]:
        """Copy every version into the future payload; return {bag path: sha256}."""
        expected: dict[str, str] = {}
        for number, doc in enumerate(documents, start=1):
            rel = payload_path(doc)
            if rel not in expected:  # the same version listed twice is copied once
                expected[rel] = doc.ref.sha256
                # make_bag moves the folder's contents under data/: write them without it.
                target = folder / rel.removeprefix("data/")
                await _heartbeating(
                    asyncio.to_thread(_copy, self.store, doc.ref, target),
                    f"copying document {number}/{len(documents)}",
                )
            activity.heartbeat(f"copied document {number}/{len(documents)}")
        return expected


# --- the blocking parts (run in threads or a child process) -----------------------------


async def _heartbeating(
    work: Awaitable[T], detail: str, on_cancel: Callable[[], None] | None = None
) -> T:
    """Await ``work`` while heartbeating, so long file work neither times out nor hides
    a cancellation. On cancellation wait for the work to stop (a thread cannot be
    stopped) so that the caller's clean-up never races it."""
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=_HEARTBEAT_SECONDS)
            if done:
                return task.result()
            activity.heartbeat(detail)
    except asyncio.CancelledError:
        if on_cancel is not None:
            on_cancel()
        await asyncio.wait({task})
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not report it as lost
        raise


async def _make_bag(folder: Path, bag_info: dict[str, str]) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-c",
        _MAKE_BAG,
        str(folder),
        ",".join(BAG_CHECKSUMS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(folder.parent),
    )

    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()

    _, stderr = await _heartbeating(
        process.communicate(json.dumps(bag_info).encode()), "making the bag", on_cancel=kill
    )
    if process.returncode != 0:
        lines = stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(
            f"bagit could not make the bag (exit {process.returncode}): "
            + (lines[-1][:500] if lines else "no message")
        )


def _ready_dir(folder: Path) -> Path:
    folder = Path(folder).absolute()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _copy(store: DocumentStore, ref: DocumentRef, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.open(ref) as source, target.open("xb") as out:
        shutil.copyfileobj(source, out, _CHUNK)


def _check_new_bag(folder: Path, expected: dict[str, str]) -> None:
    ok, problem = validate_bag(folder)
    if not ok:
        raise RuntimeError(f"the new archive did not validate: {problem}")
    # The manifest must record, for every document, the sha256 the workflow knows: this
    # catches bytes that changed in the store between the check and the copy.
    entries = bagit.Bag(str(folder)).entries
    for rel, sha256 in expected.items():
        if entries.get(rel, {}).get("sha256") != sha256:
            raise RuntimeError(f"{rel} in the new archive is not document sha256/{sha256}")


def _sync_tree(folder: Path) -> None:
    """fsync every file and folder, so a crash after the rename cannot leave a final
    folder of empty files behind."""
    for dirpath, _, files in os.walk(folder, topdown=False):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _sync_dir(Path(dirpath))


def _sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _set_aside(final: Path) -> Path:
    """Move a damaged bag out of the way, keeping it for ops to look at."""
    n = 1
    while True:
        aside = final.with_name(f"{BROKEN_PREFIX}{final.name}-{n}")
        if not aside.exists() and not aside.is_symlink():
            os.rename(final, aside)
            return aside
        n += 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _bag_info(request: ArchiveRequest, created_at: datetime, tz: tzinfo) -> dict[str, str]:
    info = {
        "Source-Organization": SOURCE_ORGANIZATION,
        "Contact-Name": CONTACT_NAME,
        "External-Identifier": request.workflow_id,
        "External-Description": f"{SOP_HEADER['nama_sop']} — {request.process.title}",
        "Internal-Sender-Identifier": request.process.sop_number,
        "Bagging-Date": created_at.astimezone(tz).date().isoformat(),
        BAG_TIMESTAMP_FIELD: created_at.isoformat(),
    }
    # A tag file is one field per line: a title typed with line breaks must not break it.
    return {key: _one_line(value) for key, value in info.items()}


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_records(
    folder: Path,
    request: ArchiveRequest,
    run_id: str,
    name: str,
    created_at: datetime,
    settings: Settings,
) -> None:
    """riwayat.json, status.json, sop.json and ringkasan.html (all land under data/)."""
    _write_json(
        folder / "riwayat.json",
        [entry.model_dump(mode="json") for entry in request.status.history],
    )
    _write_json(folder / "status.json", request.status.model_dump(mode="json"))
    _write_json(folder / "sop.json", sop_record(request, run_id))
    directory = load_directory(settings.directory_file)
    html = render_ringkasan(
        request, run_id, name, created_at, directory, ZoneInfo(settings.timezone)
    )
    (folder / "ringkasan.html").write_text(html, encoding="utf-8")


def sop_record(request: ArchiveRequest, run_id: str) -> dict[str, Any]:
    """The SOP as run: its header, this process, and the 16 steps."""
    process = request.process
    return {
        **SOP_HEADER,
        "sop_number": process.sop_number,
        "year": process.year,
        "code": process.code,
        "title": process.title,
        "revision": process.revision,
        "workflow_id": request.workflow_id,
        "run_id": run_id,
        "steps": [
            {
                "number": s.number,
                "role": s.role,
                "role_name": ROLES[s.role].name_id,
                "activity": s.activity_id,
                "requires": list(s.requires),
                "produces": list(s.produces),
            }
            for s in STEPS
        ],
    }


# --- the printable record ---------------------------------------------------------------

_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_ACTIONS = {
    Action.SUBMIT: "Ajukan",
    Action.APPROVE: "Setujui",
    Action.RETURN: "Kembalikan untuk diperbaiki",
    Action.HAND_OVER: "Serahkan",
    Action.ARCHIVE: "Arsipkan",
}
_HEADER_LABELS = {
    "instansi": "Instansi",
    "unit": "Unit kerja",
    "nama_sop": "Nama SOP",
    "name_en": "Nama SOP (English)",
    "disahkan_oleh": "Disahkan oleh",
    "dasar_hukum": "Dasar hukum",
    "kualifikasi_pelaksana": "Kualifikasi pelaksana",
    "keterkaitan": "Keterkaitan",
    "peralatan": "Peralatan/perlengkapan",
    "peringatan": "Peringatan",
    "pencatatan": "Pencatatan dan pendataan",
}


@dataclass(frozen=True)
class Who:
    """A person as the printed record names them, resolved from the directory."""

    name: str
    nip: str | None
    position: str
    acting: str | None = None  # "Plh" / "Plt" when standing in for someone
    for_name: str | None = None
    for_position: str | None = None


def _when(moment: datetime, tz: tzinfo) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    return (
        f"{local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H.%M} {local.tzname() or ''}".rstrip()
    )


def _size(n: int) -> str:
    return f"{n:,}".replace(",", ".") + " byte"


def _acting_kind(directory: Directory, person: str, for_person: str, day: date) -> str:
    """Plh or Plt, from the appointment that covered that day (any of the pair if the
    dates were changed since), for records made before they kept the kind themselves."""
    pair = [a for a in directory.acting if a.person == person and a.for_person == for_person]
    covering = [a for a in pair if a.start <= day <= a.end]
    chosen = covering or pair
    return chosen[0].kind.title() if chosen else "Plh/Plt"


def resolve_who(
    directory: Directory,
    person_id: str,
    acting_for: str | None,
    at: datetime,
    tz: tzinfo,
    role: str | None = None,
    acting_kind: str | None = None,
) -> Who:
    role_name = ROLES[role].name_id if role in ROLES else ""
    person = directory.person(person_id)
    if person is None:
        # Not a directory id (ops, the system) or a person since removed: print it as is.
        who = Who(name=person_id, nip=None, position="")
    else:
        who = Who(name=person.name, nip=person.nip, position=person.position or role_name)
    if not acting_for:
        return who
    absent = directory.person(acting_for)
    day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(tz).date()
    return Who(
        name=who.name,
        nip=who.nip,
        position=who.position,
        acting=acting_kind.title()
        if acting_kind
        else _acting_kind(directory, person_id, acting_for, day),
        for_name=absent.name if absent else acting_for,
        for_position=(absent.position if absent and absent.position else role_name),
    )


def _step_label(number: int | None) -> str:
    if number is None:
        return ""
    known = STEP_BY_NUMBER.get(number)
    return f"{number} · {ROLES[known.role].short}" if known else str(number)


def _kind_name(kind: str) -> str:
    return DOC_KINDS[kind].name_id if kind in DOC_KINDS else kind


def _checklist_text(entry: HistoryEntry) -> list[str]:
    known = STEP_BY_NUMBER.get(entry.step or 0)
    texts = {item.code: item.text_id for item in known.checklist} if known else {}
    lines = []
    for answer in entry.checklist:
        line = f"{'✓' if answer.ok else '✗'} {texts.get(answer.item, answer.item)}"
        lines.append(f"{line}: {answer.remark}" if answer.remark else line)
    return lines


def render_ringkasan(
    request: ArchiveRequest,
    run_id: str,
    name: str,
    created_at: datetime,
    directory: Directory,
    tz: tzinfo,
) -> str:
    """The printable record, in Bahasa Indonesia, self-contained; everything escaped."""
    status = request.status
    paths = {(d.kind, d.version, d.ref.sha256): payload_path(d) for d in request.documents}

    def who(
        person: str,
        acting_for: str | None,
        at: datetime,
        step: int | None,
        acting_kind: str | None = None,
    ) -> Who:
        role = STEP_BY_NUMBER[step].role if step in STEP_BY_NUMBER else None
        return resolve_who(directory, person, acting_for, at, tz, role, acting_kind)

    def mark_row(mark: Mark) -> dict[str, Any]:
        return {
            "kind": "Paraf" if mark.kind == "paraf" else "Tanda tangan",
            "step": _step_label(mark.step),
            "who": who(mark.person, mark.acting_for, mark.at, mark.step, mark.acting_kind),
            "at": _when(mark.at, tz),
            "document": f"{_kind_name(mark.document_kind)}, versi {mark.version}",
            "sha256": mark.sha256,
            "path": paths.get((mark.document_kind, mark.version, mark.sha256)),
        }

    marks = [mark_row(m) for m in sorted(status.parafs, key=lambda m: (m.step, m.at))]
    if status.signature is not None:
        marks.append(mark_row(status.signature))
    documents = [
        {
            "step": _step_label(d.step),
            "kind": _kind_name(d.kind),
            "version": d.version,
            "name": d.ref.name,
            "size": _size(d.ref.size),
            "media_type": d.ref.media_type,
            "by": who(d.by, None, d.at, None).name,
            "at": _when(d.at, tz),
            "sha256": d.ref.sha256,
            "path": payload_path(d),
        }
        for d in sorted(request.documents, key=lambda d: (d.step, d.kind, d.version))
    ]
    history = []
    for entry in status.history:
        person = (
            who(entry.person, entry.acting_for, entry.at, entry.step, entry.acting_kind)
            if entry.person
            else None
        )
        history.append(
            {
                "seq": entry.seq,
                "at": _when(entry.at, tz),
                "event": label_of(EVENTS, entry.event.value),
                "step": _step_label(entry.step),
                "round": entry.round or "",
                "person": person,
                "action": _ACTIONS.get(entry.action, "") if entry.action else "",
                "note": entry.note,
                "checklist": _checklist_text(entry),
                "documents": [
                    f"{_kind_name(v.kind)} v{v.version} ({v.sha256[:12]})" for v in entry.documents
                ],
                "detail": entry.detail,
            }
        )
    team = []
    if status.team is not None:
        for member in status.team.members:
            person = directory.person(member)
            label = person.name if person else member
            team.append(f"{label} (ketua)" if member == status.team.leader else label)
    header = [(_HEADER_LABELS.get(key, key), value) for key, value in SOP_HEADER.items()]
    return _TEMPLATE.render(
        header=header,
        process=request.process,
        workflow_id=request.workflow_id,
        run_id=run_id,
        state=label_of(STATES, status.state.value),
        cancel_reason=status.cancel_reason,
        team=team,
        marks=marks,
        documents=documents,
        history=history,
        bag_name=name,
        created=_when(created_at, tz),
        checksums=", ".join(BAG_CHECKSUMS),
    )


_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_env.tests["list"] = lambda value: isinstance(value, list)

_TEMPLATE = _env.from_string(
    """<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Arsip {{ process.title }} — {{ workflow_id }}</title>
<style>
  @page { size: A4; margin: 18mm 15mm; }
  body { font-family: "Times New Roman", Georgia, serif; font-size: 11pt; color: #000;
         margin: 0 auto; max-width: 190mm; line-height: 1.35; }
  h1 { font-size: 15pt; text-align: center; margin: 0 0 2mm; text-transform: uppercase; }
  h1 + p { text-align: center; margin: 0 0 6mm; }
  h2 { font-size: 12pt; border-bottom: 1px solid #000; margin: 7mm 0 2mm;
       break-after: avoid; page-break-after: avoid; }
  table { width: 100%; border-collapse: collapse; margin: 2mm 0; }
  th, td { border: 1px solid #444; padding: 1.2mm 1.6mm; vertical-align: top;
           text-align: left; }
  th { background: #eee; font-weight: bold; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  table.fields th { width: 32%; }
  ul { margin: 0; padding-left: 5mm; }
  .mono { font-family: "DejaVu Sans Mono", "Courier New", monospace; font-size: 8pt;
          word-break: break-all; }
  .small { font-size: 9pt; }
  .acting { font-weight: bold; }
  footer { margin-top: 8mm; font-size: 9pt; border-top: 1px solid #000; padding-top: 2mm; }
  @media print { th { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
</style>
</head>
<body>
<h1>Dokumentasi Indikator Kinerja Utama Kementerian</h1>
<p>{{ process.title }}<br>Tahun {{ process.year }}</p>

<h2>Standar Operasional Prosedur</h2>
<table class="fields">
  <tr><th>Nomor SOP</th><td>{{ process.sop_number }}</td></tr>
{% for label, value in header %}
  <tr><th>{{ label }}</th><td>
  {% if value is list %}<ul>{% for item in value %}<li>{{ item }}</li>{% endfor %}</ul>
  {% else %}{{ value }}{% endif %}
  </td></tr>
{% endfor %}
</table>

<h2>Proses</h2>
<table class="fields">
  <tr><th>Judul</th><td>{{ process.title }}</td></tr>
  <tr><th>Tahun</th><td>{{ process.year }}</td></tr>
  <tr><th>Kode</th><td>{{ process.code }}</td></tr>
{% if process.revision %}
  <tr><th>Revisi</th><td>{{ process.revision }}</td></tr>
{% endif %}
  <tr><th>ID proses (workflow)</th><td class="mono">{{ workflow_id }}</td></tr>
  <tr><th>ID run</th><td class="mono">{{ run_id }}</td></tr>
  <tr><th>Status</th><td>{{ state }}{% if cancel_reason %}: {{ cancel_reason }}{% endif %}</td></tr>
{% if team %}
  <tr><th>Tim Penyusunan</th><td><ul>
  {% for member in team %}<li>{{ member }}</li>{% endfor %}
  </ul></td></tr>
{% endif %}
</table>

<h2>Paraf dan Tanda Tangan</h2>
{% if marks %}
<table>
  <tr><th>Langkah</th><th>Jenis</th><th>Oleh</th><th>Waktu</th><th>Dokumen</th></tr>
{% for m in marks %}
  <tr>
    <td>{{ m.step }}</td>
    <td>{{ m.kind }}</td>
    <td>
{% if m.who.acting %}
      <span class="acting">{{ m.who.acting }}. {{ m.who.for_position }}</span><br>
{% elif m.who.position %}
      {{ m.who.position }}<br>
{% endif %}
      <strong>{{ m.who.name }}</strong>
{% if m.who.nip %}<br>NIP {{ m.who.nip }}{% endif %}
{% if m.who.acting %}
      <br><span class="small">{{ m.who.acting }} menggantikan {{ m.who.for_name }}</span>
{% endif %}
    </td>
    <td>{{ m.at }}</td>
    <td>{{ m.document }}<br><span class="mono">sha256 {{ m.sha256 }}</span>
{% if not m.path %}<br><span class="small">(versi ini tidak ada di arsip)</span>{% endif %}
    </td>
  </tr>
{% endfor %}
</table>
{% else %}
<p>Belum ada paraf atau tanda tangan.</p>
{% endif %}

<h2>Daftar Dokumen</h2>
<table>
  <tr><th>Langkah</th><th>Dokumen</th><th>Versi</th><th>Berkas</th><th>Diunggah</th></tr>
{% for d in documents %}
  <tr>
    <td>{{ d.step }}</td>
    <td>{{ d.kind }}</td>
    <td>{{ d.version }}</td>
    <td>{{ d.name }}<br><span class="small">{{ d.media_type }}, {{ d.size }}</span><br>
      <span class="mono">sha256 {{ d.sha256 }}</span><br>
      <span class="mono">{{ d.path }}</span></td>
    <td>{{ d.by }}<br><span class="small">{{ d.at }}</span></td>
  </tr>
{% endfor %}
</table>

<h2>Riwayat</h2>
<table class="small">
  <tr><th>No</th><th>Waktu</th><th>Peristiwa</th><th>Langkah</th><th>Putaran</th><th>Oleh</th><th>Keterangan</th></tr>
{% for h in history %}
  <tr>
    <td>{{ h.seq }}</td>
    <td>{{ h.at }}</td>
    <td>{{ h.event }}{% if h.action %}: {{ h.action }}{% endif %}</td>
    <td>{{ h.step }}</td>
    <td>{{ h.round }}</td>
    <td>
{% if h.person and h.person.acting %}
      <span class="acting">{{ h.person.acting }}</span> {{ h.person.name }}
      (menggantikan {{ h.person.for_name }})
{% elif h.person %}
      {{ h.person.name }}
{% endif %}
    </td>
    <td>
{% if h.note %}{{ h.note }}<br>{% endif %}
{% if h.checklist %}<ul>{% for line in h.checklist %}<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% if h.documents %}{{ h.documents | join(", ") }}<br>{% endif %}
{% if h.detail %}<span class="mono">{{ h.detail }}</span>{% endif %}
    </td>
  </tr>
{% endfor %}
</table>

<footer>
  Dicetak dari arsip elektronik <span class="mono">{{ bag_name }}</span> (BagIt, checksum
  {{ checksums }}), dibuat {{ created }}. Nama, NIP dan jabatan menurut direktori pegawai
  pada saat pengarsipan. Catatan ini adalah salinan manual dari data elektronik tersebut.
</footer>
</body>
</html>
"""
)
