"""Pipeline factories: make_<noun>(**overrides) adds a valid object and flushes."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from salesweb.extensions import db
from tests.factories import make_account, make_user

_seq = itertools.count(1)


def make_process():
    """The default sales process (seeding the reference data with it), once per database."""
    from salesweb.pipeline import services
    from salesweb.pipeline.seed import seed_reference

    if services.default_process() is None:
        seed_reference()  # processes, lost reasons, demo products and rates
    return services.default_process()


def make_deal(owner=None, account=None, stage_key: str | None = None, process=None, **overrides):
    """A deal made through the service, in `stage_key` of `process` (default: the first stage
    of the default process); every other keyword is a field of the deal form."""
    from salesweb.pipeline import services

    process = process or make_process()
    owner = owner or make_user()
    account = account or make_account(owner=owner)
    data = {
        "title": overrides.pop("title", f"Deal {next(_seq)}"),
        "amount": overrides.pop("amount", Decimal("1000.00")),
        "currency": overrides.pop("currency", "CNY"),
    }
    data.update(overrides)
    stage = process.current_version.stage_by_key(stage_key) if stage_key else None
    return services.create_deal(
        owner, data, account=account, owner=owner, process=process, stage=stage
    )


def make_product(**overrides):
    from salesweb.pipeline.models import Product

    n = next(_seq)
    product = Product(
        sku=overrides.pop("sku", f"SKU-{n:04d}"),
        name=overrides.pop("name", f"Product {n} 产品"),
        series=overrides.pop("series", "Test"),
        list_price=overrides.pop("list_price", Decimal("100.00")),
        currency=overrides.pop("currency", "CNY"),
        **overrides,
    )
    db.session.add(product)
    db.session.flush()
    return product


def quote_input(lines, **overrides):
    """A QuoteInput from (product, quantity, unit_price or None, discount) tuples."""
    from salesweb.core.models import today
    from salesweb.pipeline.services.quotes import LineInput, QuoteInput

    return QuoteInput(
        lines=[
            LineInput(
                p.id if p else None,
                Decimal(str(q)),
                None if u is None else Decimal(str(u)),
                Decimal(str(d)),
            )
            for p, q, u, d in lines
        ],
        currency=overrides.pop("currency", "CNY"),
        language=overrides.pop("language", "zh_CN"),
        tax_rate=overrides.pop("tax_rate", Decimal("13")),
        valid_until=overrides.pop("valid_until", today() + timedelta(days=30)),
        terms=overrides.pop("terms", "付款：30天内。"),
    )


def make_quote(deal=None, actor=None, discount="0", product=None, status=None, **overrides):
    """A draft quote (one line, 2 × 100.00 less `discount` %); `status="approved"` etc. walks it
    through the workflow, approving with a manager of the owner's team when needed."""
    from salesweb.pipeline.services import quotes

    deal = deal or make_deal()
    actor = actor or deal.owner
    product = product or make_product()
    quote = quotes.create_quote(
        actor, deal, quote_input([(product, 2, None, discount)], **overrides)
    )
    if status in ("pending_approval", "approved", "sent", "accepted", "declined", "rejected"):
        quotes.submit_quote(actor, quote)
    if quote.status == "pending_approval" and status not in ("pending_approval", None):
        manager = (
            make_user(role="manager", team=deal.owner.team)
            if deal.owner.team
            else make_user(role="admin")
        )
        if status == "rejected":
            quotes.reject_quote(manager, quote, "Too generous")
        else:
            quotes.approve_quote(manager, quote, "OK")
    if status in ("sent", "accepted", "declined"):
        quotes.mark_sent(actor, quote)
    if status == "accepted":
        quotes.mark_accepted(actor, quote)
    if status == "declined":
        quotes.mark_declined(actor, quote)
    return quote
