"""Quotes: numbering, revisions, the discount approval and the customer's answer, demo quotes.

Services take objects and the acting user, flush, and never commit. Decisions are written to
the quote's and the deal's audit history, and the deal owner gets a follow-up task. What a
quote says and what it adds up to is in `quote_lines`; products in `products`; the PDF in
`quote_pdf`.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.exc import IntegrityError

from salesweb.auth.models import Role, User
from salesweb.core import audit, seeding
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, today, utcnow
from salesweb.customers import services as customers
from salesweb.customers import task_titles
from salesweb.extensions import db
from salesweb.pipeline.models import QUOTE_STATUS_LABELS, Deal, DealStatus, Quote, QuoteStatus
from salesweb.pipeline.permissions import can_decide_quote
from salesweb.pipeline.queries import active_products
from salesweb.pipeline.services import quote_chain
from salesweb.pipeline.services.quote_lines import LineInput, QuoteInput, fill

EDITABLE = frozenset({QuoteStatus.DRAFT})
# Changing one of these makes a new revision; the old one stays as it was.
REVISABLE = frozenset(
    {QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.REJECTED, QuoteStatus.DECLINED}
)
PRINTABLE = frozenset({QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED})

audit.register_actions(
    {
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
    """The highest revision number of the quote's number (deleted revisions left out)."""
    return (
        db.session.scalar(
            select(func.max(Quote.revision)).where(
                Quote.number == quote.number, Quote.deleted_at.is_(None)
            )
        )
        or quote.revision
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
    fill(quote, data)
    _insert_numbered(quote, today().year)
    audit.log_event("quote_created", deal, {"quote": [None, quote.audit_label]})
    db.session.flush()
    return quote


def change_refusal(quote: Quote) -> str | None:
    """Why the quote cannot be edited (draft) or revised (decided, sent, declined) now, or None."""
    if quote.status == QuoteStatus.PENDING:
        return _("This quote waits for a decision and cannot be changed now.")
    if quote.status not in EDITABLE | REVISABLE:
        return _("This quote cannot be changed any more.")
    latest = latest_revision(quote)
    if quote.revision != latest:
        return _("Revision %(n)d of this quote is newer: work on that one.", n=latest)
    return None


def check_changeable(quote: Quote) -> None:
    """DomainError unless the quote can be edited (draft) or revised (decided, sent, declined)."""
    refusal = change_refusal(quote)
    if refusal is not None:
        raise DomainError(refusal)


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
    fill(quote, data)
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
    fill(revision, data)
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
    """Whether a line's discount is above what a rep may give alone."""
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


def _decide(
    actor: User, quote: Quote, status: QuoteStatus, comment: str, version: int | None
) -> Quote:
    check_version(quote, version)
    if quote.status != QuoteStatus.PENDING:
        raise DomainError(_("This quote is not waiting for a decision."))
    if not can_decide_quote(actor, quote):
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
    """The customer accepted the sent quote: an open deal's amount becomes its total."""
    _move(quote, {QuoteStatus.SENT}, QuoteStatus.ACCEPTED, "quote_accepted", version)
    quote_chain.on_quote_accepted(quote.deal, quote)
    return quote


def mark_declined(actor: User, quote: Quote, version: int | None = None) -> Quote:
    """The customer declined the sent quote."""
    return _move(quote, {QuoteStatus.SENT}, QuoteStatus.DECLINED, "quote_declined", version)


def status_label(quote: Quote) -> str:
    """The quote's status in the reader's language."""
    return str(QUOTE_STATUS_LABELS.get(QuoteStatus(quote.status), quote.status))


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
