"""The compliance list statements: contracts, the review queue, rules, the risk register with its
heat map, and what the deal page's compliance panel shows. Views page and render them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, func, or_, select

from salesweb.auth.models import Role, User
from salesweb.compliance import credit
from salesweb.compliance.models import (
    CONTRACT_STATUS_LABELS,
    LIVE_RISK,
    OPEN_REVIEW,
    RISK_CATEGORIES,
    RISK_STATUS_LABELS,
    Contract,
    ContractStatus,
    ContractVersion,
    Review,
    Risk,
    RiskStatus,
    Rule,
)
from salesweb.compliance.permissions import scope_contracts, scope_risk_owners, scope_risks
from salesweb.core.models import today
from salesweb.core.params import parse_id
from salesweb.customers.models import Account, Order
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealApproval, DealStatus
from salesweb.pipeline.permissions import scope_deals

CONTRACT_SORTS = {
    "-updated": Contract.updated_at.desc(),
    "updated": Contract.updated_at.asc(),
    "number": Contract.number.asc(),
    "-number": Contract.number.desc(),
    "value": Contract.base_value.asc(),
    "-value": Contract.base_value.desc(),
    "status": Contract.status.asc(),
    "-status": Contract.status.desc(),
}
RISK_SORTS = {
    "-score": Risk.score.desc(),
    "score": Risk.score.asc(),
    "review": Risk.next_review_on.asc(),
    "-review": Risk.next_review_on.desc(),
    "title": Risk.title.asc(),
    "-title": Risk.title.desc(),
}
RISK_LINKS = ("account", "deal", "contract")


def search_text(raw: str | None) -> str:
    """Width-folded search text, at most 100 characters."""
    return unicodedata.normalize("NFKC", (raw or "").strip())[:100]


# --- contracts and reviews -------------------------------------------------------------------


def contract_filters(args: Mapping[str, str]) -> dict[str, Any]:
    """The contract list's filters, cleaned: lower-case search text, a known status, an account."""
    status = args.get("status", "")
    return {
        "q": search_text(args.get("q")).lower(),
        "status": status if status in CONTRACT_STATUS_LABELS else "",
        "account": parse_id(args.get("account")),
    }


def contracts(user: User, q: str = "", status: str = "", account: int | None = None) -> Select:
    """The live contracts the user sees, filtered (unordered: the caller sorts)."""
    stmt = scope_contracts(select(Contract), user)
    if q:
        stmt = stmt.where(Contract.search_text.contains(q, autoescape=True))
    if status:
        stmt = stmt.where(Contract.status == status)
    if account:
        stmt = stmt.where(Contract.account_id == account)
    return stmt


def contract_versions(contract: Contract) -> list[ContractVersion]:
    """Every version of the contract, newest first."""
    return list(
        db.session.scalars(
            select(ContractVersion)
            .where(ContractVersion.contract_id == contract.id)
            .order_by(ContractVersion.number.desc())
        )
    )


def contract_version(contract: Contract, number: int) -> ContractVersion | None:
    """One numbered version of the contract, or None."""
    return db.session.scalar(
        select(ContractVersion).where(
            ContractVersion.contract_id == contract.id, ContractVersion.number == number
        )
    )


def open_deals(user: User, limit: int = 200) -> list[Deal]:
    """The open deals the user works, most recently changed first (a new contract's choices)."""
    stmt = scope_deals(select(Deal), user).where(Deal.status == DealStatus.OPEN)
    return list(db.session.scalars(stmt.order_by(Deal.updated_at.desc()).limit(limit)))


def review_queue() -> Select:
    """Open reviews of live contracts: the most severe first, then the longest waiting."""
    return (
        select(Review)
        .join(Contract, Contract.id == Review.contract_id)
        .where(Review.status.in_(OPEN_REVIEW), Contract.deleted_at.is_(None))
        .order_by(Review.severity.desc(), Review.submitted_at.asc(), Review.id)
    )


def rules() -> list[Rule]:
    """Every rule, the active ones first."""
    return list(db.session.scalars(select(Rule).order_by(Rule.active.desc(), Rule.id)))


# --- risks -----------------------------------------------------------------------------------


def risk_cell(args: Mapping[str, str]) -> tuple[int | None, int | None]:
    """The heat-map cell (likelihood, impact) the list is narrowed to; None where not chosen."""

    def scale(name: str) -> int | None:
        raw = args.get(name, "")
        return int(raw) if raw in {"1", "2", "3", "4", "5"} else None

    return scale("likelihood"), scale("impact")


def _risk_filters(stmt: Select, args: Mapping[str, str]) -> Select:
    """Search, status ('live' unless said), category, linked record and overdue reviews."""
    q = search_text(args.get("q"))
    if q:
        stmt = stmt.where(Risk.title.contains(q, autoescape=True))
    status = args.get("status", "live")
    if status in RISK_STATUS_LABELS:
        stmt = stmt.where(Risk.status == status)
    elif status == "live":
        stmt = stmt.where(Risk.status.in_(LIVE_RISK))
    if args.get("category") in RISK_CATEGORIES:
        stmt = stmt.where(Risk.category == args["category"])
    for name in RISK_LINKS:
        record_id = parse_id(args.get(name))
        if record_id:
            stmt = stmt.where(getattr(Risk, f"{name}_id") == record_id)
    if args.get("overdue") == "1":
        stmt = stmt.where(Risk.next_review_on < today(), Risk.status != RiskStatus.CLOSED)
    return stmt


