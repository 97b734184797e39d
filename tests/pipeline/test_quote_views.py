"""Quote and product pages: page vs fragment, 422s with field errors and an unchanged database,
other people's deals, the manager's queue, and the PDF with its embedded CJK font."""

from __future__ import annotations

import json
import re
import zlib
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import render_template
from flask_babel import force_locale
from flask_login import login_user
from sqlalchemy import func, select

from salesweb.core.audit import history_for
from salesweb.core.models import today
from salesweb.customers.models import Task
from salesweb.pipeline.models import Product, Quote, QuoteLine
from tests.conftest import HX, by_id, parse
from tests.factories import make_account, make_team, make_user
from tests.pipeline.factories import make_deal, make_product, make_quote

EN = {"Accept-Language": "en"}


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def snapshot(db) -> tuple[int, int]:
    return count(db, Quote), count(db, QuoteLine)


@pytest.fixture
def team(db):
    """A team with a rep (signed-in later by the test) and its manager; a rep deal; products."""
    team = make_team()
    rep = make_user(role="rep", team=team, locale="en")
    manager = make_user(role="manager", team=team, locale="en")
    account = make_account(owner=rep, name="杭州云帆科技有限公司")
    deal = make_deal(owner=rep, account=account, title="云帆 ERP rollout")
    product = make_product(name="GTX 专业版", sku="GTX-PRO-T", list_price=Decimal("1000.00"))
    other = make_product(name="Valve T 阀", sku="VALVE-T", list_price=Decimal("55.00"))
    db.session.commit()
    return {"rep": rep, "manager": manager, "deal": deal, "product": product, "other": other}


def quote_form(product_id, **overrides):
    data = {
        "currency": "CNY",
        "language": "zh_CN",
        "tax_rate": "13",
        "valid_until": (today() + timedelta(days=20)).isoformat(),
        "terms": "付款：合同签订后30天内。",
        "lines-0-product_id": str(product_id),
        "lines-0-quantity": "2",
        "lines-0-unit_price": "",
        "lines-0-discount_pct": "20",
        "lines-0-note": "含安装",
    }
    for row in range(1, 5):
        data.update(
            {
                f"lines-{row}-product_id": "0",
                f"lines-{row}-quantity": "",
                f"lines-{row}-unit_price": "",
                f"lines-{row}-discount_pct": "",
                f"lines-{row}-note": "",
            }
        )
    data.update(overrides)
    return data


# --- creating and editing --------------------------------------------------------------------------


def test_new_quote_page_and_fragment(client, login_as, team):
    login_as(user=team["rep"])
    url = f"/pipeline/deals/{team['deal'].id}/quotes/new"
    page = client.get(url, headers=EN)
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    rows = parse(page).xpath("//table[@id='quote-lines']/tbody/tr")
    assert len(rows) == 5
    assert by_id(page, "currency").xpath("./option[@selected]/@value") == ["CNY"]
    options = by_id(page, "lines-0-product_id").xpath("./option/@value")
    assert str(team["product"].id) in options
    fragment = client.get(url, headers={**HX, **EN})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and by_id(fragment, "quote-form") is not None
    assert "HX-Request" in fragment.headers["Vary"]


def test_create_quote_saves_a_draft_with_totals(client, login_as, team, db):
    login_as(user=team["rep"])
    response = client.post(
        f"/pipeline/deals/{team['deal'].id}/quotes/new",
        data=quote_form(
            team["product"].id,
            **{"lines-1-product_id": str(team["other"].id), "lines-1-quantity": "3"},
        ),
    )
    assert response.status_code == 303
    quote = db.session.scalar(select(Quote).order_by(Quote.id.desc()))
    assert response.headers["Location"].endswith(f"/pipeline/quotes/{quote.id}")
    assert quote.status == "draft" and quote.number.startswith("Q-")
    # 2 × 1000 less 20 % = 1600; 3 × 55 = 165; subtotal 1765; tax 13 % = 229.45
    assert quote.subtotal == Decimal("1765.00") and quote.total == Decimal("1994.45")
    assert [line.description for line in quote.lines] == ["含安装", ""]
    page = client.get(f"/pipeline/quotes/{quote.id}", headers=EN)
    assert page.status_code == 200
    assert by_id(page, "quote-status-label").text_content().strip() == "Draft"
    assert by_id(page, "quote-submit") is not None and by_id(page, "quote-pdf") is None
    assert "1,994.45" in by_id(page, "quote-total").text_content()


