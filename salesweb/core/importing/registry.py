"""Importers and their registry: what an area declares to take a kind of record from a file."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from salesweb.core.importing.models import ImportJob


class RowError(Exception):
    """One row cannot be taken; the message (translated) says why and ends up in the rejects."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ImportField:
    """A target field of an importer; `aliases` are header spellings that guess it."""

    key: str
    label: Any  # a lazy_gettext string
    aliases: tuple[str, ...] = ()
    required: bool = False
    fixed: bool = False  # may take one value for every row when no column gives it
    help: Any = None
    # A currency field names the amount fields it is the currency of: when one of them is
    # mapped, the currency must be too (a column or one value for every row), never assumed.
    currency_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportOption:
    """An importer's own setting beyond columns and fixed values, given as lines of text.

    On the command line `--KEY-WITH-DASHES VALUE` (repeatable), on the mapping page a text area
    with one value per line; kept in the job's mapping under "options" for the importer to read.
    """

    key: str
    label: Any  # a lazy_gettext string
    metavar: str = "VALUE"
    help: Any = None
    cli_help: str = ""


@dataclass
class ParsedRow:
    row_number: int
    raw: list[str]
    data: dict[str, Any]


@dataclass
class BatchResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)


def header_key(text: str) -> str:
    """Headers compare width-folded, lower case, without spaces, punctuation or units."""
    folded = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in folded if ch.isalnum())


class Importer:
    """Base class: subclasses set kind, label, fields and implement prepare, convert, write."""

    kind: str = ""
    label: Any = ""
    fields: tuple[ImportField, ...] = ()
    options: tuple[ImportOption, ...] = ()
    batch_size: int = 1000

    def field(self, key: str) -> ImportField:
        return next(f for f in self.fields if f.key == key)

    def field_labels(self) -> dict[str, str]:
        return {f.key: str(f.label) for f in self.fields}

    def allowed(self, user: Any) -> bool:
        """May this user run this kind of import? (None: the command line, trusted.)"""
        return user is None

    def guess(self, headers: Sequence[str]) -> dict[str, int]:
        """Field -> column index, guessed from header names (key, aliases, labels zh and en)."""
        spellings: dict[str, str] = {}
        for f in self.fields:
            names = [f.key, *f.aliases]
            for locale in ("en", "zh_CN"):
                with force_locale(locale):
                    names.append(str(f.label))
            for name in names:
                spellings.setdefault(header_key(name), f.key)
        mapping: dict[str, int] = {}
        for index, header in enumerate(headers):
            key = spellings.get(header_key(header))
            if key and key not in mapping:
                mapping[key] = index
        return mapping

    def check_mapping(self, mapping: dict[str, Any]) -> list[str]:
        """Problems of a chosen mapping (required fields missing), translated."""
        columns = mapping.get("columns", {})
        fixed = mapping.get("fixed", {})
        problems = [
            _("Choose the column for “%(field)s”.", field=f.label)
            for f in self.fields
            if f.required and f.key not in columns and not fixed.get(f.key)
        ]
        for f in self.fields:
            amounts = [a for a in f.currency_of if a in columns or fixed.get(a)]
            if amounts and f.key not in columns and not fixed.get(f.key):
                problems.append(
                    _(
                        "The file has amounts (%(amounts)s) but no currency: choose the column of “%(field)s” or one currency for every row (on the command line: --set %(key)s=USD).",
                        amounts=", ".join(str(self.field(a).label) for a in amounts),
                        field=f.label,
                        key=f.key,
                    )
                )
        return problems

    def prepare(self, job: ImportJob) -> Any:
        """Load what every row needs (lookups, the acting user) once per job."""
        raise NotImplementedError

    def convert(self, state: Any, values: dict[str, str], row_number: int) -> dict[str, Any]:
        """Turn the row's mapped cell texts into clean values; raise RowError to reject it."""
        raise NotImplementedError

    def write(self, state: Any, rows: list[ParsedRow]) -> BatchResult:
        """Create or update the records of a batch (flush, never commit)."""
        raise NotImplementedError

    def audit_actor(self, state: Any, job: ImportJob) -> tuple[int | None, str, str | None]:
        return (job.created_by_id, f"import #{job.id}", None)


_IMPORTERS: dict[str, Importer] = {}


def register(kind: str, importer: Importer) -> None:
    """Make an importer available to the upload page and to `flask import KIND`."""
    importer.kind = kind
    _IMPORTERS[kind] = importer


def importer_for(kind: str) -> Importer:
    """The importer of a kind known to be registered (a job's own kind)."""
    return _IMPORTERS[kind]


def get_importer(kind: str) -> Importer | None:
    return _IMPORTERS.get(kind)


def importers() -> dict[str, Importer]:
    return dict(_IMPORTERS)
