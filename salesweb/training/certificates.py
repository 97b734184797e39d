"""The printable training certificate: one page in Chinese and English, with its expiry."""

from __future__ import annotations

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from salesweb.core import settings
from salesweb.core.pdf import render_pdf
from salesweb.training.models import Certificate

LANGUAGES = ("zh_CN", "en")


def certificate_number(certificate: Certificate) -> str:
    return f"TC-{certificate.issued_on.year}-{certificate.id:05d}"


def pdf_filename(certificate: Certificate) -> str:
    return f"{certificate_number(certificate)}.pdf"


def _texts(certificate: Certificate, locale: str) -> dict[str, str]:
    """The certificate's words in one language, from the catalogs."""
    course = certificate.course
    title = course.title_zh if locale == "zh_CN" else course.title_en
    with force_locale(locale):
        return {
            "heading": _("Certificate of training"),
            "certifies": _("This certifies that"),
            "completed": _("has passed the assessment of the course"),
            "course": title or course.title_zh or course.title_en,
            "issued_label": _("Issued on"),
            "issued": format_date(certificate.issued_on, "long", locale=locale),
            "expires_label": _("Valid until"),
            "expires": format_date(certificate.expires_on, "long", locale=locale),
            "number_label": _("Certificate number"),
        }


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 landscape PDF with both languages and the shipped CJK font."""
    html = render_template(
        "training/certificate_pdf.html",
        certificate=certificate,
        person=certificate.user,
        number=certificate_number(certificate),
        texts=[_texts(certificate, locale) for locale in LANGUAGES],
        company_name=settings.get("company_name") or "salesweb",
    )
    return render_pdf(html, "css/certificate_pdf.css")
