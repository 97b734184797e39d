"""The company setup page: the first administrator's landing, saved settings that the code
reads instead of the configuration, the base currency guard, and who may open it."""

from __future__ import annotations

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from salesweb.core import money, settings
from salesweb.core.models import AuditLog, today
from salesweb.core.settings import CompanySettings
from tests.conftest import HX, by_id, parse
from tests.factories import PASSWORD, make_user

GOOD = {
    "company_name": "Acme Machinery Ltd",
    "company_address": "1 Harbor Street, Boston",
    "company_phone": "+1 617 555 0100",
    "base_currency": "USD",
    "default_locale": "en",
    "timezone": "America/New_York",
    "process_template": "standard",
}


def _rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CompanySettings))


def _sign_in(client, user):
    return client.post("/auth/login", data={"email": user.email, "password": PASSWORD})


def test_first_admin_sign_in_lands_on_the_setup_page(client, db):
    admin = make_user(role="admin")
    db.session.commit()
    response = _sign_in(client, admin)
    assert response.status_code == 303 and response.headers["Location"] == "/auth/setup"
    page = client.get("/auth/setup")
    assert page.status_code == 200
    assert by_id(page, "setup-welcome") is not None
    # The form starts from the configuration's values.
    assert by_id(page, "company_name").get("value") in (None, "")
    assert parse(page).xpath('//select[@id="base_currency"]/option[@selected]/@value') == ["CNY"]


def test_other_roles_and_a_set_up_company_sign_in_as_before(client, db):
    rep = make_user(role="rep")
    db.session.commit()
    assert _sign_in(client, rep).headers["Location"] == "/"
    settings.save_settings(None, settings.load(), None, **GOOD)
    admin = make_user(role="admin")
    db.session.commit()
    client.post("/auth/logout")
    assert _sign_in(client, admin).headers["Location"] == "/"


def test_saving_the_setup_stores_audits_and_is_read_instead_of_the_configuration(
    app, client, db, login_as
):
    admin = login_as("admin")
    response = client.post("/auth/setup", data=GOOD)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    row = db.session.get(CompanySettings, settings.ROW_ID)
    assert row.company_name == "Acme Machinery Ltd" and row.base_currency == "USD"
    assert row.set_up_at is not None
    audit = db.session.scalar(select(AuditLog).where(AuditLog.record_type == "company_settings"))
    assert audit.action == "create" and audit.actor_id == admin.id
    assert audit.changes["base_currency"][1] == "USD"

    settings.forget()
    assert money.base_currency() == "USD"
    assert settings.get("company_phone") == "+1 617 555 0100"
    new_york = datetime.now(ZoneInfo("America/New_York")).date()
    assert today() == new_york
    # An anonymous visitor without a language preference gets the company's default.
    anonymous = app.test_client()
    login = anonymous.get("/auth/login", headers={"Accept-Language": "fr"})
    assert parse(login).get("lang") == "en"

    # Later changes come back to the page, which shows the history.
    again = client.post("/auth/setup", data={**GOOD, "company_name": "Acme", "version": 1})
    assert again.status_code == 303 and again.headers["Location"] == "/auth/setup"
    page = client.get("/auth/setup")
    assert by_id(page, "setup-welcome") is None
    assert by_id(page, "history-company_settings-1") is not None
    audit_page = client.get("/auth/audit", headers={"Accept-Language": "en"})
    assert audit_page.status_code == 200 and "Company settings" in audit_page.get_data(as_text=True)


def test_unset_values_fall_back_to_the_configuration(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "SALESWEB_COMPANY_NAME", "From the environment")
    settings.forget()
    assert settings.get("company_name") == "From the environment"
    assert not settings.is_set_up()
    settings.save_settings(None, settings.load(), None, **{**GOOD, "company_name": ""})
    assert settings.get("company_name") == "From the environment"
    assert settings.get("base_currency") == "USD"


def test_htmx_post_gets_the_form_fragment_when_refused(client, login_as):
    login_as("admin")
    response = client.post("/auth/setup", data={**GOOD, "company_name": ""}, headers=HX)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body and by_id(response, "setup-form") is not None
    page = client.get("/auth/setup")
    assert "<html" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "bad",
    [
        {"company_name": ""},
        {"company_name": "x" * 201},
        {"base_currency": "XXX"},
        {"default_locale": "fr"},
        {"timezone": "Mars/Olympus"},
        {"process_template": "nonsense"},
        {"version": "abc"},
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, db, login_as, bad):
    login_as("admin")
    response = client.post("/auth/setup", data={**GOOD, **bad})
    assert response.status_code == 422
    assert _rows(db) == 0


