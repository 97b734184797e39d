"""The translation catalogs: extract messages, update zh_CN and en, fill en, compile, check.

Run as `python -m salesweb.core.catalogs update` (`make i18n`); the test suite calls `missing()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "salesweb" / "translations"
LOCALES = ("zh_CN", "en")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    # Contexts: the same English word meaning two things gets one message per meaning.
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "_lp": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "lazy_npgettext": ((1, "c"), 2, 3),
}
# babel skips folders whose names start with "_" when walking, so _macros is listed itself.
SOURCES = ("salesweb", "templates", "templates/_macros")


def extract() -> Catalog:
    """All messages of the Python code and the templates."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    template = Catalog(project="salesweb", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, method_map, options_map, keywords=KEYWORDS
        ):
            template.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def _po_path(locale: str) -> Path:
    return CATALOGS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with open(_po_path(locale), "rb") as fh:
        return read_po(fh, locale=locale)


def update() -> None:
    """Merge new messages into both catalogs, fill en from the source text, compile."""
    template = extract()
    for locale in LOCALES:
        path = _po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = load(locale) if path.exists() else Catalog(locale=locale, project="salesweb")
        catalog.update(template, no_fuzzy_matching=True)
        if locale == "en":
            for message in catalog:
                if not message.id:
                    continue
                # A context does not change the English text; plurals fill both forms.
                if isinstance(message.id, tuple):
                    if not all(message.string or ()):
                        message.string = tuple(message.id)
                elif not message.string:
                    message.string = message.id
        with open(path, "wb") as fh:
            write_po(fh, catalog, width=100, ignore_obsolete=True, omit_header=False)
        with open(path.with_suffix(".mo"), "wb") as fh:
            write_mo(fh, catalog)


def compile_all() -> None:
    for locale in LOCALES:
        with open(_po_path(locale).with_suffix(".mo"), "wb") as fh:
            write_mo(fh, load(locale))


def _key(message) -> tuple[str, str | None]:
    """A message's identity: its (singular) id and its context."""
    ident = message.id[0] if isinstance(message.id, tuple) else message.id
    return str(ident), message.context


def _label(key: tuple[str, str | None]) -> str:
    ident, context = key
    return f"{context}|{ident}" if context else ident


def missing() -> dict[str, list[str]]:
    """Per locale, the source messages (each context on its own) with no, or a fuzzy,
    translation; a context message is named `context|id`."""
    wanted = {_key(m) for m in extract() if m.id}
    out: dict[str, list[str]] = {}
    for locale in LOCALES:
        catalog = load(locale)
        done = {
            _key(m)
            for m in catalog
            if m.id
            and m.string
            and not m.fuzzy
            and (all(m.string) if isinstance(m.string, tuple) else True)
        }
        out[locale] = sorted(_label(k) for k in wanted - done)
    return out


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "update"
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        gaps = missing()
        for locale, ids in gaps.items():
            for message_id in ids:
                print(f"{locale}: {message_id!r}")
        sys.exit(1 if any(gaps.values()) else 0)
