"""PDF rendering with WeasyPrint that reads nothing but files under static/."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import current_app


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


FONTS = "css/pdf_fonts.css"


def render_pdf(html: str, stylesheet: str) -> bytes:
    """HTML to PDF with the shared PDF fonts and one stylesheet, all read from static/."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    root = static_root()
    fetcher = static_only_fetcher(root)
    fonts = FontConfiguration()
    sheets = [
        CSS(filename=str(root / name), url_fetcher=fetcher, font_config=fonts)
        for name in (FONTS, stylesheet)
    ]
    document = HTML(string=html, base_url=root.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts)
