"""PDFs: the shipped CJK font covers GB2312 and rare name characters, and is what gets embedded."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from salesweb.core import pdf

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
RARE_NAMES = "瑨赜 喆 堃 琎 昇 玥 禛 珺 翀 犇 淼 燚 垚 赟 昪 彧 鑫 婷 䶮 㛃"


def gb2312_characters() -> list[str]:
    """Every character of GB2312: 6,763 hanzi plus its symbols, kana and letters."""
    found = []
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.append(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def shipped_fonts() -> list[Path]:
    css = (FONT_DIR.parent / "css" / "pdf_fonts.css").read_text()
    names = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert names, "pdf_fonts.css names no font file"
    return [FONT_DIR / name for name in names]


@pytest.mark.parametrize("path", shipped_fonts(), ids=lambda p: p.name)
def test_shipped_font_covers_gb2312_and_rare_names(path):
    assert path.suffix in (".otf", ".ttf"), "WOFF2 costs seconds of decompression per render"
    with TTFont(path, lazy=True) as font:
        cmap = font.getBestCmap()
    characters = gb2312_characters()
    assert len(characters) > 7000
    missing = [ch for ch in characters if ord(ch) not in cmap and not ch.isspace()]
    assert missing == []
    rare = [ch for ch in RARE_NAMES if not ch.isspace()]
    assert [ch for ch in rare if ord(ch) not in cmap] == []


def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            out.append(zlib.decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _to_unicode_codepoints(streams: list[bytes]) -> set[int]:
    """The code points that the PDF's ToUnicode maps give for the glyphs it uses."""
    found: set[int] = set()
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.DOTALL):
            for target in re.findall(rb"<[0-9A-Fa-f]+>[ \t]*<([0-9A-Fa-f]+)>", block):
                text = bytes.fromhex(target.decode()).decode("utf-16-be", "replace")
                found.update(ord(ch) for ch in text)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.DOTALL):
            for start, end, first in re.findall(
                rb"<([0-9A-Fa-f]+)>[ \t]*<([0-9A-Fa-f]+)>[ \t]*<([0-9A-Fa-f]+)>", block
            ):
                base = int(first, 16)
                found.update(range(base, base + int(end, 16) - int(start, 16) + 1))
    return found


def test_a_pdf_of_rare_names_embeds_only_the_shipped_font(app):
    html = f"<html><body><h1>客户 {RARE_NAMES}</h1><p>{RARE_NAMES} ¥37,451.82</p></body></html>"
    with app.test_request_context():
        data = pdf.render_pdf(html, "css/quote_pdf.css")
    streams = _pdf_streams(data)  # font dictionaries sit in compressed object streams
    fonts = set()
    for chunk in (data, *streams):
        fonts.update(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", chunk))
    assert fonts and all(name.startswith(b"Noto-Sans-SC") for name in fonts), fonts
    used = _to_unicode_codepoints(streams)
    wanted = {ord(ch) for ch in RARE_NAMES if not ch.isspace()}
    assert wanted - used == set()


def test_fonts_are_loaded_once_per_thread(app, monkeypatch):
    from weasyprint.text import fonts as weasy_fonts

    created = []
    original = weasy_fonts.FontConfiguration.__init__

    def counting(self, *args, **kwargs):
        created.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(weasy_fonts.FontConfiguration, "__init__", counting)
    monkeypatch.setattr(pdf, "_loaded", pdf._Loaded())
    with app.test_request_context():
        for _ in range(3):
            pdf.render_pdf("<p>报价</p>", "css/quote_pdf.css")
    assert len(created) == 1