@pytest.mark.parametrize("headers", [EN, {**HX, **EN}])
def test_bad_quote_input_is_field_level_and_saves_nothing(client, login_as, team, db, headers):
    login_as(user=team["rep"])
    before = snapshot(db)
    response = client.post(
        f"/pipeline/deals/{team['deal'].id}/quotes/new",
        headers=headers,
        data=quote_form(
            team["product"].id,
            currency="XXX",
            valid_until="2026-02-31",
            tax_rate="lots",
            **{
                "lines-0-quantity": "-2",
                "lines-1-product_id": str(team["other"].id),
                "lines-1-quantity": "1",
                "lines-1-discount_pct": "150",
                "lines-2-product_id": str(team["other"].id),
                "lines-2-quantity": "1",
                "lines-2-unit_price": "abc",
                "lines-3-product_id": str(team["other"].id),
                "lines-3-quantity": "1",
                "lines-3-discount_pct": "-5",
                "lines-4-product_id": str(team["other"].id),
                "lines-4-quantity": "sNaN",
            },
        ),
    )
    assert response.status_code == 422
    for field in (
        "currency",
        "valid_until",
        "tax_rate",
        "lines-0-quantity",
        "lines-1-discount_pct",
        "lines-2-unit_price",
        "lines-3-discount_pct",
        "lines-4-quantity",
    ):
        assert by_id(response, f"{field}-error") is not None, field
    assert by_id(response, "lines-1-discount_pct").get("value") == "150"  # kept what was typed
    assert ("<html" in response.get_data(as_text=True)) == ("HX-Request" not in headers)
    assert snapshot(db) == before


def test_inactive_product_and_zero_quantity_come_back_from_the_service(client, login_as, team, db):
    login_as(user=team["rep"])
    retired = make_product(active=False, name="Old model")
    db.session.commit()
    before = snapshot(db)
    url = f"/pipeline/deals/{team['deal'].id}/quotes/new"
    inactive = client.post(url, headers=EN, data=quote_form(retired.id))
    assert inactive.status_code == 422
    assert "no longer sold" in by_id(inactive, "lines-0-product_id-error").text_content()
    zero = client.post(
        url, headers=EN, data=quote_form(team["product"].id, **{"lines-0-quantity": "0"})
    )
    assert zero.status_code == 422 and by_id(zero, "lines-0-quantity-error") is not None
    empty = client.post(
        url,
        headers=EN,
        data=quote_form(
            0, **{"lines-0-quantity": "", "lines-0-discount_pct": "", "lines-0-note": ""}
        ),
    )
    assert empty.status_code == 422 and "at least one line" in empty.get_data(as_text=True)
    past = client.post(
        url, headers=EN, data=quote_form(team["product"].id, valid_until="2001-01-01")
    )
    assert past.status_code == 422 and by_id(past, "valid_until-error") is not None
    assert snapshot(db) == before


