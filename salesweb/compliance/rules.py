"""The kinds of compliance rule: their parameters, how they judge a contract, what they say.

A rule stores its kind and parameters; a result stores the figures it found (`details`) and
is put into words when shown, so the reader's language decides the message, PDF included.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from salesweb.core.errors import DomainError
from salesweb.core.i18n import join_list
from salesweb.customers.models import normalise_name


@dataclass(frozen=True)
class Outcome:
    passed: bool
    details: dict[str, Any]


@dataclass(frozen=True)
class RuleKind:
    key: str
    label: object
    param: str | None  # "amount", "percent", "days", "months", "clauses", "names" or None
    evaluate: Callable[[Any, dict[str, Any]], Outcome]
    message: Callable[[dict[str, Any]], str]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")


def _at_most(figure: str, whole: bool = False) -> Callable[[Any, dict], Outcome]:
    """A check that a contract's figure is at most the rule's limit. The figures found are
    kept as text for amounts and percentages, as numbers for whole days and months."""
    show: Callable[[Any], Any] = int if whole else str

    def evaluate(contract: Any, params: dict) -> Outcome:
        value = getattr(contract, figure)
        limit = _decimal(params.get("limit"))
        if whole:
            limit = int(limit)
        return Outcome(value <= limit, {"value": show(value), "limit": show(limit)})

    return evaluate


def _required_clauses(contract: Any, params: dict) -> Outcome:
    missing = [c for c in params.get("clauses", []) if c not in (contract.clauses or [])]
    return Outcome(not missing, {"missing": missing})


def _credit_limit(contract: Any, params: dict) -> Outcome:
    from salesweb.compliance.credit import exposure

    exp = exposure(contract.account, exclude_contract_id=contract.id)
    total = exp.total + contract.base_value
    return Outcome(
        not exp.over_with(contract.base_value),
        {
            "exposure": str(total),
            "limit": None if exp.limit is None else str(exp.limit),
            "currency": exp.currency,
        },
    )


def _blocked_customers(contract: Any, params: dict) -> Outcome:
    blocked = {normalise_name(n) for n in params.get("names", []) if n.strip()}
    name = contract.account.name
    return Outcome(normalise_name(name) not in blocked, {"name": name})


def _money(details: dict, key: str) -> str:
    from salesweb.core.money import base_currency, format_money

    value = details.get(key)
    if value is None:
        return "—"
    return format_money(Decimal(value), details.get("currency") or base_currency())


def clause_names(keys: list[str]) -> str:
    """Clause keys as their names, listed the reader's way ("保密、违约金")."""
    from salesweb.compliance.models import CLAUSES

    return join_list(CLAUSES.get(k, k) for k in keys)


KINDS: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> None:
    KINDS[kind.key] = kind


register(
    RuleKind(
        "second_reviewer",
        _l("Value above which a second reviewer is needed"),
        "amount",
        _at_most("base_value"),
        lambda d: _(
            "The value %(value)s is above %(limit)s: two different approvers are needed.",
            value=_money(d, "value"),
            limit=_money(d, "limit"),
        ),
    )
)
register(
    RuleKind(
        "max_discount",
        _l("Maximum discount against list price"),
        "percent",
        _at_most("discount_pct"),
        lambda d: _(
            "A discount of %(value)s%% is above the maximum of %(limit)s%%.",
            value=d.get("value"),
            limit=d.get("limit"),
        ),
    )
)
register(
    RuleKind(
        "max_payment_days",
        _l("Maximum payment terms"),
        "days",
        _at_most("payment_days", whole=True),
        lambda d: _(
            "Payment terms of %(value)s days are longer than the maximum of %(limit)s days.",
            value=d.get("value"),
            limit=d.get("limit"),
        ),
    )
)
register(
    RuleKind(
        "required_clauses",
        _l("Required clauses"),
        "clauses",
        _required_clauses,
        lambda d: _("Missing clauses: %(clauses)s.", clauses=clause_names(d.get("missing", []))),
    )
)
register(
    RuleKind(
        "credit_limit",
        _l("Credit limit against open contracts and unpaid orders"),
        None,
        _credit_limit,
        lambda d: _(
            "Open contracts and unpaid orders of %(exposure)s would exceed the credit limit of %(limit)s.",
            exposure=_money(d, "exposure"),
            limit=_money(d, "limit"),
        ),
    )
)
register(
    RuleKind(
        "blocked_customers",
        _l("Blocked customers"),
        "names",
        _blocked_customers,
        lambda d: _("The customer “%(name)s” is on the blocked list.", name=d.get("name", "")),
    )
)
register(
    RuleKind(
        "max_term",
        _l("Longest allowed term"),
        "months",
        _at_most("term_months", whole=True),
        lambda d: _(
            "A term of %(value)s months is longer than the maximum of %(limit)s months.",
            value=d.get("value"),
            limit=d.get("limit"),
        ),
    )
)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, str(k.label)) for k in KINDS.values()]


def message(kind: str, passed: bool, details: dict[str, Any]) -> str:
    """The finding in the reader's language."""
    if passed:
        return _("Passed.")
    rule_kind = KINDS.get(kind)
    return rule_kind.message(details) if rule_kind else kind


def clean_params(kind: str, limit: Decimal | None, clauses: list[str], names: str) -> dict:
    """The parameters of a rule of this kind from the form, or a DomainError on the field."""
    from salesweb.compliance.models import CLAUSES

    rule_kind = KINDS.get(kind)
    if rule_kind is None:
        raise DomainError(_("Choose a kind of rule."), field="kind")
    if rule_kind.param in ("amount", "percent", "days", "months"):
        if limit is None or limit < 0:
            raise DomainError(_("Give a limit of zero or more."), field="limit")
        if rule_kind.param == "percent" and limit > 100:
            raise DomainError(_("A percentage is at most 100."), field="limit")
        if rule_kind.param in ("days", "months") and limit != limit.to_integral_value():
            raise DomainError(_("Give a whole number."), field="limit")
        return {"limit": str(limit if rule_kind.param in ("amount", "percent") else int(limit))}
    if rule_kind.param == "clauses":
        unknown = [c for c in clauses if c not in CLAUSES]
        if unknown or not clauses:
            raise DomainError(_("Choose at least one clause from the list."), field="clauses")
        return {"clauses": list(clauses)}
    if rule_kind.param == "names":
        lines = [unicodedata.normalize("NFKC", n).strip()[:200] for n in names.splitlines()]
        lines = [n for n in lines if n]
        if not lines:
            raise DomainError(_("Give at least one customer name, one a line."), field="names")
        return {"names": lines[:500]}
    return {}


def describe_params(kind: str, params: dict[str, Any]) -> str:
    """A rule's parameters as a short text for the rule list."""
    if "limit" in params:
        return str(params["limit"])
    if "clauses" in params:
        return clause_names(params["clauses"])
    if "names" in params:
        return join_list(params["names"][:5]) + (" …" if len(params["names"]) > 5 else "")
    return "—"
