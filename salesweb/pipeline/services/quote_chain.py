"""The chain from an accepted quote to the deal's amount and to the won deal's order.

When the customer accepts a quote, the deal's amount becomes the quote's total. When the two
differ later (someone edited the deal), signing the contract or winning the deal asks the
person which one counts, and keeps their reason in the deal's history. Services flush and never
commit.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from salesweb.auth.models import User
from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.core.models import today
from salesweb.core.money import format_money, to_base
from salesweb.customers.services import LineInput
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealStatus, Quote, QuoteStatus

KEEP_DEAL = "deal"
TAKE_QUOTE = "quote"
MAX_REASON = 300

audit.register_actions(
    {
        "amount_from_quote": _l("amount taken from the accepted quote"),
        "amount_kept": _l("own amount kept, not the accepted quote's"),
    }
)


class AmountDiffers(DomainError):
    """The deal's amount and its accepted quote's total differ: the person chooses which one
    counts (`KEEP_DEAL` or `TAKE_QUOTE`) and says why."""

    def __init__(self, deal: Deal, quote: Quote) -> None:
        super().__init__(
            _(
                "The deal's amount (%(amount)s) differs from the accepted quote %(quote)s "
                "(%(total)s): choose which one counts and say why.",
                amount=format_money(deal.amount, deal.currency) if deal.amount is not None else "—",
                quote=quote.number,
                total=format_money(quote.total, quote.currency),
            ),
            field="amount_choice",
        )
        self.deal = deal
        self.quote = quote


def accepted_quote(deal: Deal) -> Quote | None:
    """The quote the customer accepted most recently for this deal, if any."""
    return db.session.scalar(
        select(Quote)
        .where(
            Quote.deal_id == deal.id,
            Quote.status == QuoteStatus.ACCEPTED,
            Quote.deleted_at.is_(None),
        )
        .order_by(Quote.updated_at.desc(), Quote.id.desc())
        .limit(1)
    )


def matches(deal: Deal, quote: Quote) -> bool:
    """Whether the deal's amount is the quote's total, in the same currency."""
    return deal.amount == quote.total and deal.currency == quote.currency


def amount_question(deal: Deal) -> Quote | None:
    """The accepted quote whose total differs from the deal's amount without a person having
    said why (the question to ask at signing or winning), or None."""
    quote = accepted_quote(deal)
    if quote is None or matches(deal, quote) or deal.amount_note:
        return None
    return quote


def take_quote_amount(deal: Deal, quote: Quote, reason: str = "") -> None:
    """The deal's amount becomes the quote's total: one history row that names the quote."""
    rebook = deal.currency != quote.currency or deal.rate is None
    deal.amount, deal.currency = quote.total, quote.currency
    deal.quote_id, deal.amount_note = quote.id, reason
    deal.book(to_base(deal.amount, deal.currency, today()) if rebook else None)
    audit.name_change(deal, "amount_from_quote")
    db.session.flush()


def takes_accepted_amount(deal: Deal) -> bool:
    """Does the deal take the total of a quote its customer accepts? Only while it is open."""
    return deal.status == DealStatus.OPEN and not deal.is_deleted


def on_quote_accepted(deal: Deal, quote: Quote) -> None:
    """An open deal takes the total of the quote its customer accepted."""
    if takes_accepted_amount(deal):
        take_quote_amount(deal, quote)


def _reason(text: str | None) -> str:
    reason = (text or "").strip()
    if not reason:
        raise DomainError(_("Say why."), field="amount_reason")
    if len(reason) > MAX_REASON:
        raise DomainError(
            _("Keep the reason under %(n)d characters.", n=MAX_REASON), field="amount_reason"
        )
    return reason


def settle_amount(
    actor: User | None, deal: Deal, choice: str | None, reason: str | None = ""
) -> Quote | None:
    """Before signing or winning: when the deal's amount and its accepted quote differ, apply
    the person's choice with their reason, or raise AmountDiffers. The accepted quote, if any."""
    quote = amount_question(deal)
    if quote is None:
        return accepted_quote(deal)
    if choice not in (KEEP_DEAL, TAKE_QUOTE):
        raise AmountDiffers(deal, quote)
    why = _reason(reason)
    if choice == TAKE_QUOTE:
        take_quote_amount(deal, quote, why)
    else:
        deal.quote_id, deal.amount_note = quote.id, why
        audit.name_change(deal, "amount_kept")
        db.session.flush()
    return quote


def order_lines(deal: Deal, quote: Quote | None) -> tuple[list[LineInput], Decimal]:
    """The won deal's order: the accepted quote's lines and tax when the deal's amount is the
    quote's total; otherwise one line of the deal's amount."""
    if quote is None or not matches(deal, quote):
        line = LineInput(deal.product_name or deal.title, Decimal("1"), deal.amount)
        return [line], Decimal("0")
    lines = [
        LineInput(
            " · ".join(p for p in (line.product.name, line.description) if p)[:200],
            line.quantity,
            line.unit_price,
            line_total=line.line_total,
        )
        for line in quote.lines
    ]
    return lines, quote.tax