def test_other_reps_deal_and_quotes_are_404(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], status="approved")
    db.session.commit()
    login_as("rep")
    before = snapshot(db)
    deal_id = team["deal"].id
    assert client.get(f"/pipeline/deals/{deal_id}/quotes/new").status_code == 404
    assert (
        client.post(f"/pipeline/deals/{deal_id}/quotes/new", data=quote_form(team["product"].id))
    ).status_code == 404
    for url in (
        f"/pipeline/quotes/{quote.id}",
        f"/pipeline/quotes/{quote.id}/edit",
        f"/pipeline/quotes/{quote.id}/pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert quote.number not in response.get_data(as_text=True)
    for action in ("submit", "sent", "accepted", "declined"):
        assert client.post(f"/pipeline/quotes/{quote.id}/{action}").status_code == 404
    assert snapshot(db) == before


def test_compliance_reads_quotes_but_cannot_change_them(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"])
    db.session.commit()
    login_as("compliance")
    page = client.get(f"/pipeline/quotes/{quote.id}")
    assert page.status_code == 200 and by_id(page, "quote-submit") is None
    assert client.post(f"/pipeline/quotes/{quote.id}/submit").status_code == 403
    assert client.get(f"/pipeline/quotes/{quote.id}/edit").status_code == 403


def test_editing_an_approved_quote_makes_a_revision_and_keeps_the_old_one(
    client, login_as, team, db
):
    quote = make_quote(team["deal"], team["rep"], product=team["product"], status="approved")
    db.session.commit()
    login_as(user=team["rep"])
    form = client.get(f"/pipeline/quotes/{quote.id}/edit", headers=EN)
    assert form.status_code == 200 and by_id(form, "revision-note") is not None
    assert by_id(form, "lines-0-quantity").get("value") == "2.000"
    response = client.post(
        f"/pipeline/quotes/{quote.id}/edit",
        data=quote_form(
            team["product"].id, version=str(quote.version), **{"lines-0-quantity": "5"}
        ),
    )
    assert response.status_code == 303
    revision = db.session.scalar(select(Quote).order_by(Quote.id.desc()))
    assert (revision.number, revision.revision, revision.status) == (quote.number, 2, "draft")
    assert response.headers["Location"].endswith(f"/pipeline/quotes/{revision.id}")
    old = client.get(f"/pipeline/quotes/{quote.id}", headers=EN)
    assert by_id(old, "quote-superseded") is not None
    assert by_id(old, "quote-status-label").text_content().strip() == "Approved"
    assert by_id(old, "quote-edit") is None and by_id(old, "quote-pdf") is not None
    # Editing the old revision again is refused with a message, not a second revision.
    again = client.get(f"/pipeline/quotes/{quote.id}/edit")
    assert again.status_code == 303
    assert count(db, Quote) == 2


def test_stale_version_on_edit_is_a_conflict_message(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], product=team["product"])
    db.session.commit()
    login_as(user=team["rep"])
    response = client.post(
        f"/pipeline/quotes/{quote.id}/edit",
        headers=EN,
        data=quote_form(team["product"].id, version=str(quote.version + 7)),
    )
    assert response.status_code == 422
    assert "Someone else changed" in parse(response).xpath("string(//div[@class='form-errors'])")


# --- submit, queue, decisions ------------------------------------------------------------------------


def test_submit_fragment_then_manager_approves_in_the_queue(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], discount="20", product=team["product"])
    elsewhere = make_quote(
        make_deal(owner=make_user(team=make_team())), discount="30", status="pending_approval"
    )
    db.session.commit()
    login_as(user=team["rep"])
    submitted = client.post(
        f"/pipeline/quotes/{quote.id}/submit", headers={**HX, **EN}, data={"version": quote.version}
    )
    assert submitted.status_code == 200
    assert "<html" not in submitted.get_data(as_text=True)
    assert by_id(submitted, "quote-status-label").text_content().strip() == "Waiting for approval"
    assert "quoteSubmitted" in json.loads(submitted.headers["HX-Trigger"])
    assert client.get("/pipeline/quotes/approvals").status_code == 403  # reps have no queue

    login_as(user=team["manager"])
    queue = client.get("/pipeline/quotes/approvals", headers=EN)
    rows = parse(queue).xpath("//table[@id='approval-table']/tbody/tr/@data-number")
    assert rows == [quote.number]  # the team's quote, not the other team's
    assert elsewhere.number not in queue.get_data(as_text=True)
    db.session.refresh(quote)
    decided = client.post(
        f"/pipeline/quotes/{quote.id}/approve",
        headers={**HX, **EN, "HX-Target": f"quote-decision-{quote.id}"},
        data={
            f"decision-{quote.id}-comment": "OK for a strategic account",
            f"decision-{quote.id}-version": quote.version,
            f"decision-{quote.id}-back": "queue",
        },
    )
    assert decided.status_code == 200
    assert "quoteApproved" in json.loads(decided.headers["HX-Trigger"])
    assert by_id(decided, f"quote-decision-{quote.id}") is not None
    assert "OK for a strategic account" in decided.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "approved"
    assert any(r.action == "quote_approved" for r in history_for("deals", team["deal"].id))
    task = db.session.scalar(select(Task).where(Task.owner_id == team["rep"].id))
    assert task is not None and quote.number in task.title
    empty = client.get("/pipeline/quotes/approvals", headers=EN)
    assert by_id(empty, "approval-empty") is not None


def test_reject_needs_a_comment_and_other_teams_are_404(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], discount="25", status="pending_approval")
    db.session.commit()
    prefix = f"decision-{quote.id}"
    login_as("manager", team=make_team())
    assert (
        client.post(
            f"/pipeline/quotes/{quote.id}/reject", data={f"{prefix}-comment": "no"}
        ).status_code
        == 404
    )
    login_as(user=team["manager"])
    refused = client.post(
        f"/pipeline/quotes/{quote.id}/reject",
        headers={**HX, **EN},
        data={f"{prefix}-comment": "  ", f"{prefix}-back": "queue"},
    )
    assert refused.status_code == 422
    assert by_id(refused, f"{prefix}-comment-error") is not None
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == "pending_approval"
    page = client.post(
        f"/pipeline/quotes/{quote.id}/reject", headers=EN, data={f"{prefix}-comment": ""}
    )
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True)
    done = client.post(
        f"/pipeline/quotes/{quote.id}/reject",
        data={f"{prefix}-comment": "Max 18 % please", f"{prefix}-back": "queue"},
    )
    assert done.status_code == 303 and done.headers["Location"].endswith(
        "/pipeline/quotes/approvals"
    )
    db.session.expire_all()
    rejected = db.session.get(Quote, quote.id)
    assert rejected.status == "rejected" and rejected.decision_comment == "Max 18 % please"


