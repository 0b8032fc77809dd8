"""The ``iku`` command: small tools for running the IKU SOP by hand.

``main()`` only dispatches: each subcommand is one ``add_<name>(subparsers)`` function that
registers its parser and sets ``handler``; to add one, write the function and list it in
``SUBCOMMANDS``. A handler returns the exit code: 0 done, 2 refused (bad input, nothing
changed), 1 failed (the machine would not let us); ``verify`` adds 3 (not valid).
"""

from __future__ import annotations

import argparse
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from zoneinfo import ZoneInfo

from commands import cluster, links
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
from common.settings import Settings
from workflows.sop import DOC_KINDS

if TYPE_CHECKING:
    from common.directory import Directory
    from signing.ca import CertificateAuthority

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
        return cluster.settings()
    except cluster.InvalidSettings as err:
        raise Refused(str(err)) from err


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


# --- iku ca ----------------------------------------------------------------------------

CA_DESCRIPTION = """\
The deployment's certificate authority (CA) for electronic signatures (TTE).

  iku ca init                      create the CA and its revocation list (CRL), once
  iku ca issue [--directory FILE]  a signing certificate for every active person of the
                                   directory who has none in force (the CA is created
                                   first when missing), then publishes the CRL again;
                                   --person ID renews one person's (the old
                                   certificate is revoked)
  iku ca list [--ending DAYS]      the certificates in force, the first to end first
                                   (and when the CRL runs out)
  iku ca revoke ID                 revoke a person's certificate and publish the CRL

Everything lives in IKU_SIGNING_DIR (default <IKU_DATA_DIR>/signing): ca/ca.pem (the CA
certificate), ca/crl.pem (the CRL), keys/<person>.p12 (each key, encrypted with the
person's passphrase). Generated passphrases go to <IKU_SIGNING_DIR>/initial-passphrases,
readable by the operator only, to be handed to each person. With IKU_CA_PRIVATE_DIR set,
the CA's key, its passphrase and initial-passphrases live there instead (moved there
from IKU_SIGNING_DIR if an earlier release left them), away from the folder the web
layer and the worker share. With documents on S3 (IKU_DOCUMENT_STORE=s3) the bucket holds
the folder's shared part (never a private file): each action fetches it first, and sends
back what it changed.
"""


