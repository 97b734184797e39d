"""Products and quotes: numbering, totals, revisions, discount approval, the PDF, demo quotes.

Services take objects and the acting user, flush, and never commit. Decisions are written to
the quote's and the deal's audit history, and the deal owner gets a follow-up task.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import can_see_owner
from salesweb.core import audit, seeding
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, today, utcnow
from salesweb.core.money import CENT, is_currency
from salesweb.core.pdf import render_pdf
from salesweb.customers import services as customers
from salesweb.customers import task_titles
from salesweb.extensions import db
from salesweb.pipeline.models import (
    QUOTE_STATUS_LABELS,
    Deal,
    DealStatus,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
)
from salesweb.pipeline.permissions import can_approve_quotes, scope_deals

HUNDRED = Decimal(100)
QUANTITY_PLACES = Decimal("0.001")
MAX_AMOUNT = Decimal(10) ** 15  # what Numeric(18, 2) holds with room for the tax
MAX_QUANTITY = Decimal(10) ** 9
MAX_PRICE = Decimal(10) ** 13
MAX_LINES = 30
LANGUAGES = ("zh_CN", "en")
EDITABLE = frozenset({QuoteStatus.DRAFT})
# Changing one of these makes a new revision; the old one stays as it was.
REVISABLE = frozenset(
    {QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.DECLINED}
)
PRINTABLE = frozenset({QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED})

audit.register_actions(
    {
        "deactivate": _l("deactivated"),
        "quote_created": _l("quote created"),
        "quote_revised": _l("quote revised"),
        "quote_submitted": _l("quote submitted"),
        "quote_approved": _l("quote approved"),
        "quote_rejected": _l("quote rejected"),
        "quote_sent": _l("quote sent to the customer"),
        "quote_accepted": _l("quote accepted by the customer"),
        "quote_declined": _l("quote declined by the customer"),
    }
)
audit.register_event_fields(
    {"quote": _l("Quote"), "quote_status": _l("Quote status")},
    {"quote_status": QUOTE_STATUS_LABELS},
)


def discount_limit() -> Decimal:
    """The largest line discount (in %) a rep may give without a manager's approval."""
    return Decimal(str(current_app.config.get("SALESWEB_QUOTE_DISCOUNT_LIMIT", 15)))


# --- products --------------------------------------------------------------------------------

PRODUCT_FIELDS = ("sku", "name", "series", "list_price", "currency", "active")


def _check_product(data: dict[str, Any], exclude_id: int | None) -> dict[str, Any]:
    clean = dict(data)
    for key in ("sku", "name", "series"):
        if key in clean:
            clean[key] = (clean[key] or "").strip()
    if not clean.get("sku"):
        raise DomainError(_("Give the product an SKU."), field="sku")
    if not clean.get("name"):
        raise DomainError(_("Give the product a name."), field="name")
    price = clean.get("list_price")
    if price is None or not price.is_finite() or price < 0 or price >= MAX_PRICE:
        raise DomainError(_("The list price must be zero or more."), field="list_price")
    clean["list_price"] = price.quantize(CENT, rounding=ROUND_HALF_UP)
    clean["currency"] = (clean.get("currency") or "").upper()
    if not is_currency(clean["currency"]):
        raise DomainError(_("Unknown currency."), field="currency")
    for key, message in (
        ("sku", _("Another product already has this SKU.")),
        ("name", _("Another product already has this name.")),
    ):
        stmt = select(Product.id).where(func.lower(getattr(Product, key)) == clean[key].lower())
        if exclude_id is not None:
            stmt = stmt.where(Product.id != exclude_id)
        if db.session.scalar(stmt.limit(1)) is not None:
            raise DomainError(message, field=key)
    return clean


def _flush_product(product: Product) -> None:
    """Flush; a twin saved at the same moment by someone else comes back as a field message."""
    try:
        with db.session.begin_nested():
            db.session.add(product)
            db.session.flush()
    except IntegrityError as exc:
        raise DomainError(_("Another product already has this SKU or name."), field="sku") from exc


def create_product(actor: User, data: dict[str, Any]) -> Product:
    """A new product in the price list."""
    clean = _check_product(data, exclude_id=None)
    product = Product(**{k: clean[k] for k in PRODUCT_FIELDS if k in clean})
    _flush_product(product)
    return product


