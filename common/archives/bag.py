"""The archive of one process (step 16) as a BagIt bag: naming, checking and zipping it.

The activity that builds the bag and the web layer that offers it for download both use
this module, so both agree on where a bag lives, what a valid bag is and what the zip
holds. A bag is a folder ``<archive_dir>/<workflow id>--<run id>`` with the payload under
``data/`` and sha256 and sha512 manifests.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import bagit

from common.archives.metadata import from_bag_info
from common.documents import display_name
from common.models import ArchiveInfo, Document

BAG_CHECKSUMS: tuple[str, ...] = ("sha256", "sha512")
# Bagging-Date holds only a day; this keeps the moment, so a bag found again on a retry
# reports the same created_at as when it was built. BagIt allows fields of one's own.
BAG_TIMESTAMP_FIELD = "Bagging-Timestamp"
TEMP_PREFIX = ".tmp-"
BROKEN_PREFIX = ".broken-"

# Each id at most 120 characters, so a bag name stays under the 255 bytes a name may have.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,240}$")
_CHUNK = 1024 * 1024
_MAX_NAME_BYTES = 120  # leaves room for the "v<n>-<sha>-" prefix under 255 bytes
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')

# bagit logs every payload path it touches; paths carry uploaders' file names, which may
# carry personal data. Our own messages say what failed without them in the log.
logging.getLogger("bagit").setLevel(logging.ERROR)


class UnsafeBagName(ValueError):
    """A bag name that is not one plain path component of ours."""


# --- names -----------------------------------------------------------------------------


def bag_name(workflow_id: str, run_id: str) -> str:
    """The bag folder of one workflow run; both ids must be plain path components."""
    for label, value in (("workflow id", workflow_id), ("run id", run_id)):
        if not _SAFE_ID.fullmatch(value) or ".." in value:
            raise UnsafeBagName(f"the {label} cannot name an archive folder")
    return f"{workflow_id}--{run_id}"


def check_bag_name(name: str) -> str:
    """``name`` if it can be one of our bags (never a temporary or set-aside one)."""
    if "--" not in name or ".." in name or not _SAFE_NAME.fullmatch(name):
        raise UnsafeBagName("not an archive name")
    return name


def resolve_bag(archive_dir: Path, name: str) -> Path:
    """The bag called ``name`` inside ``archive_dir``; refuses anything that is not ours.

    For the web layer: a name from a URL or a status never reaches the file system
    unchecked, and temporary or set-aside folders are never offered.
    """
    check_bag_name(name)
    path = Path(archive_dir) / name
    if not path.is_dir() or path.is_symlink():
        raise FileNotFoundError(f"no archive called {name}")
    return path


def safe_file_name(raw: str | None) -> str:
    """A document's name as a file name inside the bag: readable, never a path.

    Built on ``display_name`` (no folders, no control characters), minus the characters
    Windows refuses (whoever unzips the archive may use it), and short enough in bytes.
    """
    name = _WINDOWS_FORBIDDEN.sub("_", display_name(raw))
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        if not dot or len(ext.encode("utf-8")) > 10:
            stem, dot, ext = name, "", ""
        room = _MAX_NAME_BYTES - len((dot + ext).encode("utf-8"))
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
        name = stem + dot + ext
    return name.strip(" .") or "dokumen"


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", value.lower()).strip("-") or "dokumen"


def payload_path(doc: Document) -> str:
    """Where one version of a document lives in a bag, relative to the bag folder."""
    return (
        f"data/dokumen/{doc.step:02d}-{_slug(doc.kind)}/"
        f"v{doc.version}-{doc.ref.sha256[:12]}-{safe_file_name(doc.ref.name)}"
    )


# --- reading and checking ----------------------------------------------------------------


def payload_stats(path: Path) -> tuple[int, int]:
    """(files, bytes) of the payload, from the bag's Payload-Oxum."""
    oxum = bagit.Bag(str(path)).info.get("Payload-Oxum", "")
    if isinstance(oxum, list):
        oxum = oxum[0]
    size, dot, files = str(oxum).partition(".")  # "<bytes>.<files>"
    if not dot or not size.isdigit() or not files.isdigit():
        raise ValueError("the bag has no readable Payload-Oxum")
    return int(files), int(size)


def read_archive_info(path: Path, valid: bool) -> ArchiveInfo:
    """What the workflow records about a bag that exists (validate it first)."""
    path = Path(path)
    bag = bagit.Bag(str(path))
    files, size = payload_stats(path)
    stamp = bag.info.get(BAG_TIMESTAMP_FIELD)
    try:
        created_at = datetime.fromisoformat(str(stamp))
    except ValueError:
        # A bag made elsewhere: its tag manifest is the last file bagit writes.
        created_at = datetime.fromtimestamp(
            (path / f"tagmanifest-{BAG_CHECKSUMS[0]}.txt").stat().st_mtime, UTC
        )
    return ArchiveInfo(
        path=str(path),
        bag_name=path.name,
        files=files,
        bytes=size,
        valid=valid,
        created_at=created_at,
        metadata=from_bag_info(bag.info),
    )


