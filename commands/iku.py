"""The ``iku`` command: small tools for running the IKU SOP by hand.

``main()`` only dispatches: each subcommand is one ``add_<name>(subparsers)`` function that
registers its parser and sets ``handler``; to add one, write the function and list it in
``SUBCOMMANDS``. A handler returns the exit code: 0 done, 2 refused (bad input, nothing
changed), 1 failed (the machine would not let us).
"""

from __future__ import annotations

import argparse
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from commands import cluster
from common.documents import (
    DocumentStore,
    DocumentTooLarge,
    EmptyDocument,
    StoreUnavailable,
    display_name,
    open_document_store,
)
from common.filetypes import EXTENSIONS, UnsupportedDocument
from common.models import Attachment, DocumentRef
from common.settings import Settings, get_settings
from workflows.sop import DOC_KINDS

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REFUSED = 2

_CHUNK = 1024 * 1024

Subparsers = argparse._SubParsersAction  # argparse exposes no public name for it


class Refused(Exception):
    """Bad input: say why on stderr and exit 2, having changed nothing."""


def _kinds_listing() -> str:
    width = max(len(code) for code in DOC_KINDS)
    return "\n".join(
        f"  {code:<{width}}  {kind.name_id} — {kind.name_en}" for code, kind in DOC_KINDS.items()
    )


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


# --- iku store -------------------------------------------------------------------------

STORE_DESCRIPTION = """\
Put a document into the IKU document store and print its reference as JSON.

The file's type is judged by its content, never by its name: PDF, Word (.docx),
Excel (.xlsx), OpenDocument (.odt, .ods), PNG and JPEG are accepted; anything else
(programs, archives, macro-enabled or password-protected documents, damaged files)
is refused and nothing is stored. Files larger than the upload limit
(IKU_MAX_UPLOAD_BYTES) are refused too.

The store is the folder IKU_DOCUMENTS_DIR, by default <IKU_DATA_DIR>/documents.
Storing the same bytes twice gives the same reference and keeps one copy.

Without --kind it prints the document reference:
  {"key": "sha256/…", "sha256": "…", "size": 1234, "name": "tor.pdf",
   "media_type": "application/pdf"}
With --kind it prints an attachment, ready to paste into the "documents" list of a
decision given with the Temporal CLI:
  {"kind": "tor", "ref": {…}}
"""

STORE_EPILOG = "document kinds (--kind):\n" + _kinds_listing()


def add_store(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "store",
        help="store a document and print its reference (JSON)",
        description=STORE_DESCRIPTION,
        epilog=STORE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="the document to store")
    parser.add_argument(
        "--name",
        help="the name shown to people (default: the file's own name, without folders)",
    )
    parser.add_argument(
        "--kind",
        metavar="KIND",
        help="print an attachment of this document kind (listed below) instead of a bare reference",
    )
    parser.set_defaults(handler=run_store)


def run_store(args: argparse.Namespace) -> int:
    kind: str | None = args.kind
    if kind is not None and kind not in DOC_KINDS:
        raise Refused(f"unknown document kind {kind!r}. The kinds are:\n{_kinds_listing()}")
    source: Path = args.file
    settings = _settings()
    size = _check_source(source, settings.max_upload_bytes)
    name = display_name(args.name if args.name is not None else source.name)
    store = open_document_store(settings)
    try:
        with source.open("rb") as handle:
            ref = store_checked(store, handle, name, settings.max_upload_bytes)
    except UnsupportedDocument as err:
        raise Refused(f"{source}: not stored: {err.message} [{err.code}]") from err
    except DocumentTooLarge as err:  # the file grew after we looked at it
        raise Refused(f"{source}: not stored: larger than the limit ({_size(err.limit)})") from err
    except EmptyDocument as err:
        raise Refused(f"{source}: not stored: the file is empty") from err
    except StoreUnavailable as err:
        raise Refused(f"{source}: not stored: {err}; try again later") from err
    payload = ref if kind is None else Attachment(kind=kind, ref=ref)
    print(payload.model_dump_json())
    print(
        f"stored {ref.name!r} ({ref.media_type}, {_size(size)}) as {ref.key} in {store.describe()}",
        file=sys.stderr,
    )
    return EXIT_OK


