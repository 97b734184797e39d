"""PDF rendering with WeasyPrint that reads nothing but files under static/.

The fonts are plain OpenType (no WOFF2 to decompress on every render) and are loaded once per
thread: a WeasyPrint font configuration is not safe to share between threads, and waitress
serves each request on one of a few long-lived threads, so each keeps its own.
"""

from __future__ import annotations

import atexit
import mimetypes
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app

# The shipped fonts; every PDF stylesheet names "Noto Sans SC" first and system CJK fonts after
# it, so a character the subset lacks falls back to an installed font rather than a box.
FONTS = "css/pdf_fonts.css"


def static_root() -> Path:
    return Path(current_app.static_folder or "static").resolve()


def static_only_fetcher(root: Path | None = None) -> Any:
    """A WeasyPrint URL fetcher that reads files under static/ and refuses everything else."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    base = (root or static_root()).resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"only files under static/ may be fetched, not {url!r}")
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_relative_to(base) or not path.is_file():
                raise ValueError(f"only files under static/ may be fetched, not {url!r}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})

    return StaticOnlyFetcher(allowed_protocols={"file"})


class _Loaded(threading.local):
    """This thread's font configuration and parsed stylesheets, keyed by the static root."""

    root: Path | None = None
    fetcher: Any = None
    fonts: Any = None
    sheets: dict[str, Any]

    def __init__(self) -> None:
        self.sheets = {}


_loaded = _Loaded()


@atexit.register
def _release_fonts() -> None:
    """Drop this thread's fonts while the interpreter can still run WeasyPrint's clean-up."""
    _loaded.root = _loaded.fetcher = _loaded.fonts = None
    _loaded.sheets = {}


def _stylesheets(stylesheet: str) -> tuple[Any, Any, list[Any]]:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    root = static_root()
    if _loaded.root != root:
        _loaded.root = root
        _loaded.fetcher = static_only_fetcher(root)
        _loaded.fonts = FontConfiguration()
        _loaded.sheets = {}
    for name in (FONTS, stylesheet):
        if name not in _loaded.sheets:
            _loaded.sheets[name] = CSS(
                filename=str(root / name), url_fetcher=_loaded.fetcher, font_config=_loaded.fonts
            )
    return _loaded.fetcher, _loaded.fonts, [_loaded.sheets[FONTS], _loaded.sheets[stylesheet]]


def render_pdf(html: str, stylesheet: str) -> bytes:
    """HTML to PDF with the shared PDF fonts and one stylesheet, all read from static/."""
    from weasyprint import HTML

    fetcher, fonts, sheets = _stylesheets(stylesheet)
    document = HTML(string=html, base_url=_loaded.root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)
