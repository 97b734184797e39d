"""What compliance adds to lower areas: two exit-criterion kinds for the sales process, contract
events on the account timeline, account-page actions (contracts, open risks, credit flag), and
the deal page's panel."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, select

from salesweb.auth.models import Role, User
from salesweb.compliance import credit
from salesweb.compliance.models import (
    LIVE_RISK,
    Contract,
    ContractStatus,
    Review,
    ReviewStatus,
    Risk,
)
from salesweb.compliance.queries import deal_contract
from salesweb.core import panels
from salesweb.customers import actions, timeline
from salesweb.extensions import db
from salesweb.pipeline import gates


def _contract_approved(deal: Any, stage: Any, params: dict[str, Any]) -> list[gates.Missing]:
    approved = db.session.scalar(
        select(func.count())
        .select_from(Contract)
        .join(
            Review,
            (Review.contract_id == Contract.id) & (Review.version_no == Contract.version_no),
        )
        .where(
            Contract.deal_id == deal.id,
            Contract.deleted_at.is_(None),
            Contract.status.in_([ContractStatus.APPROVED, ContractStatus.SIGNED]),
            Review.status == ReviewStatus.APPROVED,
        )
    )
    if approved:
        return []
    contract = deal_contract(deal.id)
    if contract is None:
        return [
            gates.Missing(
                _("Add the contract and have compliance approve it."),
                gates.link("compliance.contract_create", deal_id=deal.id),
            )
        ]
    return [
        gates.Missing(
            _(
                "Have compliance approve the contract %(number)s (now: %(status)s).",
                number=contract.number,
                status=contract.status_label,
            ),
            gates.link("compliance.contract_detail", contract_id=contract.id),
        )
    ]


def _credit_ok(deal: Any, stage: Any, params: dict[str, Any]) -> list[gates.Missing]:
    from salesweb.pipeline.models import DealApproval

    if not credit.over_limit(deal.account):
        return []
    approved = db.session.scalar(
        select(func.count())
        .select_from(DealApproval)
        .where(
            DealApproval.deal_id == deal.id,
            DealApproval.stage_id == stage.id,
            DealApproval.role == Role.MANAGER,
        )
    )
    if approved:
        return []
    return [
        gates.Missing(
            _("The account is over its credit limit: a manager must approve."),
            gates.link("compliance.deal_credit", deal_id=deal.id),
        )
    ]


gates.register("contract_approved", _l("An approved contract"), _contract_approved)
gates.register("credit_ok", _l("Within the credit limit, or a manager's approval"), _credit_ok)


# --- the account timeline and page -----------------------------------------------------------


def _review_events(account_id: int) -> Select:
    return (
        select(
            Review.submitted_at.label("at"),
            (literal("contract:") + Review.status).label("kind"),
            Contract.id.label("ref_id"),
            Contract.number.label("title"),
            Contract.title.label("body"),
            User.display_name.label("actor"),
        )
        .join(Contract, Contract.id == Review.contract_id)
        .outerjoin(User, User.id == Review.submitted_by_id)
        .where(Contract.account_id == account_id, Contract.deleted_at.is_(None))
    )


timeline.register(
    "contract",
    _l("Contract reviews"),
    _review_events,
    lambda ref: url_for("compliance.contract_detail", contract_id=ref),
)


def open_risk_count(account_id: int | None = None, deal_id: int | None = None) -> int:
    stmt = (
        select(func.count())
        .select_from(Risk)
        .where(Risk.deleted_at.is_(None), Risk.status.in_(LIVE_RISK))
    )
    if account_id is not None:
        stmt = stmt.where(Risk.account_id == account_id)
    if deal_id is not None:
        stmt = stmt.where(Risk.deal_id == deal_id)
    return db.session.scalar(stmt) or 0


def account_over_limit(account: Any) -> bool:
    return credit.over_limit(account)


actions.register(
    _l("Contracts"),
    lambda a: url_for("compliance.contract_list", account=a.id),
    lambda user, account: True,
)
actions.register(
    _l("Open risks"),
    lambda a: url_for("compliance.risk_list", account=a.id),
    lambda user, account: open_risk_count(account_id=account.id) > 0,
)
actions.register(
    _l("⚠ Over credit limit"),
    lambda a: url_for("compliance.account_credit", account_id=a.id),
    lambda user, account: account_over_limit(account),
)


panels.register(
    "deal",
    _l("Contract and risks"),
    lambda deal: url_for("compliance.deal_panel", deal_id=deal.id),
    lambda user, deal: True,
)
panels.register(
    "order",
    _l("Deal and contract"),
    lambda order: url_for("compliance.order_panel", order_id=order.id),
    lambda user, order: True,
)