def test_the_deal_page_section_shows_quotes_and_the_decision(app, team, db):
    quote = make_quote(team["deal"], team["rep"], discount="40", status="rejected")
    approved = make_quote(team["deal"], team["rep"], status="approved")
    quotes = [approved, quote]
    with app.test_request_context(headers=EN):
        login_user(team["rep"])
        with force_locale("en"):
            html = render_template("pipeline/_deal_quotes.html", deal=team["deal"], quotes=quotes)
    assert 'id="quote-new"' in html and quote.number in html and "Too generous" in html
    assert "Rejected" in html and f"/pipeline/quotes/{approved.id}/pdf" in html
    assert f"/pipeline/quotes/{quote.id}/pdf" not in html
    with app.test_request_context(headers=EN):
        login_user(make_user(role="compliance"))
        html = render_template("pipeline/_deal_quotes.html", deal=team["deal"], quotes=quotes)
    assert 'id="quote-new"' not in html


def test_mark_sent_accepted_and_refusals_on_the_page(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], status="approved")
    db.session.commit()
    login_as(user=team["rep"])
    accepted_too_early = client.post(f"/pipeline/quotes/{quote.id}/accepted", headers={**HX, **EN})
    assert accepted_too_early.status_code == 422
    assert by_id(accepted_too_early, "quote-action-error") is not None
    sent = client.post(f"/pipeline/quotes/{quote.id}/sent")
    assert sent.status_code == 303
    accepted = client.post(f"/pipeline/quotes/{quote.id}/accepted", headers={**HX, **EN})
    assert accepted.status_code == 200 and "quoteAccepted" in accepted.headers["HX-Trigger"]
    assert by_id(accepted, "quote-status-label").text_content().strip() == "Accepted"


# --- the PDF -----------------------------------------------------------------------------------------


