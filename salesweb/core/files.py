"""Uploaded files (contract attachments, lesson files): judged by their content, not their
name, size-limited, stored outside static/ under a random name with their SHA-256."""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from flask import current_app
from flask_babel import gettext as _

from salesweb.core.errors import DomainError
from salesweb.core.importing import size_text

MAX_BYTES = 20 * 1024 * 1024
# kind -> (mime type, file name endings that may carry it)
KINDS = {
    "pdf": ("application/pdf", (".pdf",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
    ),
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
}


class AttachmentRefused(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class Stored:
    stored_name: str
    filename: str
    sha256: str
    size: int
    kind: str
    mime: str

    def record_fields(self) -> dict[str, Any]:
        """What a record of the stored file keeps (a contract attachment, a lesson file): its
        columns of the same names."""
        return asdict(self)


IMAGE_KINDS = frozenset({"png", "jpeg", "gif", "webp"})

# Areas that keep uploads in their own folder; backups carry every one of them.
_STORE_AREAS: set[str] = {"contracts"}


def register_store(area: str) -> None:
    """Declare an area's upload folder, so that backup and restore include it."""
    _STORE_AREAS.add(area)


def stores() -> dict[str, Path]:
    """Every area's upload folder, by area name."""
    return {area: storage_dir(area) for area in sorted(_STORE_AREAS)}


def storage_dir(area: str = "contracts") -> Path:
    """<SALESWEB_FILES_DIR or instance/>/<area> (contracts: or SALESWEB_CONTRACT_DIR); never
    under static/."""
    configured = current_app.config.get("SALESWEB_CONTRACT_DIR") if area == "contracts" else None
    root = current_app.config.get("SALESWEB_FILES_DIR") or current_app.instance_path
    path = Path(configured) if configured else Path(root) / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(path: Path) -> str | None:
    """The file's kind judged by its first bytes (and, for DOCX, its parts), or None."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
    return None


# A declared macro-enabled type (docm, xlsm, pptm, their templates) or a VBA project part.
MACRO_MARKERS = (b"macroenabled", b"vbaproject")
CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few KB; do not inflate a bomb


def carries_macros(path: Path) -> bool:
    """Whether an Office Open XML package holds macros: a `vbaProject.bin` part anywhere, or
    content types that declare a macro-enabled document or a VBA project."""
    with path.open("rb") as handle:
        if not handle.read(4).startswith(b"PK\x03\x04"):
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if any(i.filename.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for i in infos):
                return True
            types = next((i for i in infos if i.filename == "[Content_Types].xml"), None)
            if types is None or types.file_size > CONTENT_TYPES_LIMIT:
                return False
            declared = archive.read(types).lower()
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
        return False  # not a readable package: sniff() refuses it
    return any(marker in declared for marker in MACRO_MARKERS)


def safe_filename(name: str) -> str:
    """The base name only, without control characters or quotes, at most 200 characters."""
    base = Path((name or "").replace("\\", "/")).name
    clean = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')
    return clean.strip()[:200] or "file"


def store(stream: IO[bytes], filename: str, area: str = "contracts") -> Stored:
    """Copy the upload under a random name while hashing it; refuse what is not allowed."""
    name = safe_filename(filename)
    stored_name = secrets.token_hex(16)
    target = storage_dir(area) / stored_name
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open("wb") as out:
            while chunk := stream.read(256 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise AttachmentRefused(
                        _("The file is larger than %(size)s.", size=size_text(MAX_BYTES))
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise AttachmentRefused(_("The file is empty."))
        if carries_macros(target):
            raise AttachmentRefused(
                _(
                    "Files with macros (DOCM, XLSM, PPTM) are not accepted. "
                    "Save the document as DOCX without macros and upload it again."
                )
            )
        kind = sniff(target)
        if kind is None:
            raise AttachmentRefused(_("Only PDF, DOCX and image files (PNG, JPEG, GIF, WebP)."))
        mime, endings = KINDS[kind]
        if not name.lower().endswith(endings):
            raise AttachmentRefused(
                _("The file's name does not match its content (%(kind)s).", kind=kind.upper())
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Stored(stored_name, name, digest.hexdigest(), size, kind, mime)


def path_of(stored_name: str, area: str = "contracts") -> Path:
    return storage_dir(area) / stored_name
