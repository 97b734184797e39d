"""The small shared pieces that models and forms of every area use instead of their own copies."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form, StringField

from salesweb.core.forms import field_data, label_choices
from salesweb.core.i18n import bilingual_in, bilingual_text
from salesweb.core.models import coded_label


class Labelled:
    """A plain object with a zh/en pair and a coded status, as a model has them."""

    LABELS = {"open": _l("Open"), "won": _l("Won")}

    title = bilingual_text("title")
    title_in = bilingual_in("title")
    audit_label = bilingual_text("title", locale="en")
    status_label = coded_label("status", LABELS)

    def __init__(self, zh: str, en: str, status: str = "open") -> None:
        self.title_zh, self.title_en, self.status = zh, en, status


def test_bilingual_text_reads_the_readers_language_and_falls_back(app):
    both, only_zh = Labelled("季度复盘", "Quarterly review"), Labelled("季度复盘", "")
    with app.test_request_context(), force_locale("en"):
        assert both.title == "Quarterly review"
        assert only_zh.title == "季度复盘"
    with app.test_request_context(), force_locale("zh_CN"):
        assert both.title == "季度复盘"
        assert both.title_in("en") == "Quarterly review"
        assert Labelled("", "Quarterly review").title_in("zh_CN") == "Quarterly review"
    assert Labelled.title_in.__name__ == "title_in"
    with app.test_request_context(), force_locale("zh_CN"):
        assert both.audit_label == "Quarterly review"  # fixed language, whoever reads
        assert only_zh.audit_label == "季度复盘"


def test_bilingual_text_is_read_only(app):
    item = Labelled("甲", "A")
    with pytest.raises(AttributeError):
        item.title = "B"
    assert item.title_en == "A"


def test_coded_label_shows_the_label_or_the_unknown_code(app):
    with app.test_request_context(), force_locale("en"):
        assert Labelled("a", "a", status="won").status_label == "Won"
        assert Labelled("a", "a", status="mystery").status_label == "mystery"


def test_label_choices_give_codes_and_translated_labels(app):
    with app.test_request_context(), force_locale("en"):
        assert label_choices(Labelled.LABELS) == [("open", "Open"), ("won", "Won")]


class _Form(Form):
    name = StringField()
    notes = StringField()
    vip = BooleanField()


def test_field_data_takes_the_named_fields_and_trims_the_texts():
    form = _Form(MultiDict({"name": "  ACME  ", "vip": "y"}))
    data = field_data(form, ("name", "notes", "vip"), trim_text=True)
    assert data == {"name": "ACME", "notes": "", "vip": True}
    assert field_data(form, ("name",)) == {"name": "  ACME  "}


def test_flashing_rolls_a_refusal_back_and_flashes_it(app, db):
    from flask import get_flashed_messages

    from salesweb.core.errors import DomainError
    from salesweb.core.forms import flashing
    from salesweb.core.models import ExchangeRate
    from salesweb.extensions import db as _db

    def count() -> int:
        return _db.session.query(ExchangeRate).filter_by(currency="XTS").count()

    with app.test_request_context():
        with flashing():
            _db.session.add(ExchangeRate(currency="XTS", valid_on=date(2026, 1, 1), rate=2))
            _db.session.flush()
            raise DomainError("Refused for the test.")
        assert count() == 0  # the view goes on after the refusal, its work undone
        assert get_flashed_messages(with_categories=True) == [("error", "Refused for the test.")]
    with app.test_request_context():
        with flashing():
            _db.session.add(ExchangeRate(currency="XTS", valid_on=date(2026, 1, 2), rate=2))
            _db.session.flush()
        assert count() == 1 and get_flashed_messages() == []


def test_a_stored_file_gives_the_columns_its_record_keeps():
    from salesweb.core.files import Stored

    stored = Stored("a1b2", "报价.pdf", "0" * 64, 1234, "pdf", "application/pdf")
    assert stored.record_fields() == {
        "stored_name": "a1b2",
        "filename": "报价.pdf",
        "sha256": "0" * 64,
        "size": 1234,
        "kind": "pdf",
        "mime": "application/pdf",
    }