def update_product(
    actor: User, product: Product, data: dict[str, Any], version: int | None
) -> Product:
    """Change a product; quotes already made keep their own prices."""
    check_version(product, version)
    clean = _check_product({**{k: getattr(product, k) for k in PRODUCT_FIELDS}, **data}, product.id)
    for key in PRODUCT_FIELDS:
        setattr(product, key, clean[key])
    _flush_product(product)
    return product


def deactivate_product(actor: User, product: Product) -> Product:
    """Stop offering a product: it stays on old quotes but cannot be put on new lines."""
    if not product.active:
        raise DomainError(_("This product is already inactive."))
    product.active = False
    audit.name_change(product, "deactivate")
    db.session.flush()
    return product


def active_products() -> list[Product]:
    return list(
        db.session.scalars(
            select(Product).where(Product.active.is_(True)).order_by(Product.series, Product.name)
        )
    )


# --- quote input and totals ------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """One line as typed: `row` is the form row, so a refusal lands next to the right input."""

    product_id: int | None
    quantity: Decimal | None
    unit_price: Decimal | None = None  # None: the product's list price
    discount_pct: Decimal | None = None
    description: str = ""
    row: int | None = None


@dataclass
class QuoteInput:
    lines: list[LineInput]
    currency: str = "CNY"
    language: str = "zh_CN"
    tax_rate: Decimal = Decimal("13")
    valid_until: date | None = None
    terms: str = ""


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    max_discount: Decimal
    line_totals: list[Decimal] = field(default_factory=list)