def add_ca(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "ca",
        help="the certificate authority: create it, issue signing certificates, revoke",
        description=CA_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create the CA and its CRL")
    init.set_defaults(handler=_ca_action(run_ca_init))
    issue = actions.add_parser("issue", help="issue signing certificates to the directory")
    issue.add_argument(
        "--directory", type=Path, help="the directory file (default: IKU_DIRECTORY_FILE)"
    )
    issue.add_argument("--person", help="issue (renew) only this person's certificate")
    issue.set_defaults(handler=_ca_action(run_ca_issue))
    listing = actions.add_parser(
        "list", help="the signing certificates in force, the first to end first"
    )
    listing.add_argument(
        "--ending",
        type=cluster.number(36_500, whole=True, unit="days"),
        metavar="DAYS",
        help="only those that end within DAYS days",
    )
    listing.set_defaults(handler=_ca_action(run_ca_list, writes=False))
    revoke = actions.add_parser("revoke", help="revoke a person's certificate")
    revoke.add_argument("person", metavar="ID")
    revoke.set_defaults(handler=_ca_action(run_ca_revoke))


def _ca_action(
    handler: Callable[[argparse.Namespace], int], *, writes: bool = True
) -> Callable[[argparse.Namespace], int]:
    """An ``iku ca`` action on the CA as the bucket holds it (with documents on S3), what
    it ``writes`` sent back after; its refusals (the key not found, no CA yet, the bucket
    away) in one line, not a traceback."""

    def run(args: argparse.Namespace) -> int:
        from common.documents import StoreUnavailable
        from signing.ca import CaError
        from signing.folder import CA_FILES, SigningFolder

        folder = SigningFolder(_settings())
        try:
            # What it changes needs the whole folder; reading, the CA's files.
            if writes:
                folder.fetch_all()
            else:
                folder.fetch(*CA_FILES)
            code = handler(args)
            if writes:
                folder.publish_ca()
        except (CaError, StoreUnavailable) as err:
            raise Refused(str(err)) from err
        return code

    return run


def run_ca_init(args: argparse.Namespace) -> int:
    from signing.ca import certificate_authority

    ca = certificate_authority(_settings())
    if ca.init():
        print(f"created the CA in {ca.root}: {ca.cert_path}, CRL {ca.crl_path}")
    else:
        print(f"the CA in {ca.root} already exists; kept as it is")
    return EXIT_OK


def run_ca_issue(args: argparse.Namespace) -> int:
    from common.directory import DirectoryError, load_directory
    from signing.ca import certificate_authority

    settings = _settings()
    try:
        directory = load_directory(args.directory or settings.directory_file)
    except DirectoryError as err:
        raise Refused(str(err)) from err
    ca = certificate_authority(settings)
    if args.person:
        person = directory.person(args.person)
        if person is None:
            raise Refused(f"no person {args.person!r} in the directory")
        if not person.active:
            # As the whole directory's issue skips them: whoever left signs nothing more.
            raise Refused(
                f"{person.id} is not active in the directory (active: false); no certificate "
                "issued (to stop their signing, revoke theirs: iku ca revoke)"
            )
        ca.init()
        _, secret = ca.issue(person)
        issued = [(person.id, secret or "")]
    else:
        issued = ca.ensure_people(list(directory.people))
    for person_id, _ in issued:
        print(f"issued a signing certificate to {person_id}")
    if not issued:
        # Run at every deploy (the compose file's signing-ca step), this keeps the CRL
        # current: a validator refuses one past its next update.
        ca.publish_crl()
        print("every active person already has a signing certificate in force;")
        print(f"the CRL is published again at {ca.crl_path}")
    else:
        print(f"their first passphrases are in {ca.initial_passphrases_path} (operator only)")
    if not args.person:
        _warn_of_leavers(ca, directory)
        _warn_of_roles(ca, directory)
    return EXIT_OK


def _warn_of_leavers(ca: CertificateAuthority, directory: Directory) -> None:
    """Certificates still in force of people the directory no longer lists as active: their
    links stop working, but their key still signs until revoked (a leaver's checklist step
    that is easy to miss; what they signed before stays valid when revoked)."""
    for person_id in sorted({i.person for i in ca.in_force()}):
        person = directory.person(person_id)
        if person is None or not person.active:
            print(
                f"warning: {person_id} is not active in the directory but still has a signing "
                f"certificate in force; revoke it: iku ca revoke {person_id}",
                file=sys.stderr,
            )


def _warn_of_roles(ca: CertificateAuthority, directory: Directory) -> None:
    """Certificates in force that name other roles than the directory now gives their
    holder, or none (issued before certificates named them): ``iku verify`` judges the
    Minister's field by them, so they are renewed one by one (a new key and passphrase)."""
    unnamed = []
    for issued in ca.in_force():
        person = directory.person(issued.person)
        if person is None or not person.active:
            continue  # a leaver: _warn_of_leavers says to revoke
        if issued.roles is None:
            unnamed.append(issued.person)
        elif issued.roles != tuple(sorted(person.roles)):
            print(
                f"warning: the certificate of {issued.person} names the roles "
                f"{', '.join(issued.roles) or 'none'}, the directory now "
                f"{', '.join(sorted(person.roles)) or 'none'}; renew it: "
                f"iku ca issue --person {issued.person}",
                file=sys.stderr,
            )
    if unnamed:
        print(
            f"note: {len(unnamed)} certificate(s) in force name no roles (issued before "
            f"certificates named them: {', '.join(sorted(unnamed))}); iku verify judges the "
            "Minister's field by a certificate's roles once renewed: iku ca issue --person <id>",
            file=sys.stderr,
        )


def run_ca_list(args: argparse.Namespace) -> int:
    from signing.ca import CertificateAuthority

    ca = CertificateAuthority(_settings().signing_dir)  # reading needs no private file
    now = datetime.now(UTC)
    print(f"the CRL runs out {ca.crl().next_update_utc:%Y-%m-%d %H:%M} UTC")
    in_force = sorted(ca.in_force(), key=lambda i: i.not_after)
    if args.ending is not None:
        in_force = [i for i in in_force if i.not_after <= now + timedelta(days=args.ending)]
    for i in in_force:
        left = (i.not_after - now).days
        print(f"{i.person}\tends {i.not_after:%Y-%m-%d} ({left} days)\tserial {i.serial}")
    if not in_force:
        within = f" that ends within {args.ending} days" if args.ending is not None else ""
        print(f"no signing certificate in force{within}")
    return EXIT_OK


def run_ca_revoke(args: argparse.Namespace) -> int:
    from signing.ca import certificate_authority

    ca = certificate_authority(_settings())
    ca.require()  # the CA and its key found, or what to do about it
    count = ca.revoke(args.person)
    if not count:
        raise Refused(f"{args.person} has no certificate in force")
    print(f"revoked {count} certificate(s) of {args.person}; CRL published at {ca.crl_path}")
    return EXIT_OK


# --- iku verify ------------------------------------------------------------------------

VERIFY_DESCRIPTION = """\
Validate every electronic signature (paraf and the Minister's signature) in a PDF against
this deployment's CA and its CRL, offline, and print the report.

Exit code 0 when the document carries at least one signature, every signature is intact and
trusted, and nothing was changed after the last one; 3 when not; 2 when the file cannot be
read as a PDF.

Validated as of now, unless --at names the moment a record proves the document existed by
(the archive's date, in its bag-info.txt and validasi.json): a certificate that ended or was
revoked after it does not undo the signatures, one revoked before it does.
"""

EXIT_INVALID = 3


def add_verify(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="validate the signatures in a PDF against the deployment's CA",
        description=VERIFY_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--at",
        metavar="WHEN",
        help="validate as of this moment, e.g. 2027-03-01T10:00+07:00 (without a zone: "
        "IKU_TIMEZONE's)",
    )
    parser.add_argument(
        "--ca",
        type=Path,
        metavar="FOLDER",
        help="the CA certificate and CRL in FOLDER (ca.pem, crl.pem: an archive's data/tte/) "
        "instead of this deployment's",
    )
    parser.set_defaults(handler=run_verify)


@contextmanager
def _ca_kept_in(folder: Path) -> Iterator[Path]:
    """A signing root holding the CA certificate and CRL kept in ``folder``, as an archive
    keeps them, so a bag is checked with no deployment at all."""
    from signing.folder import VALIDATION

    kept = [folder / Path(name).name for name in VALIDATION]
    if not all(path.is_file() for path in kept):
        raise Refused(f"{folder}: no ca.pem and crl.pem there (an archive keeps them in data/tte/)")
    from signing.ca import CaError

    with tempfile.TemporaryDirectory(prefix="iku-verify-") as root:
        for path, name in zip(kept, VALIDATION, strict=True):
            (Path(root) / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(root) / name)
        try:
            yield Path(root)
        except CaError as err:  # it names the copy, gone by now: name the file kept
            said = str(err)
            for path, name in zip(kept, VALIDATION, strict=True):
                said = said.replace(str(Path(root) / name), str(path))
            raise CaError(said) from err


def _moment(text: str | None, timezone: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Refused(
            f"--at {text!r} is not a date and time; write it like 2027-03-01T10:00+07:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def run_verify(args: argparse.Namespace) -> int:
    import asyncio
    import json

    from common.documents import StoreUnavailable
    from signing.ca import CaError
    from signing.folder import VALIDATION, SigningFolder
    from signing.verify import NotAPdf, verify_pdf

    settings = _settings()
    at = _moment(args.at, settings.timezone)
    _check_source(args.file, 1 << 40)
    try:
        with (
            _ca_kept_in(args.ca)
            if args.ca is not None
            else nullcontext(SigningFolder(settings).fetch(*VALIDATION))
        ) as root:
            report = asyncio.run(verify_pdf(args.file.read_bytes(), root, at))
    except NotAPdf as err:
        raise Refused(f"{args.file}: not a readable PDF ({err})") from err
    except (CaError, StoreUnavailable) as err:
        raise Refused(str(err)) from err
    if args.json:
        print(json.dumps(report.as_json(), indent=2))
    else:
        print(f"{args.file}: sha256 {report.sha256}, {len(report.signatures)} signature(s)")
        if report.validated_at is not None:
            print(f"  validated as of {report.validated_at.isoformat()}")
        for n, sig in enumerate(report.signatures, start=1):
            state = "VALID" if sig.valid else f"INVALID ({sig.problem})"
            when = sig.signed_at.isoformat() if sig.signed_at else "?"
            roles = (
                "roles not in the certificate"
                if sig.roles is None
                else f"certificate roles: {', '.join(sig.roles) or 'none'}"
            )
            print(
                f"  {n}. {sig.kind} by {sig.signer} ({sig.person}; {roles}), {sig.position}, "
                f"{when}: {state}; intact={sig.intact} trusted={sig.trusted}; covers revision "
                f"{sig.revision}, {sig.covers_bytes} bytes, sha256 {sig.signed_sha256}"
            )
        if report.changed_after_last:
            print("  the file was changed after its last signature")
        if not report.signatures:
            print("  the file has no signature")
        elif not report.signed_by_minister:
            print("  no signature of the Minister: a draft, not the signed IKU")
        elif report.minister_certified is False:
            # The field's name is the signer's choice; the certificate's roles are the CA's.
            print(
                "  the Minister's field is signed by a certificate that does not give the "
                "Minister's role: someone acting for the Minister (Plh./Plt.), or not the "
                "Minister at all; the process record says which (its verification page, /v/…)"
            )
        print("VALID" if report.valid else "NOT VALID")
    return EXIT_OK if report.valid else EXIT_INVALID


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
        description="Writes every step event found in the archive bags (in IKU_ARCHIVE_DIR, or "
        "the bucket with IKU_DOCUMENT_STORE=s3) and in the running processes' status "
        "(Temporal at IKU_TEMPORAL_ADDRESS) that the database does not hold yet, and moves "
        "each official numbering sequence past the highest number found given (in the bags, "
        "the running processes, and those closed without an archive), never back; and writes "
        "each number found, with the process it was given to, into the register of numbers "
        "given where it lacks it (a register entry that disagrees is reported as a conflict "
        "and left as it is, exit 1). Safe to run again, and beside a running worker.",
    )
    backfill.add_argument(
        "--archives-only", action="store_true", help="do not ask Temporal for running processes"
    )
    backfill.set_defaults(handler=run_backfill)
    migrate = actions.add_parser(
        "migrate",
        help="create its schema or bring it up to date (Alembic), then exit",
        description="Runs the reporting database's migrations (reporting/migrations) up to "
        "the newest; a no-op when the schema is there. The worker does the same at start; "
        "docker-compose.yml runs this once before the worker and the web layer start.",
    )
    migrate.set_defaults(handler=run_migrate)


def run_migrate(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from reporting.database import failure, head_revision, make_engine, migrate, schema_revision

    url = _settings().reporting_url()
    engine = None
    try:
        engine = make_engine(url)
        before = schema_revision(engine)
        migrate(engine)
        revision = schema_revision(engine)
    except (SQLAlchemyError, ValueError, OSError) as err:
        # The URL may hold a password: say what failed, never the URL.
        print(
            f"iku: the reporting database could not be migrated: {failure(err, url)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        if engine is not None:
            engine.dispose()
    done = "already at" if before == revision else f"migrated from {before or 'empty'} to"
    print(f"reporting database {done} revision {revision}", file=sys.stderr)
    return EXIT_OK if revision == head_revision() else EXIT_FAILED


def run_backfill(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError
    from temporalio.client import Client

    from reporting.backfill import (
        BackfillReport,
        backfill_archives,
        backfill_running,
        numbering_said,
    )
    from reporting.database import ReportingDatabase, failure
    from reporting.register import register_said

    settings = _settings()
    db = ReportingDatabase(settings)
    problems = 0  # things skipped, and register conflicts: exit 1

    def failed(what: str, err: Exception) -> int:
        db.dispose()
        print(f"iku: {what}: {failure(err, settings.reporting_url())}", file=sys.stderr)
        return EXIT_FAILED

    def tell(where: str, report: BackfillReport) -> None:
        nonlocal problems
        closed = f", {report.closed} closed without an archive" if report.closed else ""
        print(
            f"{where}: {report.processes} processes, {report.events} new events{closed}",
            file=sys.stderr,
        )
        for line in report.skipped:
            print(f"skipped {line}", file=sys.stderr)
        problems += len(report.skipped)
        # Each numbering sequence moved past the highest number found given (the database
        # may have been lost, or restored from an older dump).
        print(f"{where}: {numbering_said(report)}", file=sys.stderr)
        # Which process got which number, written back where the register lacks it; a row
        # that disagrees is left for a person to look at.
        for conflict in report.register.conflicts:
            print(f"conflict {conflict}", file=sys.stderr)
        problems += len(report.register.conflicts)
        print(f"{where}: {register_said(report.register)}", file=sys.stderr)

    try:
        _ = db.engine  # opened and migrated first: a database away is said before any work
    except (SQLAlchemyError, ValueError, OSError) as err:
        return failed("the reporting database could not be opened", err)
    try:
        tell("archives", backfill_archives(db, settings))
    except StoreUnavailable as err:
        db.dispose()
        print(f"iku: the archives could not be read: {err}; try again later", file=sys.stderr)
        return EXIT_FAILED
    except SQLAlchemyError as err:
        return failed("the reporting database could not be written", err)
    if args.archives_only:
        db.dispose()
        print(
            "numbering: the processes not archived were not asked (--archives-only): a number "
            "given to one of them is not counted",
            file=sys.stderr,
        )
        return EXIT_FAILED if problems else EXIT_OK

    async def running(client: Client) -> int:
        try:
            tell("running", await backfill_running(client, db, settings))
        except SQLAlchemyError as err:
            return failed("the reporting database could not be written", err)
        db.dispose()
        return EXIT_FAILED if problems else EXIT_OK

    # Temporal away or refusing: one line and exit 1, as every command that asks it.
    return cluster.with_temporal(settings, running)


SUBCOMMANDS: tuple[Callable[[Subparsers], None], ...] = (
    add_store,
    add_reporting,
    add_ca,
    add_verify,
    cluster.add_register_search_attributes,
    cluster.add_set_current_version,
    cluster.add_check_worker,
    links.add_links,
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
    try:
        args = build_parser().parse_args(argv)
        return int(args.handler(args))
    except (Refused, cluster.InvalidSettings) as err:
        print(f"iku: {err}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as err:
        print(f"iku: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:  # Ctrl-C: what was done stays done; no traceback
        print("iku: interrupted", file=sys.stderr)
        return cluster.EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