def pdf_content(data: bytes) -> bytes:
    """The PDF with its (Flate) streams decompressed, to look for fonts and character maps."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_pdf_of_an_approved_quote_embeds_the_vendored_cjk_font(client, login_as, team, db):
    draft = make_quote(team["deal"], team["rep"], product=team["product"])
    quote = make_quote(team["deal"], team["rep"], product=team["product"], status="approved")
    db.session.commit()
    login_as(user=team["rep"])
    refused = client.get(f"/pipeline/quotes/{draft.id}/pdf")
    assert refused.status_code == 422
    response = client.get(f"/pipeline/quotes/{quote.id}/pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"{quote.number}-v1.pdf" in disposition
    data = response.get_data()
    assert data.startswith(b"%PDF")
    content = pdf_content(data)
    fonts = set(re.findall(rb"/BaseFont\s*/([^\s/<>\[\]()]+)", content))
    assert fonts and all(b"Noto-Sans-SC" in name for name in fonts), fonts
    assert not any(b"CJK" in name or b"DejaVu" in name for name in fonts)
    # The Chinese of the account and product names is drawn with glyphs mapped back to Unicode.
    cmap = content.upper()
    for char in "杭州云帆专业版":
        assert f"<{ord(char):04X}>".encode() in cmap, char


def test_pdf_in_english_for_an_english_quote(client, login_as, team, db):
    quote = make_quote(
        team["deal"], team["rep"], product=team["product"], status="approved", language="en"
    )
    db.session.commit()
    login_as(user=team["rep"])
    data = client.get(f"/pipeline/quotes/{quote.id}/pdf").get_data()
    cmap = pdf_content(data).upper()
    for char in "QUOTATION":  # the English title; every glyph is mapped in the CMap
        assert f"<{ord(char):04X}>".encode() in cmap, char


# --- products ----------------------------------------------------------------------------------------


def test_product_list_search_sort_and_fragment(client, login_as, db):
    login_as("admin")
    make_product(sku="ZZ-1", name="Zeta 泵", series="Pumps", list_price=Decimal("5"))
    make_product(sku="AA-1", name="Alpha 阀门", series="Valves", list_price=Decimal("50"))
    make_product(sku="OLD-1", name="Old valve", series="Valves", active=False)
    db.session.commit()
    page = client.get("/pipeline/products?q=valves&sort=-price", headers=EN)
    assert page.status_code == 200
    names = parse(page).xpath("//table[@id='product-table']/tbody/tr/td[2]/a/text()")
    assert names == ["Alpha 阀门"]
    fragment = client.get("/pipeline/products?q=泵", headers={**HX, **EN})
    assert "<html" not in fragment.get_data(as_text=True) and "Zeta 泵" in fragment.get_data(
        as_text=True
    )
    inactive = client.get("/pipeline/products?show=inactive&q=old", headers=EN)
    assert "Old valve" in inactive.get_data(as_text=True)
    junk = client.get("/pipeline/products?sort=drop&show=x&page=-3&q=%25")
    assert junk.status_code == 200


def test_products_are_admin_only(client, login_as, db):
    product = make_product()
    db.session.commit()
    for role in ("rep", "manager", "compliance"):
        login_as(role)
        assert client.get("/pipeline/products").status_code == 403
        assert client.post(f"/pipeline/products/{product.id}/deactivate").status_code == 403


def test_create_product_and_bad_input(client, login_as, db):
    login_as("admin")
    make_product(sku="DUP-1", name="Existing")
    db.session.commit()
    before = count(db, Product)
    bad = client.post(
        "/pipeline/products/new",
        headers=EN,
        data={"sku": "", "name": "x" * 201, "list_price": "-3", "currency": "XXX"},
    )
    assert bad.status_code == 422
    for field in ("sku", "name", "list_price", "currency"):
        assert by_id(bad, f"{field}-error") is not None, field
    dup = client.post(
        "/pipeline/products/new",
        headers=EN,
        data={"sku": "dup-1", "name": "Other", "list_price": "1", "currency": "CNY"},
    )
    assert (
        dup.status_code == 422 and "already has this SKU" in by_id(dup, "sku-error").text_content()
    )
    assert count(db, Product) == before
    ok = client.post(
        "/pipeline/products/new",
        data={
            "sku": "NEW-1",
            "name": "新产品",
            "series": "S",
            "list_price": "99.5",
            "currency": "USD",
        },
    )
    assert ok.status_code == 303
    product = db.session.scalar(select(Product).where(Product.sku == "NEW-1"))
    assert product.active and product.list_price == Decimal("99.50") and product.currency == "USD"


def test_edit_and_deactivate_product(client, login_as, db):
    login_as("admin")
    product = make_product(name="Pump")
    db.session.commit()
    edit = client.get(f"/pipeline/products/{product.id}/edit")
    assert edit.status_code == 200 and by_id(edit, "active") is not None
    saved = client.post(
        f"/pipeline/products/{product.id}/edit",
        data={
            "sku": product.sku,
            "name": "Pump v2",
            "list_price": "120",
            "currency": "CNY",
            "active": "y",
            "version": product.version,
        },
    )
    assert saved.status_code == 303
    row = client.post(f"/pipeline/products/{product.id}/deactivate", headers={**HX, **EN})
    assert row.status_code == 200 and "<html" not in row.get_data(as_text=True)
    assert by_id(row, f"product-{product.id}") is not None and "Inactive" in row.get_data(
        as_text=True
    )
    assert "productDeactivated" in row.headers["HX-Trigger"]
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.name == "Pump v2" and not product.active
    assert client.get("/pipeline/products/999999/edit").status_code == 404


# --- history panels ----------------------------------------------------------------------------------


def test_quote_page_shows_its_history(client, login_as, team, db):
    quote = make_quote(team["deal"], team["rep"], status="sent")
    db.session.commit()
    login_as(user=team["rep"])
    page = client.get(f"/pipeline/quotes/{quote.id}", headers=EN)
    panel = by_id(page, f"history-quotes-{quote.id}")
    assert panel is not None
    shown = [li.get("id") for li in panel.iter("li") if li.get("id")]
    expected = [f"audit-{row.id}" for row in history_for("quotes", quote.id)]
    assert shown == expected and len(shown) >= 2  # at least submitted and sent


def test_product_form_shows_its_history(client, login_as, db):
    login_as("admin")
    product = make_product(name="Pump")
    db.session.commit()
    client.post(f"/pipeline/products/{product.id}/deactivate")
    page = client.get(f"/pipeline/products/{product.id}/edit", headers=EN)
    panel = by_id(page, f"history-products-{product.id}")
    assert panel is not None and "deactivated" in panel.text_content()