def test_base_currency_is_fixed_once_deals_hold_converted_amounts(client, db, login_as):
    from tests.pipeline.factories import make_deal

    login_as("admin")
    assert client.post("/auth/setup", data={**GOOD, "base_currency": "CNY"}).status_code == 303
    make_deal()
    db.session.commit()
    refused = client.post("/auth/setup", data={**GOOD, "version": 1}, headers={"Accept": "en"})
    assert refused.status_code == 422
    message = by_id(refused, "base_currency-error")
    text = message.text_content() if message is not None else refused.get_data(as_text=True)
    assert "cannot change" in text and "CNY" in text
    row = db.session.get(CompanySettings, settings.ROW_ID)
    db.session.refresh(row)
    assert row.base_currency == "CNY" and row.company_name == GOOD["company_name"]
    # Everything else may still change, with the same currency.
    same = client.post("/auth/setup", data={**GOOD, "base_currency": "CNY", "version": 1})
    assert same.status_code == 303


def test_two_admins_editing_at_once_the_second_is_told(client, db, login_as):
    login_as("admin")
    client.post("/auth/setup", data=GOOD)
    client.post("/auth/setup", data={**GOOD, "company_name": "First", "version": 1})
    stale = client.post("/auth/setup", data={**GOOD, "company_name": "Second", "version": 1})
    assert stale.status_code == 422 and "Someone else changed" in stale.get_data(as_text=True)
    row = db.session.get(CompanySettings, settings.ROW_ID)
    db.session.refresh(row)
    assert row.company_name == "First"


@pytest.mark.parametrize("role", ["rep", "manager", "compliance"])
def test_only_administrators_open_or_save_the_setup(client, db, login_as, role):
    login_as(role)
    assert client.get("/auth/setup").status_code == 403
    assert client.post("/auth/setup", data=GOOD).status_code == 403
    assert _rows(db) == 0


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/auth/setup")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_admin_menu_offers_the_settings_to_administrators_only(client, login_as):
    login_as("admin")
    assert parse(client.get("/")).xpath('//a[@href="/auth/setup"]')
    client.post("/auth/logout")
    login_as("manager")
    assert not parse(client.get("/")).xpath('//a[@href="/auth/setup"]')


def test_quote_letterhead_reads_the_settings(app, db):
    from salesweb.pipeline.services import quote_pdf

    settings.save_settings(None, settings.load(), None, **GOOD)
    with (
        mock.patch.object(quote_pdf, "render_template", return_value="") as render,
        mock.patch.object(quote_pdf, "render_pdf", return_value=b""),
    ):
        quote = mock.Mock(status="approved", language="en")
        with mock.patch.object(quote_pdf, "PRINTABLE", {"approved"}):
            quote_pdf.render_quote_pdf(quote)
    kwargs = render.call_args.kwargs
    assert kwargs["company_name"] == "Acme Machinery Ltd"
    assert kwargs["company_address"] == "1 Harbor Street, Boston"
    assert kwargs["company_phone"] == "+1 617 555 0100"


def test_a_new_person_starts_with_the_company_language_and_time_zone(client, db, login_as):
    login_as("admin")
    client.post("/auth/setup", data=GOOD)
    page = parse(client.get("/auth/users/new"))
    assert page.xpath('//select[@id="locale"]/option[@selected]/@value') == ["en"]
    assert page.xpath('//select[@id="timezone"]/option[@selected]/@value') == ["America/New_York"]


def test_base_currency_is_fixed_once_exchange_rates_are_stated_in_it(client, db, login_as):
    from datetime import date
    from decimal import Decimal

    from salesweb.core.models import ExchangeRate

    login_as("admin")
    db.session.add(ExchangeRate(currency="EUR", valid_on=date(2026, 1, 1), rate=Decimal("7.75")))
    db.session.commit()
    refused = client.post("/auth/setup", data=GOOD)
    assert refused.status_code == 422
    assert (
        "exchange rates are stated in CNY" in by_id(refused, "base_currency-error").text_content()
    )
    assert _rows(db) == 0
    assert client.post("/auth/setup", data={**GOOD, "base_currency": "CNY"}).status_code == 303