def validate_bag(path: Path) -> tuple[bool, str | None]:
    """Fully validate a bag (every file re-hashed); on failure say which file, plainly."""
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as err:
        return False, f"This is not a readable archive: {err}"
    except OSError as err:
        return False, f"The archive cannot be read: {err.strerror or err}"
    try:
        bag.validate(fast=False)
    except bagit.BagValidationError as err:
        details = list(err.details)
        if not details:
            # Payload-Oxum (file count and size) fails before any file is hashed, and
            # names no file: find the file ourselves.
            details = _find_damage(bag)
        if details:
            return False, "The archive is damaged: " + _describe(details)
        return False, f"The archive is damaged: {err.message}"
    except bagit.BagError as err:
        return False, f"The archive is damaged: {err}"
    except OSError as err:
        return False, f"The archive cannot be read: {err.strerror or err}"
    return True, None


def _find_damage(bag: bagit.Bag) -> list[bagit.ManifestErrorDetail]:
    only_in_manifest, only_on_disk = bag.compare_manifests_with_fs()
    found: list[bagit.ManifestErrorDetail] = [bagit.FileMissing(p) for p in only_in_manifest]
    found += [bagit.UnexpectedFile(p) for p in only_on_disk]
    missing = set(only_in_manifest)
    for rel, hashes in bag.entries.items():
        if rel in missing:
            continue
        alg = next((a for a in BAG_CHECKSUMS if a in hashes), None)
        if alg is None:
            continue
        try:
            found_hash = _hash_file(Path(bag.path) / rel, alg)
        except FileNotFoundError:
            found.append(bagit.FileMissing(rel))
            continue
        if found_hash != hashes[alg].lower():
            found.append(bagit.ChecksumMismatch(rel, alg, hashes[alg], found_hash))
    return found


def _describe(details: Sequence[bagit.BagError], limit: int = 3) -> str:
    lines: dict[str, str] = {}  # one line per file, even when both checksums fail
    for detail in details:
        if isinstance(detail, bagit.ChecksumMismatch):
            text = f"{detail.path} has changed (its {detail.algorithm} does not match the manifest)"
        elif isinstance(detail, bagit.FileMissing):
            text = f"{detail.path} is listed in the manifest but missing"
        elif isinstance(detail, bagit.UnexpectedFile):
            text = f"{detail.path} is in the archive but not in the manifest"
        else:
            text = str(detail)
        lines.setdefault(str(getattr(detail, "path", text)), text)
    shown = list(lines.values())[:limit]
    more = len(lines) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more else "")


def _hash_file(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- zip ---------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream that hands over what was written so far."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> Iterator[bytes]:
        parts, self._parts = self._parts, []
        if parts:
            yield b"".join(parts)


def bag_files(path: Path) -> list[Path]:
    """Every regular file of a bag, in a stable order. Symlinks are never followed."""
    path = Path(path)
    found: list[Path] = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            file = Path(folder) / name
            if file.is_file() and not file.is_symlink():
                found.append(file)
    return found


def iter_zip_bag(path: Path, chunk_size: int = _CHUNK) -> Iterator[bytes]:
    """A zip of the whole bag, produced piece by piece (for a streaming response).

    The bag folder is the top-level folder in the zip. Memory stays at about one chunk:
    the zip is written to an unseekable sink, so sizes go in data descriptors.
    """
    path = Path(path)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in bag_files(path):
            arcname = f"{path.name}/{file.relative_to(path).as_posix()}"
            info = zipfile.ZipInfo.from_file(file, arcname)
            info.compress_type = zipfile.ZIP_DEFLATED
            with file.open("rb") as source, archive.open(info, "w") as target:
                for chunk in iter(lambda source=source: source.read(chunk_size), b""):
                    target.write(chunk)
                    yield from sink.take()
            yield from sink.take()
    yield from sink.take()


def iter_zip_files(
    top: str, files: Iterable[tuple[str, datetime, Callable[[], Iterator[bytes]]]]
) -> Iterator[bytes]:
    """A zip of ``files`` (path in the bag, modified, its chunks) under the folder ``top``,
    produced piece by piece like ``iter_zip_bag``, for a bag that is not on this disk."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for rel, modified, chunks in files:
            info = zipfile.ZipInfo(f"{top}/{rel}", date_time=modified.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with archive.open(info, "w") as target:
                for chunk in chunks():
                    target.write(chunk)
                    yield from sink.take()
            yield from sink.take()
    yield from sink.take()


def zip_bag(path: Path, out: BinaryIO) -> None:
    """Write a zip of the whole bag to ``out``, file by file (``out`` need not seek)."""
    for piece in iter_zip_bag(path):
        out.write(piece)
