"""A quote as a PDF, in the quote's own language, for the customer."""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from salesweb.core import settings
from salesweb.core.errors import DomainError
from salesweb.core.pdf import render_pdf
from salesweb.pipeline.models import Quote
from salesweb.pipeline.services.quote_lines import LANGUAGES
from salesweb.pipeline.services.quotes import PRINTABLE


def pdf_filename(quote: Quote) -> str:
    """The download's name: the quote number and its revision."""
    return f"{quote.number}-v{quote.revision}.pdf"


def render_quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF in its own language, with the vendored CJK font embedded."""
    if quote.status not in PRINTABLE:
        raise DomainError(_("Only an approved quote can be printed."))
    with force_locale(quote.language if quote.language in LANGUAGES else "zh_CN"):
        html = render_template(
            "pipeline/quote_pdf.html",
            quote=quote,
            deal=quote.deal,
            company_name=settings.get("company_name") or "salesweb",
            company_address=settings.get("company_address"),
            company_phone=settings.get("company_phone"),
            html_lang_code="zh-CN" if quote.language == "zh_CN" else "en",
        )
        return render_pdf(html, "css/quote_pdf.css")