def risks(user: User, args: Mapping[str, str]) -> Select:
    """The risks the user sees, filtered and narrowed to the chosen cell (unordered)."""
    stmt = _risk_filters(scope_risks(select(Risk), user), args)
    likelihood, impact = risk_cell(args)
    if likelihood:
        stmt = stmt.where(Risk.likelihood == likelihood)
    if impact:
        stmt = stmt.where(Risk.impact == impact)
    return stmt


def risk_heat_map(user: User, args: Mapping[str, str]) -> dict[tuple[int, int], int]:
    """How many of the filtered risks fall in each (likelihood, impact) cell, counted in SQL;
    the chosen cell does not narrow the map."""
    stmt = select(Risk.likelihood, Risk.impact, func.count().label("n"))
    stmt = _risk_filters(scope_risks(stmt, user), args).group_by(Risk.likelihood, Risk.impact)
    return {(row.likelihood, row.impact): row.n for row in db.session.execute(stmt)}


def risk_owner_choices(user: User) -> list[tuple[int, str]]:
    """The people the user may make a risk's owner, by name."""
    stmt = scope_risk_owners(select(User.id, User.display_name), user)
    return [(r.id, r.display_name) for r in db.session.execute(stmt.order_by(User.display_name))]


def open_risks(deal_id: int, limit: int = 10) -> list[Risk]:
    """The deal's live, not closed risks, highest score first."""
    return list(
        db.session.scalars(
            select(Risk)
            .where(Risk.deal_id == deal_id, Risk.deleted_at.is_(None), Risk.status.in_(LIVE_RISK))
            .order_by(Risk.score.desc())
            .limit(limit)
        )
    )


# --- the deal page ---------------------------------------------------------------------------


def deal_contract(deal_id: int) -> Contract | None:
    """The deal's newest live contract (a rejected one only when there is no other)."""
    return db.session.scalar(
        select(Contract)
        .where(Contract.deal_id == deal_id, Contract.deleted_at.is_(None))
        .order_by((Contract.status == ContractStatus.REJECTED).asc(), Contract.id.desc())
        .limit(1)
    )


def stage_credit_approvals(deal: Deal) -> list[DealApproval]:
    """The approvals given to the deal in its current stage, newest first."""
    return list(
        db.session.scalars(
            select(DealApproval)
            .where(DealApproval.deal_id == deal.id, DealApproval.stage_id == deal.stage_id)
            .order_by(DealApproval.approved_at.desc())
        )
    )


def deal_panel(deal: Deal) -> dict[str, Any]:
    """What the deal page's compliance panel shows: contract, open risks, credit."""
    return {
        "contract": deal_contract(deal.id),
        "risks": open_risks(deal.id),
        "over_limit": credit.over_limit(deal.account),
    }


ORDER_OF_DEAL = re.compile(r"DEAL-(\d{1,18})")


def order_links(order: Order) -> tuple[Deal | None, Contract | None]:
    """The won deal that made the order (linked, or named in the order's number DEAL-<id> as
    imports write it), and that deal's contract."""
    made_it = Deal.order_id == order.id
    found = ORDER_OF_DEAL.fullmatch(order.external_id or "")
    if found:
        made_it = or_(made_it, Deal.id == int(found.group(1)))
    deal = db.session.scalar(
        select(Deal)
        .where(made_it, Deal.account_id == order.account_id, Deal.deleted_at.is_(None))
        .order_by(Deal.id)
        .limit(1)
    )
    return deal, deal_contract(deal.id) if deal is not None else None


# --- workbench (h4) --------------------------------------------------------------------------

WAITING_CONTRACT = (
    ContractStatus.SUBMITTED,
    ContractStatus.IN_REVIEW,
    ContractStatus.CHANGES_REQUESTED,
    ContractStatus.APPROVED,
)
CREDIT_CANDIDATES = 200


def my_waiting_contracts(user: User) -> Select:
    """The user's own contracts that wait on someone: compliance (submitted, in review), the
    owner (changes requested) or a signature (approved); the longest unchanged first."""
    return (
        contracts(user)
        .where(Contract.owner_id == user.id, Contract.status.in_(WAITING_CONTRACT))
        .order_by(Contract.updated_at, Contract.id)
    )


def overdue_risk_reviews(user: User) -> Select:
    """The risks the user sees whose review date has passed, the longest overdue first (the risk
    register's own "overdue" filter)."""
    return risks(user, {"overdue": "1"}).order_by(Risk.next_review_on, Risk.id)


def credit_approvals_waiting(user: User) -> list[Deal]:
    """Open deals in the user's scope, owned by someone else, in a stage that asks for credit
    within the limit, whose account is over its limit and that no manager has approved in this
    stage yet: what the user may unblock. The longest waiting first."""
    from salesweb.pipeline.models import StageCriterion

    stages = select(StageCriterion.stage_id).where(StageCriterion.kind == "credit_ok")
    approved = select(DealApproval.id).where(
        DealApproval.deal_id == Deal.id,
        DealApproval.stage_id == Deal.stage_id,
        DealApproval.role == Role.MANAGER,
    )
    candidates = list(
        db.session.scalars(
            scope_deals(select(Deal), user)
            .join(Account, Account.id == Deal.account_id)
            .where(
                Deal.status == DealStatus.OPEN,
                Deal.owner_id != user.id,
                Deal.stage_id.in_(stages),
                Account.credit_limit.is_not(None),
                ~approved.exists(),
            )
            .order_by(Deal.stage_entered_at, Deal.id)
            .limit(CREDIT_CANDIDATES)
        ).unique()
    )
    over = credit.over_limit_among([d.account for d in candidates if d.account is not None])
    return [d for d in candidates if d.account_id in over]