def _settings() -> Settings:
    try:
        return get_settings()
    except ValidationError as err:
        raise Refused(f"the IKU_* settings are not valid:\n{err}") from err


def _check_source(source: Path, limit: int) -> int:
    """The size of the regular, non-empty file at ``source``, within ``limit``."""
    try:
        info = source.stat()
    except FileNotFoundError as err:
        raise Refused(f"{source}: no such file") from err
    except OSError as err:
        raise Refused(f"{source}: cannot be read ({err.strerror})") from err
    if stat.S_ISDIR(info.st_mode):
        raise Refused(f"{source}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise Refused(f"{source}: is not a regular file")
    if info.st_size == 0:
        raise Refused(f"{source}: the file is empty")
    if info.st_size > limit:
        raise Refused(
            f"{source}: the file is {_size(info.st_size)}, over the upload limit of "
            f"{_size(limit)} (IKU_MAX_UPLOAD_BYTES)"
        )
    return info.st_size


def store_checked(store: DocumentStore, source: BinaryIO, name: str, limit: int) -> DocumentRef:
    """Copy ``source`` into the store, judging its type on the copy itself.

    The bytes are spooled inside the store first and their type is detected there, so the
    type recorded is that of exactly the bytes stored; a refused file leaves nothing.
    """
    spool = store.spool(limit)
    try:
        for chunk in iter(lambda: source.read(_CHUNK), b""):
            spool.write(chunk)
        return spool.commit(name, spool.media_type())
    finally:
        spool.discard()


# --- the dispatcher --------------------------------------------------------------------

DESCRIPTION = """\
Tools for the IKU SOP ("Penyusunan Indikator Kinerja Utama Kementerian") system.

Settings come from IKU_* environment variables, as for the worker and the web app
(for example IKU_DATA_DIR=/srv/iku). Run "iku COMMAND --help" for one command.
"""


def add_reporting(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "reporting",
        help="the reporting database (the bureau's record of every step event)",
        description="The reporting database: IKU_REPORTING_DATABASE_URL, or SQLite in the "
        "data folder.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    backfill = actions.add_parser(
        "backfill",
        help="rebuild it from the archives and the running processes",
        description="Writes every step event found in the archive bags (IKU_ARCHIVE_DIR) and "
        "in the running processes' status (Temporal at IKU_TEMPORAL_ADDRESS) that the "
        "database does not hold yet. Safe to run again, and beside a running worker.",
    )
    backfill.add_argument(
        "--archives-only", action="store_true", help="do not ask Temporal for running processes"
    )
    backfill.set_defaults(handler=run_backfill)


def run_backfill(args: argparse.Namespace) -> int:
    import asyncio

    from common.temporal import connect
    from reporting.backfill import backfill_archives, backfill_running
    from reporting.database import ReportingDatabase

    settings = _settings()
    db = ReportingDatabase(settings)
    try:
        archived = backfill_archives(db, settings)
        print(
            f"archives: {archived.processes} processes, {archived.events} new events",
            file=sys.stderr,
        )
        skipped = list(archived.skipped)
        if not args.archives_only:

            async def running() -> None:
                client = await connect(settings)
                report = await backfill_running(client, db, settings)
                skipped.extend(report.skipped)
                print(
                    f"running: {report.processes} processes, {report.events} new events",
                    file=sys.stderr,
                )

            try:
                asyncio.run(running())
            except RuntimeError as err:  # Temporal unreachable
                raise Refused(f"Temporal could not be asked for running processes: {err}") from err
        for line in skipped:
            print(f"skipped {line}", file=sys.stderr)
        return EXIT_FAILED if skipped else EXIT_OK
    finally:
        db.dispose()


SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    add_store,
    add_reporting,
    cluster.add_register_search_attributes,
    cluster.add_set_current_version,
    cluster.add_check_worker,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iku",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="accepted documents: " + ", ".join(sorted(set(EXTENSIONS.values()))),
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for add in SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (Refused, cluster.InvalidSettings) as err:
        print(f"iku: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as err:
        print(f"iku: {err}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
