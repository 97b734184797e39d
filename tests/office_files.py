"""Office Open XML packages for upload tests: the ones carrying macros must be refused."""

from __future__ import annotations

import io
import zipfile


def office_package(parts: dict[str, str | bytes]) -> bytes:
    """A zip holding the given parts, as Office writes its documents."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


MACRO_TYPES = (
    '<Types><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
)
MACRO_FILES = (
    # a DOCX name and DOCX parts, carrying a VBA project
    (
        office_package(
            {
                "[Content_Types].xml": "<Types/>",
                "word/document.xml": "<w:document/>",
                "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba",
            }
        ),
        "offer.docx",
    ),
    # declared macro-enabled (DOCM), without the VBA part in sight
    (
        office_package({"[Content_Types].xml": MACRO_TYPES, "word/document.xml": "<w:document/>"}),
        "offer.docm",
    ),
    # a macro-enabled workbook (XLSM)
    (
        office_package(
            {
                "[Content_Types].xml": "<Types/>",
                "xl/workbook.xml": "<workbook/>",
                "xl/vbaProject.bin": b"vba",
            }
        ),
        "prices.xlsm",
    ),
)
