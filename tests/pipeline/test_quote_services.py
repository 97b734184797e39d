"""Quoting services: numbering, totals, the discount approval, revisions, bad input, products."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from salesweb.core import pdf
from salesweb.core.audit import history_for
from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import today
from salesweb.customers.models import Task
from salesweb.pipeline import queries
from salesweb.pipeline.models import Product, Quote, QuoteLine, QuoteStatus
from salesweb.pipeline.permissions import can_decide_quote
from salesweb.pipeline.services import products, quote_lines, quotes
from tests.factories import make_team, make_user
from tests.pipeline.factories import make_deal, make_product, make_quote, quote_input


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def team_deal(db):
    """A rep's open deal, the rep's team manager, and a product."""
    team = make_team()
    rep = make_user(role="rep", team=team, locale="zh_CN")
    manager = make_user(role="manager", team=team)
    return make_deal(owner=rep), rep, manager, make_product(list_price=Decimal("100.00"))


# --- numbering ---------------------------------------------------------------------------------


def test_quotes_are_numbered_per_year_with_four_digits(db):
    year = today().year
    expected = quotes.next_quote_number(year)
    assert expected.startswith(f"Q-{year}-") and len(expected) == len("Q-2026-0001")
    first = make_quote()
    second = make_quote()
    assert first.number == expected and first.revision == 1
    assert int(second.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_numbering_reads_the_sequence_as_a_number_and_per_year(db):
    deal = make_deal()
    for number in ("Q-2031-0009", "Q-2031-0010", "Q-2031-9999", "Q-2032-0500"):
        db.session.add(Quote(number=number, revision=1, deal_id=deal.id, status="draft"))
    db.session.flush()
    assert quotes.next_quote_number(2031) == "Q-2031-10000"
    assert quotes.next_quote_number(2032) == "Q-2032-0501"
    assert quotes.next_quote_number(2033) == "Q-2033-0001"


def test_a_number_taken_meanwhile_is_skipped_not_duplicated(db, monkeypatch):
    taken = make_quote()
    real = quotes.next_quote_number
    answers = iter([taken.number])  # what a concurrent request would have read a moment ago
    monkeypatch.setattr(quotes, "next_quote_number", lambda year: next(answers, None) or real(year))
    quote = make_quote()
    assert quote.number != taken.number
    assert count(db, Quote) == 2


# --- totals --------------------------------------------------------------------------------------


def test_totals_with_discount_and_tax_are_exact_decimals(db):
    product = make_product(list_price=Decimal("99.99"))
    cheap = make_product(list_price=Decimal("0.01"))
    deal = make_deal()
    data = quote_input([(product, 3, None, "12.5"), (cheap, 1, None, 0)], tax_rate=Decimal("13"))
    quote = quotes.create_quote(deal.owner, deal, data)
    # 3 × 99.99 = 299.97, less 12.5 % = 262.47375 -> 262.47; tax 13 % of 262.48 = 34.1224 -> 34.12
    assert [line.line_total for line in quote.lines] == [Decimal("262.47"), Decimal("0.01")]
    assert quote.subtotal == Decimal("262.48")
    assert quote.tax == Decimal("34.12")
    assert quote.total == Decimal("296.60")
    assert quote.max_discount == Decimal("12.50")
    assert all(isinstance(v, Decimal) for v in (quote.subtotal, quote.tax, quote.total))
    assert quote_lines.line_total(Decimal("1"), Decimal("0.05"), Decimal("50")) == Decimal("0.03")


def test_unit_price_defaults_to_list_price_only_in_the_same_currency(db):
    product = make_product(list_price=Decimal("250.00"), currency="USD")
    deal = make_deal()
    with pytest.raises(DomainError) as exc:
        quotes.create_quote(deal.owner, deal, quote_input([(product, 1, None, 0)]))
    assert exc.value.field == "unit_price"
    quote = quotes.create_quote(
        deal.owner, deal, quote_input([(product, 2, "1800", 0)], currency="USD")
    )
    assert quote.currency == "USD" and quote.subtotal == Decimal("3600.00")


# --- the discount threshold and the decision --------------------------------------------------------


def test_discount_at_the_limit_is_approved_at_once_above_it_waits(db, team_deal):
    deal, rep, _manager, product = team_deal
    at_limit = make_quote(deal, rep, discount="15", product=product)
    quotes.submit_quote(rep, at_limit)
    assert at_limit.status == QuoteStatus.APPROVED and at_limit.decided_by_id is None
    above = make_quote(deal, rep, discount="15.01", product=product)
    quotes.submit_quote(rep, above)
    assert above.status == QuoteStatus.PENDING


def test_discount_limit_comes_from_the_config(db, app, team_deal, monkeypatch):
    deal, rep, _manager, product = team_deal
    monkeypatch.setitem(app.config, "SALESWEB_QUOTE_DISCOUNT_LIMIT", 25)
    quote = make_quote(deal, rep, discount="20", product=product)
    quotes.submit_quote(rep, quote)
    assert quote.status == QuoteStatus.APPROVED


def test_team_manager_approves_and_the_rep_hears_of_it_on_the_deal(db, team_deal):
    deal, rep, manager, product = team_deal
    quote = make_quote(deal, rep, discount="20", product=product, status="pending_approval")
    tasks_before = count(db, Task)
    quotes.approve_quote(manager, quote, "  OK for this strategic account  ", quote.version)
    assert quote.status == QuoteStatus.APPROVED
    assert quote.decided_by_id == manager.id and quote.decided_at is not None
    assert quote.decision_comment == "OK for this strategic account"
    rows = history_for("deals", deal.id)
    decision = next(row for row in rows if row.action == "quote_approved")
    assert decision.changes["quote"] == [None, quote.audit_label]
    assert decision.changes["comment"][1] == "OK for this strategic account"
    assert any(row.action == "quote_approved" for row in history_for("quotes", quote.id))
    task = db.session.scalar(select(Task).order_by(Task.id.desc()).limit(1))
    assert count(db, Task) == tasks_before + 1
    assert task.owner_id == rep.id and task.account_id == deal.account_id
    with force_locale(rep.locale):  # read in the reader's language, not the manager's
        expected = _("Quote %(quote)s approved: send it to the customer", quote=quote.audit_label)
        assert task.display_title == expected and quote.number in task.display_title
    with force_locale("en"):
        assert task.display_title == f"Quote {quote.audit_label} approved: send it to the customer"
    assert task.title_key == "quote_approved"
    assert "OK for this strategic account" in task.notes


def test_rejection_needs_a_comment_and_gives_the_rep_an_urgent_task(db, team_deal):
    deal, rep, manager, product = team_deal
    quote = make_quote(deal, rep, discount="30", product=product, status="pending_approval")
    with pytest.raises(DomainError) as exc:
        quotes.reject_quote(manager, quote, "   ")
    assert exc.value.field == "comment" and quote.status == QuoteStatus.PENDING
    quotes.reject_quote(manager, quote, "30 % is too much; 18 % at most")
    assert quote.status == QuoteStatus.REJECTED
    task = db.session.scalar(select(Task).order_by(Task.id.desc()).limit(1))
    assert task.priority == "high" and task.owner_id == rep.id
    assert any(row.action == "quote_rejected" for row in history_for("deals", deal.id))


def test_only_a_manager_of_the_team_or_an_admin_decides(db, team_deal):
    deal, rep, manager, product = team_deal
    quote = make_quote(deal, rep, discount="40", product=product, status="pending_approval")
    outsider = make_user(role="manager", team=make_team())
    for who in (rep, outsider, make_user(role="compliance"), make_user(role="rep", team=rep.team)):
        assert not can_decide_quote(who, quote)
        with pytest.raises(DomainError):
            quotes.approve_quote(who, quote)
    assert quote.status == QuoteStatus.PENDING
    admin = make_user(role="admin")
    assert can_decide_quote(admin, quote) and can_decide_quote(manager, quote)
    quotes.approve_quote(admin, quote)
    with pytest.raises(DomainError):  # decided once, not twice
        quotes.reject_quote(manager, quote, "late")


def test_a_manager_does_not_approve_a_discount_on_a_deal_of_their_own(db):
    team = make_team()
    manager = make_user(role="manager", team=team)
    deal = make_deal(owner=manager)
    quote = make_quote(deal, manager, discount="25", status="pending_approval")
    assert not can_decide_quote(manager, quote)
    with pytest.raises(DomainError):
        quotes.approve_quote(manager, quote)
    quotes.approve_quote(make_user(role="admin"), quote)
    assert quote.status == QuoteStatus.APPROVED


def test_a_stale_decision_is_a_conflict(db, team_deal):
    deal, rep, manager, product = team_deal
    quote = make_quote(deal, rep, discount="25", product=product, status="pending_approval")
    with pytest.raises(ConflictError):
        quotes.approve_quote(manager, quote, "", quote.version - 1)


def test_the_approved_quote_gate_opens_after_approval(db, app, team_deal):
    from salesweb.pipeline import gates

    deal, rep, manager, product = team_deal
    stage = next(s for s in deal.process_version.stages if s.key == "quote")
    with app.test_request_context():
        assert gates.missing_for(deal, stage)
        quote = make_quote(deal, rep, discount="25", product=product, status="pending_approval")
        assert gates.missing_for(deal, stage)
        quotes.approve_quote(manager, quote)
        assert gates.missing_for(deal, stage) == []


# --- the life of a quote: sent, accepted, declined; revisions --------------------------------------


def test_sent_accepted_declined_follow_the_order(db, team_deal):
    deal, rep, _manager, product = team_deal
    draft = make_quote(deal, rep, product=product)
    for service in (quotes.mark_sent, quotes.mark_accepted, quotes.mark_declined):
        with pytest.raises(DomainError):
            service(rep, draft)
    quotes.submit_quote(rep, draft)
    with pytest.raises(DomainError):
        quotes.submit_quote(rep, draft)
    with pytest.raises(DomainError):
        quotes.mark_accepted(rep, draft)  # not sent yet
    quotes.mark_sent(rep, draft)
    quotes.mark_accepted(rep, draft)
    assert draft.status == QuoteStatus.ACCEPTED
    actions = [row.action for row in history_for("deals", deal.id)]
    assert {"quote_submitted", "quote_sent", "quote_accepted"} <= set(actions)
    with pytest.raises(DomainError):
        quotes.check_changeable(draft)  # accepted is final


def test_editing_an_approved_quote_makes_a_new_draft_revision(db, team_deal):
    deal, rep, manager, product = team_deal
    quote = make_quote(deal, rep, discount="20", product=product, status="approved")
    old_total, old_lines = quote.total, len(quote.lines)
    with pytest.raises(DomainError):
        quotes.update_quote(rep, quote, quote_input([(product, 5, None, 0)]), None)
    revision = quotes.change_quote(rep, quote, quote_input([(product, 5, None, 0)]), quote.version)
    assert revision.id != quote.id
    assert (revision.number, revision.revision, revision.status) == (quote.number, 2, "draft")
    assert revision.total == Decimal("565.00")
    db.session.expire_all()
    assert quote.status == QuoteStatus.APPROVED and quote.total == old_total
    assert len(quote.lines) == old_lines
    assert quotes.latest_revision(quote) == 2
    with pytest.raises(DomainError):  # only the newest revision is worked on
        quotes.change_quote(rep, quote, quote_input([(product, 1, None, 0)]), None)
    with pytest.raises(DomainError):
        quotes.mark_sent(rep, quote)
    # A draft is changed in place.
    same = quotes.change_quote(rep, revision, quote_input([(product, 1, None, 0)]), None)
    assert same.id == revision.id and same.total == Decimal("113.00")


def test_a_quote_waiting_for_approval_cannot_be_changed(db, team_deal):
    deal, rep, _manager, product = team_deal
    quote = make_quote(deal, rep, discount="20", product=product, status="pending_approval")
    with pytest.raises(DomainError):
        quotes.change_quote(rep, quote, quote_input([(product, 1, None, 0)]), None)
    assert quote.status == QuoteStatus.PENDING and quote.revision == 1


def test_a_rejected_quote_is_revised_then_resubmitted(db, team_deal):
    deal, rep, _manager, product = team_deal
    quote = make_quote(deal, rep, discount="40", product=product, status="rejected")
    revision = quotes.change_quote(rep, quote, quote_input([(product, 2, None, "10")]), None)
    quotes.submit_quote(rep, revision)
    assert revision.status == QuoteStatus.APPROVED and quote.status == QuoteStatus.REJECTED


def test_closed_deals_get_no_new_quotes(db, team_deal):
    from salesweb.pipeline import services

    deal, rep, _manager, product = team_deal
    services.lose_deal(rep, deal, services.reason_by_code("price"))
    with pytest.raises(DomainError):
        quotes.create_quote(rep, deal, quote_input([(product, 1, None, 0)]))


# --- bad input -------------------------------------------------------------------------------------


def test_an_inactive_product_is_refused_on_a_line_and_on_submit(db, team_deal):
    deal, rep, _manager, product = team_deal
    retired = make_product(active=False)
    data = quote_input([(product, 1, None, 0), (retired, 1, None, 0)])
    data.lines[1] = quotes.LineInput(retired.id, Decimal("1"), None, Decimal("0"), row=3)
    before = (count(db, Quote), count(db, QuoteLine))
    with pytest.raises(DomainError) as exc:
        quotes.create_quote(rep, deal, data)
    assert exc.value.field == "lines-3-product_id"
    assert (count(db, Quote), count(db, QuoteLine)) == before
    draft = make_quote(deal, rep, product=product)
    product.active = False
    with pytest.raises(DomainError):
        quotes.submit_quote(rep, draft)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": Decimal("-1")}, "quantity"),
        ({"quantity": Decimal("0")}, "quantity"),
        ({"quantity": Decimal("0.0001")}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": Decimal("NaN")}, "quantity"),
        ({"unit_price": Decimal("-0.01")}, "unit_price"),
        ({"unit_price": Decimal("Infinity")}, "unit_price"),
        ({"discount_pct": Decimal("100.01")}, "discount_pct"),
        ({"discount_pct": Decimal("-1")}, "discount_pct"),
        ({"quantity": Decimal("999999999"), "unit_price": Decimal("9999999999999")}, "quantity"),
        ({"product_id": None}, "product_id"),
        ({"product_id": 987654321}, "product_id"),
    ],
)
def test_bad_line_values_are_refused_on_their_field(db, team_deal, change, field):
    deal, rep, _manager, product = team_deal
    line = {
        "product_id": product.id,
        "quantity": Decimal("1"),
        "unit_price": None,
        "discount_pct": Decimal("0"),
        "row": 0,
    }
    line.update(change)
    data = quote_input([(product, 1, None, 0)])
    data.lines = [quotes.LineInput(**line)]
    with pytest.raises(DomainError) as exc:
        quotes.create_quote(rep, deal, data)
    assert exc.value.field == f"lines-0-{field}"
    assert count(db, Quote) == 0 and count(db, QuoteLine) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"currency": "XXX"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"language": "fr"}, "language"),
        ({"tax_rate": Decimal("101")}, "tax_rate"),
        ({"tax_rate": Decimal("-1")}, "tax_rate"),
        ({"valid_until": None}, "valid_until"),
        ({"valid_until": date(2000, 1, 1)}, "valid_until"),
    ],
)
def test_bad_header_values_are_refused_on_their_field(db, team_deal, overrides, field):
    deal, rep, _manager, product = team_deal
    with pytest.raises(DomainError) as exc:
        quotes.create_quote(rep, deal, quote_input([(product, 1, None, 0)], **overrides))
    assert exc.value.field == field
    assert count(db, Quote) == 0


def test_a_quote_needs_lines(db, team_deal):
    deal, rep, _manager, _product = team_deal
    with pytest.raises(DomainError) as exc:
        quotes.create_quote(rep, deal, quote_input([]))
    assert exc.value.field == "lines"


def test_a_failed_edit_of_a_draft_leaves_it_as_it_was(db, team_deal):
    deal, rep, _manager, product = team_deal
    quote = make_quote(deal, rep, product=product)
    total, lines = quote.total, [line.id for line in quote.lines]
    bad = quote_input([(product, 1, None, 0), (product, -5, None, 0)])
    with pytest.raises(DomainError):
        quotes.update_quote(rep, quote, bad, quote.version)
    assert quote.total == total and [line.id for line in quote.lines] == lines


# --- products ------------------------------------------------------------------------------------


def test_products_are_created_checked_and_deactivated(db):
    admin = make_user(role="admin")
    product = products.create_product(
        admin,
        {
            "sku": " GTX-NEW ",
            "name": "GTX 新品",
            "series": "GTX",
            "list_price": Decimal("12.345"),
            "currency": "cny",
        },
    )
    assert (product.sku, product.list_price, product.currency, product.active) == (
        "GTX-NEW",
        Decimal("12.35"),
        "CNY",
        True,
    )
    for data, field in (
        ({"sku": "gtx-new", "name": "Other"}, "sku"),
        ({"sku": "OTHER", "name": "gtx 新品"}, "name"),
        ({"sku": "X1", "name": "X1", "list_price": Decimal("-1")}, "list_price"),
        ({"sku": "X2", "name": "X2", "currency": "ZZZ"}, "currency"),
        ({"sku": " ", "name": "X3"}, "sku"),
    ):
        with pytest.raises(DomainError) as exc:
            products.create_product(
                admin, {"list_price": Decimal("1"), "currency": "CNY", "series": "", **data}
            )
        assert exc.value.field == field, data
    products.update_product(admin, product, {"list_price": Decimal("20")}, product.version)
    assert product.list_price == Decimal("20.00")
    products.deactivate_product(admin, product)
    assert not product.active
    assert product not in queries.active_products()
    with pytest.raises(DomainError):
        products.deactivate_product(admin, product)
    assert any(row.action == "deactivate" for row in history_for("products", product.id))
    assert count(db, Product) >= 1


# --- the PDF fetcher and the demo ------------------------------------------------------------------


def test_the_pdf_fetcher_reads_only_static_files(app):
    with app.app_context():
        root = pdf.static_root()
        fetcher = pdf.static_only_fetcher()
        css = fetcher.fetch((root / "css" / "pdf_fonts.css").as_uri())
        assert b"@font-face" in css.read()
        css.close()
        for url in (
            "file:///etc/passwd",
            (root / ".." / "salesweb" / "config.py").as_uri(),
            (root / "css" / ".." / ".." / "wsgi.py").as_uri(),
            "http://example.com/x.css",
            "https://127.0.0.1/secret",
            "data:text/css,body{}",
            "file://otherhost" + (root / "css" / "quote_pdf.css").as_posix(),
        ):
            with pytest.raises(ValueError):
                fetcher.fetch(url)


def test_demo_quotes_are_safe_to_seed_twice(db):
    from salesweb.core import seeding

    names = [name for name, _ in seeding.seeders()]
    assert names.index("deals") < names.index("quotes")
    for _name, seeder in seeding.seeders():
        seeder()
        db.session.flush()
    first = count(db, Quote)
    quotes.seed_quotes()
    assert count(db, Quote) == first
    statuses = set(db.session.scalars(select(Quote.status)))
    assert {"pending_approval", "approved", "sent", "draft"} <= statuses
    pending = db.session.scalar(select(Quote).where(Quote.status == "pending_approval"))
    assert pending.max_discount == Decimal("20.00")
