"""Lesson Markdown to safe HTML: no script, iframe, style or event attribute survives."""

from __future__ import annotations

import re

import markdown
import nh3
from markupsafe import Markup

TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "dl", "dt", "dd", "sup", "sub",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
LOCAL_PREFIX = "/training/"


def _keep(tag: str, attribute: str, value: str) -> str | None:
    """Images only from this application's training area; links only http(s), mail or local."""
    if tag == "img" and attribute == "src":
        return value if value.startswith(LOCAL_PREFIX) and "//" not in value else None
    return value


def render_markdown(text: str) -> Markup:
    """The lesson's Markdown as sanitised HTML."""
    html = markdown.markdown(text or "", extensions=["tables", "fenced_code", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_keep,
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)  # noqa: S704 - sanitised by nh3 above


def has_active_content(text: str) -> bool:
    """True when the Markdown carries something the sanitiser would remove (script, iframe,
    event handler): authors are told, instead of their text changing silently."""
    lowered = (text or "").lower()
    return (
        "<script" in lowered
        or "<iframe" in lowered
        or "javascript:" in lowered
        or re.search(r"<[^>]*\son[a-z]+\s*=", lowered) is not None
    )