def line_total(quantity: Decimal, unit_price: Decimal, discount_pct: Decimal) -> Decimal:
    """Quantity × unit price less the discount, rounded half up to the cent."""
    gross = quantity * unit_price
    return (gross * (HUNDRED - discount_pct) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(lines: list[tuple[Decimal, Decimal, Decimal]], tax_rate: Decimal) -> Totals:
    """Subtotal of the lines, tax on the subtotal, total; and the largest discount given."""
    totals = [line_total(q, p, d) for q, p, d in lines]
    subtotal = sum(totals, Decimal("0.00"))
    tax = (subtotal * tax_rate / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    biggest = max((d for _q, _p, d in lines), default=Decimal("0"))
    return Totals(subtotal, tax, subtotal + tax, biggest, totals)


def _where(line: LineInput, name: str) -> str:
    return f"lines-{line.row}-{name}" if line.row is not None else name


def _finite(value: Decimal | None) -> bool:
    return value is not None and isinstance(value, Decimal) and value.is_finite()


def _checked_lines(data: QuoteInput) -> list[QuoteLine]:
    """The lines as QuoteLine objects (not yet added), or DomainError on the first bad value."""
    if not data.lines:
        raise DomainError(_("Add at least one line with a product."), field="lines")
    if len(data.lines) > MAX_LINES:
        raise DomainError(_("A quote has at most %(n)d lines.", n=MAX_LINES), field="lines")
    ids = {line.product_id for line in data.lines if line.product_id}
    products = (
        {p.id: p for p in db.session.scalars(select(Product).where(Product.id.in_(ids)))}
        if ids
        else {}
    )
    out: list[QuoteLine] = []
    for position, line in enumerate(data.lines):
        product = products.get(line.product_id or 0)
        if product is None:
            raise DomainError(
                _("Choose a product from the list."), field=_where(line, "product_id")
            )
        if not product.active:
            raise DomainError(
                _("“%(name)s” is no longer sold; choose another product.", name=product.name),
                field=_where(line, "product_id"),
            )
        quantity = line.quantity
        if not _finite(quantity) or quantity <= 0 or quantity > MAX_QUANTITY:
            raise DomainError(
                _("The quantity must be more than zero."), field=_where(line, "quantity")
            )
        quantity = quantity.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
        if quantity <= 0:
            raise DomainError(
                _("The quantity must be more than zero."), field=_where(line, "quantity")
            )
        price = line.unit_price
        if price is None:
            if product.currency != data.currency:
                raise DomainError(
                    _(
                        "The list price is in %(currency)s: give a unit price in the quote's currency.",
                        currency=product.currency,
                    ),
                    field=_where(line, "unit_price"),
                )
            price = product.list_price
        if not _finite(price) or price < 0 or price >= MAX_PRICE:
            raise DomainError(
                _("The unit price must be zero or more."), field=_where(line, "unit_price")
            )
        discount = Decimal("0") if line.discount_pct is None else line.discount_pct
        if not _finite(discount) or discount < 0 or discount > HUNDRED:
            raise DomainError(
                _("A discount is between 0 and 100."), field=_where(line, "discount_pct")
            )
        price = price.quantize(CENT, rounding=ROUND_HALF_UP)
        discount = discount.quantize(CENT, rounding=ROUND_HALF_UP)
        total = line_total(quantity, price, discount)
        if total >= MAX_AMOUNT:
            raise DomainError(_("This line is too large."), field=_where(line, "quantity"))
        out.append(
            QuoteLine(
                position=position,
                product_id=product.id,
                product=product,
                description=(line.description or "").strip()[:300],
                quantity=quantity,
                unit_price=price,
                discount_pct=discount,
                line_total=total,
            )
        )
    return out


def _check_header(data: QuoteInput) -> None:
    if not is_currency(data.currency):
        raise DomainError(_("Unknown currency."), field="currency")
    if data.language not in LANGUAGES:
        raise DomainError(_("Choose Chinese or English."), field="language")
    if not _finite(data.tax_rate) or data.tax_rate < 0 or data.tax_rate > HUNDRED:
        raise DomainError(_("The tax rate is between 0 and 100."), field="tax_rate")
    if data.valid_until is None:
        raise DomainError(_("Say until when the quote is valid."), field="valid_until")
    if data.valid_until < today():
        raise DomainError(_("The validity date is in the past."), field="valid_until")


def _fill(quote: Quote, data: QuoteInput) -> None:
    """Write the header and the lines, then the totals (all checked first: nothing half-saved)."""
    data.currency = (data.currency or "").upper()
    _check_header(data)
    lines = _checked_lines(data)
    tax_rate = data.tax_rate.quantize(CENT, rounding=ROUND_HALF_UP)
    totals = compute_totals(
        [(ln.quantity, ln.unit_price, ln.discount_pct) for ln in lines], tax_rate
    )
    if totals.total >= MAX_AMOUNT:
        raise DomainError(_("The quote's total is too large."), field="lines")
    quote.currency, quote.language, quote.tax_rate = data.currency, data.language, tax_rate
    quote.valid_until, quote.terms = data.valid_until, (data.terms or "").strip()
    quote.lines = lines
    quote.subtotal, quote.tax, quote.total = totals.subtotal, totals.tax, totals.total
    quote.max_discount = totals.max_discount


# --- numbering, revisions --------------------------------------------------------------------


def next_quote_number(year: int) -> str:
    """Q-YYYY-NNNN: the year's highest sequence number plus one (deleted quotes count too)."""
    prefix = f"Q-{year}-"
    highest = db.session.scalar(
        select(func.max(cast(func.substr(Quote.number, len(prefix) + 1), Integer))).where(
            Quote.number.like(f"{prefix}%")
        )
    )
    return f"{prefix}{(highest or 0) + 1:04d}"


def _insert_numbered(quote: Quote, year: int) -> None:
    """Insert under the next free number; when another request took it first, take the next."""
    for _attempt in range(5):
        quote.number = next_quote_number(year)
        try:
            with db.session.begin_nested():
                db.session.add(quote)
                db.session.flush()
            return
        except IntegrityError:
            continue  # (number, revision) is unique: somebody saved the same number meanwhile
    raise DomainError(_("The quote could not be numbered. Please try again."))


def latest_revision(quote: Quote) -> int:
    return (
        db.session.scalar(
            select(func.max(Quote.revision)).where(
                Quote.number == quote.number, Quote.deleted_at.is_(None)
            )
        )
        or quote.revision
    )


def revisions(quote: Quote) -> list[Quote]:
    """Every revision of the quote's number, newest first."""
    return list(
        db.session.scalars(
            select(Quote)
            .where(Quote.number == quote.number, Quote.deleted_at.is_(None))
            .order_by(Quote.revision.desc())
        )
    )


def _require_latest(quote: Quote) -> None:
    latest = latest_revision(quote)
    if quote.revision != latest:
        raise DomainError(_("Revision %(n)d of this quote is newer: work on that one.", n=latest))


def _require_open(deal: Deal) -> None:
    if deal.is_deleted or deal.status != DealStatus.OPEN:
        raise DomainError(_("Quotes are made for open deals only."))


def create_quote(actor: User, deal: Deal, data: QuoteInput) -> Quote:
    """A draft quote for the deal, numbered Q-YYYY-NNNN."""
    _require_open(deal)
    quote = Quote(
        revision=1,
        deal_id=deal.id,
        deal=deal,
        status=QuoteStatus.DRAFT,
        created_by_id=actor.id,
        decision_comment="",
    )
    _fill(quote, data)
    _insert_numbered(quote, today().year)
    audit.log_event("quote_created", deal, {"quote": [None, quote.audit_label]})
    db.session.flush()
    return quote


def check_changeable(quote: Quote) -> None:
    """DomainError unless the quote can be edited (draft) or revised (decided, sent, declined)."""
    if quote.status == QuoteStatus.PENDING:
        raise DomainError(_("This quote waits for a decision and cannot be changed now."))
    if quote.status not in EDITABLE | REVISABLE:
        raise DomainError(_("This quote cannot be changed any more."))
    _require_latest(quote)


def change_quote(actor: User, quote: Quote, data: QuoteInput, version: int | None) -> Quote:
    """Save an edit: a draft in place; a quote past draft as a new draft revision."""
    if quote.status in EDITABLE:
        return update_quote(actor, quote, data, version)
    return revise_quote(actor, quote, data, version)


def update_quote(actor: User, quote: Quote, data: QuoteInput, version: int | None) -> Quote:
    """Change a draft in place; anything past draft is changed through a new revision."""
    check_version(quote, version)
    if quote.status not in EDITABLE:
        raise DomainError(_("Only a draft can be changed; make a new revision instead."))
    _require_latest(quote)
    _fill(quote, data)
    db.session.flush()
    return quote


def revise_quote(actor: User, quote: Quote, data: QuoteInput, version: int | None) -> Quote:
    """A new draft revision of an approved, sent, rejected or declined quote; the old one stays."""
    check_version(quote, version)
    if quote.status not in REVISABLE:
        check_changeable(quote)
        raise DomainError(_("Only a decided, sent or declined quote gets a new revision."))
    _require_latest(quote)
    _require_open(quote.deal)
    revision = Quote(
        number=quote.number,
        revision=quote.revision + 1,
        deal_id=quote.deal_id,
        deal=quote.deal,
        status=QuoteStatus.DRAFT,
        created_by_id=actor.id,
        decision_comment="",
    )
    _fill(revision, data)
    db.session.add(revision)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise DomainError(
            _("Someone else made a new revision of this quote meanwhile. Reload the page.")
        ) from exc
    audit.log_event(
        "quote_revised", quote.deal, {"quote": [quote.audit_label, revision.audit_label]}
    )
    db.session.flush()
    return revision


# --- the approval workflow -------------------------------------------------------------------


def needs_approval(quote: Quote) -> bool:
    return quote.max_discount > discount_limit()


def _on_deal(action: str, quote: Quote, **extra: Any) -> None:
    """The quote's step in the deal's own history, where the rep looks."""
    changes: dict[str, list[Any]] = {"quote": [None, quote.audit_label]}
    changes.update({key: [None, value] for key, value in extra.items() if value})
    audit.log_event(action, quote.deal, changes)


def submit_quote(actor: User, quote: Quote, version: int | None = None) -> Quote:
    """Finish a draft: within the discount limit it is approved at once, above it waits for a
    manager."""
    check_version(quote, version)
    if quote.status != QuoteStatus.DRAFT:
        raise DomainError(_("Only a draft can be submitted."))
    _require_latest(quote)
    if not quote.lines:
        raise DomainError(_("Add at least one line with a product."))
    if quote.valid_until is None or quote.valid_until < today():
        raise DomainError(_("The validity date is in the past: edit the quote first."))
    inactive = [ln.product.name for ln in quote.lines if not ln.product.active]
    if inactive:
        raise DomainError(
            _("“%(name)s” is no longer sold; edit the quote first.", name=inactive[0])
        )
    if needs_approval(quote):
        quote.status = QuoteStatus.PENDING
    else:
        quote.status = QuoteStatus.APPROVED
        quote.decided_at, quote.decided_by_id, quote.decision_comment = utcnow(), None, ""
    audit.name_change(quote, "quote_submitted")
    _on_deal("quote_submitted", quote, quote_status=str(quote.status))
    db.session.flush()
    return quote


def can_decide(user: User, quote: Quote) -> bool:
    """Managers decide on their team's quotes, admins on all; nobody on a quote of their own."""
    if not can_approve_quotes(user) or quote.deal is None or quote.deal.is_deleted:
        return False
    if not can_see_owner(user, quote.deal.owner):
        return False
    if user.role == Role.ADMIN:
        return True
    return user.id not in (quote.deal.owner_id, quote.created_by_id)


def _decide(
    actor: User, quote: Quote, status: QuoteStatus, comment: str, version: int | None
) -> Quote:
    check_version(quote, version)
    if quote.status != QuoteStatus.PENDING:
        raise DomainError(_("This quote is not waiting for a decision."))
    if not can_decide(actor, quote):
        raise DomainError(_("You cannot decide on this quote."))
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise DomainError(_("Keep the comment under 500 characters."), field="comment")
    if status == QuoteStatus.REJECTED and not comment:
        raise DomainError(_("Say why the quote is rejected."), field="comment")
    quote.status = status
    quote.decided_by_id, quote.decided_at, quote.decision_comment = actor.id, utcnow(), comment
    action = "quote_approved" if status == QuoteStatus.APPROVED else "quote_rejected"
    audit.name_change(quote, action)
    _on_deal(action, quote, comment=comment)
    _decision_task(actor, quote)
    db.session.flush()
    return quote


task_titles.register("quote_approved", _l("Quote %(quote)s approved: send it to the customer"))
task_titles.register("quote_rejected", _l("Quote %(quote)s rejected: revise it"))
task_titles.register("quote_decision", _l("%(who)s on deal “%(deal)s”: %(comment)s"))


def _decision_task(actor: User, quote: Quote) -> None:
    """Tell the deal owner, in their language, with a task they cannot miss."""
    deal = quote.deal
    owner = deal.owner
    approved = quote.status == QuoteStatus.APPROVED
    customers.create_task(
        actor,
        title_key="quote_approved" if approved else "quote_rejected",
        title_params={"quote": quote.audit_label},
        due_at=utcnow() + timedelta(days=1),
        owner=owner,
        priority="high" if quote.status == QuoteStatus.REJECTED else "normal",
        account=deal.account,
        kind="quote_decision",
        notes_key="quote_decision",
        notes_params={
            "who": actor.display_name,
            "deal": deal.title,
            "comment": quote.decision_comment or "—",
        },
    )


def approve_quote(
    actor: User, quote: Quote, comment: str = "", version: int | None = None
) -> Quote:
    """A manager approves the discount; the rep may now print and send the quote."""
    return _decide(actor, quote, QuoteStatus.APPROVED, comment, version)


def reject_quote(actor: User, quote: Quote, comment: str, version: int | None = None) -> Quote:
    """A manager refuses the discount, saying why; the rep revises the quote."""
    return _decide(actor, quote, QuoteStatus.REJECTED, comment, version)


def _move(
    quote: Quote, allowed: set[str], status: QuoteStatus, action: str, version: int | None
) -> Quote:
    check_version(quote, version)
    if quote.status not in allowed:
        raise DomainError(
            _("This cannot be done to a quote that is “%(status)s”.", status=status_label(quote))
        )
    _require_latest(quote)
    quote.status = status
    audit.name_change(quote, action)
    _on_deal(action, quote)
    db.session.flush()
    return quote


def mark_sent(actor: User, quote: Quote, version: int | None = None) -> Quote:
    """The approved quote went to the customer."""
    return _move(quote, {QuoteStatus.APPROVED}, QuoteStatus.SENT, "quote_sent", version)


def mark_accepted(actor: User, quote: Quote, version: int | None = None) -> Quote:
    """The customer accepted the sent quote."""
    return _move(quote, {QuoteStatus.SENT}, QuoteStatus.ACCEPTED, "quote_accepted", version)


def mark_declined(actor: User, quote: Quote, version: int | None = None) -> Quote:
    """The customer declined the sent quote."""
    return _move(quote, {QuoteStatus.SENT}, QuoteStatus.DECLINED, "quote_declined", version)


def status_label(quote: Quote) -> str:
    return str(QUOTE_STATUS_LABELS.get(QuoteStatus(quote.status), quote.status))


def approval_queue_stmt(user: User) -> Select:
    """Quotes waiting for this user's decision: their team's deals (admin: all), not their own."""
    deals = scope_deals(select(Deal.id), user)
    if user.role != Role.ADMIN:
        deals = deals.where(Deal.owner_id != user.id)
    stmt = (
        select(Quote)
        .where(
            Quote.status == QuoteStatus.PENDING,
            Quote.deleted_at.is_(None),
            Quote.deal_id.in_(deals),
        )
        .options(joinedload(Quote.deal))
        .order_by(Quote.updated_at, Quote.id)
    )
    if user.role != Role.ADMIN:
        stmt = stmt.where(or_(Quote.created_by_id.is_(None), Quote.created_by_id != user.id))
    return stmt


# --- the PDF ---------------------------------------------------------------------------------


def pdf_filename(quote: Quote) -> str:
    return f"{quote.number}-v{quote.revision}.pdf"


def render_quote_pdf(quote: Quote) -> bytes:
    """The quote as a PDF in its own language, with the vendored CJK font embedded."""
    if quote.status not in PRINTABLE:
        raise DomainError(_("Only an approved quote can be printed."))
    config = current_app.config
    with force_locale(quote.language if quote.language in LANGUAGES else "zh_CN"):
        html = render_template(
            "pipeline/quote_pdf.html",
            quote=quote,
            deal=quote.deal,
            company_name=config.get("SALESWEB_COMPANY_NAME") or "salesweb",
            company_address=config.get("SALESWEB_COMPANY_ADDRESS", ""),
            company_phone=config.get("SALESWEB_COMPANY_PHONE", ""),
            html_lang_code="zh-CN" if quote.language == "zh_CN" else "en",
        )
        return render_pdf(html, "css/quote_pdf.css")


# --- demo data -------------------------------------------------------------------------------


def _approver_for(owner: User) -> User | None:
    stmt = select(User).where(User.active.is_(True))
    if owner.team_id is not None:
        manager = db.session.scalar(
            stmt.where(
                User.role == Role.MANAGER, User.team_id == owner.team_id, User.id != owner.id
            )
            .order_by(User.id)
            .limit(1)
        )
        if manager is not None:
            return manager
    return db.session.scalar(stmt.where(User.role == Role.ADMIN).order_by(User.id).limit(1))


def seed_quotes() -> None:
    """Quotes on a few open demo deals: sent, approved after review, waiting, draft; safe to run
    twice."""
    demo = select(Deal.id).where(Deal.external_id.like("DEMO-D%"))
    if db.session.scalar(select(func.count()).select_from(Quote).where(Quote.deal_id.in_(demo))):
        return
    deals = list(
        db.session.scalars(
            select(Deal)
            .join(User, User.id == Deal.owner_id)
            .where(
                Deal.external_id.like("DEMO-D%"),
                Deal.status == DealStatus.OPEN,
                Deal.deleted_at.is_(None),
                User.role == Role.REP,
            )
            .order_by(Deal.external_id)
            .limit(4)
        )
    )
    products = active_products()
    if len(deals) < 4 or len(products) < 2:
        return
    valid = today() + timedelta(days=30)
    plans = [  # (discount %, what happens after submitting, language)
        (Decimal("5"), "sent", "zh_CN"),
        (Decimal("18"), "approved", "zh_CN"),
        (Decimal("20"), "pending", "en"),
        (Decimal("0"), "draft", "zh_CN"),
    ]
    for n, (deal, (discount, outcome, language)) in enumerate(zip(deals, plans, strict=True)):
        owner = deal.owner
        first, second = products[n % len(products)], products[(n + 1) % len(products)]
        lines = [
            LineInput(first.id, Decimal(2 + n), None, discount, ""),
            LineInput(
                second.id, Decimal(1), None, Decimal("0"), "含安装调试 / installation included"
            ),
        ]
        quote = create_quote(
            owner,
            deal,
            QuoteInput(
                lines=lines,
                currency=first.currency,
                language=language,
                valid_until=valid,
                terms="付款方式：合同签订后30天内付清。\nPayment within 30 days of signing.",
            ),
        )
        if outcome == "draft":
            continue
        submit_quote(owner, quote)
        if outcome == "approved":
            approver = _approver_for(owner)
            if approver is not None:
                approve_quote(approver, quote, "同意：战略客户，本季度特价。")
        elif outcome == "sent":
            mark_sent(owner, quote)
    db.session.flush()


seeding.register(40, "quotes", seed_quotes)
