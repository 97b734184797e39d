"""Credit exposure: an account's open contracts and unpaid orders against its credit limit."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from salesweb.core.errors import DomainError
from salesweb.core.models import today
from salesweb.core.money import CENT, base_currency, to_base
from salesweb.customers.models import Account, Order
from salesweb.extensions import db


@dataclass(frozen=True)
class Exposure:
    """All amounts in the base currency; `limit` None means the account has no credit limit."""

    contracts: Decimal
    unpaid_orders: Decimal
    limit: Decimal | None
    currency: str

    @property
    def total(self) -> Decimal:
        return self.contracts + self.unpaid_orders

    @property
    def over(self) -> bool:
        return self.limit is not None and self.total > self.limit

    def over_with(self, extra: Decimal) -> bool:
        return self.limit is not None and self.total + extra > self.limit


def limit_in_base(account: Account) -> Decimal | None:
    if account.credit_limit is None:
        return None
    try:
        return to_base(account.credit_limit, account.credit_currency, today()).base_amount
    except DomainError:
        # No rate for the limit's currency: compare as is rather than ignore the limit.
        return account.credit_limit


def exposure(account: Account, exclude_contract_id: int | None = None) -> Exposure:
    """Open contracts (base value) and unpaid orders (base total), summed in one SQL statement."""
    from salesweb.compliance.models import OPEN_FOR_CREDIT, Contract

    contracts = select(func.coalesce(func.sum(Contract.base_value), 0)).where(
        Contract.account_id == account.id,
        Contract.deleted_at.is_(None),
        Contract.status.in_(OPEN_FOR_CREDIT),
        Contract.end_date >= today(),
    )
    if exclude_contract_id is not None:
        contracts = contracts.where(Contract.id != exclude_contract_id)
    unpaid = select(func.coalesce(func.sum(Order.base_total), 0)).where(
        Order.account_id == account.id, Order.deleted_at.is_(None), Order.paid.is_(False)
    )
    open_value, unpaid_value = db.session.execute(
        select(contracts.scalar_subquery(), unpaid.scalar_subquery())
    ).one()
    return Exposure(
        Decimal(open_value or 0),
        Decimal(unpaid_value or 0),
        limit_in_base(account),
        base_currency(),
    )


def over_limit(account: Account | None) -> bool:
    """Whether the account is over its credit limit; read once per request (kept on the account)
    because the account page, the deal page and the Signing gate all ask."""
    if account is None or account.credit_limit is None:
        return False
    if "_over_limit" not in account.__dict__:
        account.__dict__["_over_limit"] = exposure(account).over
    return account.__dict__["_over_limit"]


def over_limit_among(accounts: list[Account]) -> set[int]:
    """The ids of those accounts that are over their credit limit, as `over_limit` says, with
    every account's exposure summed in two grouped statements and one rate per currency
    (the limit converted as `limit_in_base` does)."""
    from salesweb.compliance.models import OPEN_FOR_CREDIT, Contract

    limited = {a.id: a for a in accounts if a.credit_limit is not None}
    if not limited:
        return set()
    ids = sorted(limited)
    contracts = dict(
        db.session.execute(
            select(Contract.account_id, func.sum(Contract.base_value))
            .where(
                Contract.account_id.in_(ids),
                Contract.deleted_at.is_(None),
                Contract.status.in_(OPEN_FOR_CREDIT),
                Contract.end_date >= today(),
            )
            .group_by(Contract.account_id)
        ).all()
    )
    unpaid = dict(
        db.session.execute(
            select(Order.account_id, func.sum(Order.base_total))
            .where(Order.account_id.in_(ids), Order.deleted_at.is_(None), Order.paid.is_(False))
            .group_by(Order.account_id)
        ).all()
    )
    rates: dict[str, Decimal | None] = {}  # per currency: the rate to the base, None if none
    over = set()
    for account_id, account in limited.items():
        currency = account.credit_currency
        if currency not in rates:
            try:
                rates[currency] = to_base(Decimal("1"), currency, today()).rate
            except DomainError:
                rates[currency] = None  # as limit_in_base: compare the limit as it is
        rate = rates[currency]
        limit = account.credit_limit if rate is None else (account.credit_limit * rate)
        total = Decimal(contracts.get(account_id) or 0) + Decimal(unpaid.get(account_id) or 0)
        if total > limit.quantize(CENT, rounding=ROUND_HALF_UP):
            over.add(account_id)
    return over
