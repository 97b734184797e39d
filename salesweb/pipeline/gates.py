"""Exit criteria as data: a registry of criterion kinds, each answering what is still missing.

pipeline registers fields, checklist, approved quote and role approval; higher areas register
their own kinds at blueprint setup (compliance: "contract_approved").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from salesweb.auth.models import ROLE_LABELS, Role
from salesweb.extensions import db
from salesweb.pipeline.models import (
    DEFAULT_APPROVAL_ROLE,
    Deal,
    DealApproval,
    DealStepDone,
    Quote,
    QuoteStatus,
    Stage,
)


def link(endpoint: str, **values: Any) -> str | None:
    """Where to fix an item; None outside a request (the command line has no links)."""
    return url_for(endpoint, **values) if has_request_context() else None


@dataclass(frozen=True)
class Missing:
    """One unmet exit criterion, said in the reader's language, with where to fix it."""

    message: str
    fix_url: str | None = None


Check = Callable[["Deal", "Stage", dict[str, Any]], list[Missing]]


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    check: Check


_KINDS: dict[str, Kind] = {}


def register(key: str, label: object, check: Check) -> None:
    """Add a kind of exit criterion (a higher area registers its own at blueprint setup)."""
    _KINDS[key] = Kind(key, label, check)


def kinds() -> list[Kind]:
    """Every registered kind of exit criterion."""
    return list(_KINDS.values())


def missing_for(deal: Deal, stage: Stage) -> list[Missing]:
    """Everything that keeps `deal` from leaving `stage`."""
    out: list[Missing] = []
    for criterion in stage.criteria:
        kind = _KINDS.get(criterion.kind)
        if kind is None:
            out.append(
                Missing(
                    _(
                        "Unknown exit criterion “%(kind)s”: ask an administrator.",
                        kind=criterion.kind,
                    )
                )
            )
            continue
        out.extend(kind.check(deal, stage, criterion.params or {}))
    return out


FIELD_LABELS = {
    "amount": _l("Amount"),
    "expected_close": _l("Expected close date"),
    "contact_id": _l("Contact"),
    "next_step": _l("Next step"),
    "competitor": _l("Competitor"),
    "source": _l("Source"),
    "account_id": _l("Account"),
}


def field_names(keys: list[str]) -> list[str]:
    """The reader's-language names of deal fields an exit criterion requires."""
    return [str(FIELD_LABELS.get(key, key)) for key in keys]


def _fields(deal: Deal, stage: Stage, params: dict[str, Any]) -> list[Missing]:
    out = []
    for name in params.get("fields", []):
        value = getattr(deal, name, None)
        if value is None or value == "":
            label = FIELD_LABELS.get(name, name)
            out.append(
                Missing(
                    _("Fill in “%(field)s”.", field=label),
                    link("pipeline.deal_edit", deal_id=deal.id, _anchor=name),
                )
            )
    return out


def done_steps(deal: Deal) -> set[int]:
    """Ids of the checklist steps the deal has done; kept on the loaded deal (one request's
    session) so the page and its gates read them once. Whoever ticks a step forgets them."""
    if "_done_steps" not in deal.__dict__:
        deal.__dict__["_done_steps"] = set(
            db.session.scalars(select(DealStepDone.step_id).where(DealStepDone.deal_id == deal.id))
        )
    return deal.__dict__["_done_steps"]


def forget_done_steps(deal: Deal) -> None:
    """Drop what done_steps kept, after a step was ticked or unticked."""
    deal.__dict__.pop("_done_steps", None)


def _checklist(deal: Deal, stage: Stage, params: dict[str, Any]) -> list[Missing]:
    done = done_steps(deal)
    return [
        Missing(
            _("Complete the step “%(step)s”.", step=step.name),
            link("pipeline.deal_detail", deal_id=deal.id, _anchor=f"step-{step.id}"),
        )
        for step in stage.steps
        if step.required and step.id not in done
    ]


def _approved_quote(deal: Deal, stage: Stage, params: dict[str, Any]) -> list[Missing]:
    approved = db.session.scalar(
        select(func.count())
        .select_from(Quote)
        .where(
            Quote.deal_id == deal.id,
            Quote.deleted_at.is_(None),
            Quote.status.in_([QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.ACCEPTED]),
        )
    )
    if approved:
        return []
    return [
        Missing(
            _("Have a quote approved."),
            link("pipeline.deal_detail", deal_id=deal.id, _anchor="quotes"),
        )
    ]


def _role_approval(deal: Deal, stage: Stage, params: dict[str, Any]) -> list[Missing]:
    role = params.get("role", DEFAULT_APPROVAL_ROLE)
    given = db.session.scalar(
        select(func.count())
        .select_from(DealApproval)
        .where(
            DealApproval.deal_id == deal.id,
            DealApproval.stage_id == stage.id,
            DealApproval.role == role,
        )
    )
    if given:
        return []
    label = ROLE_LABELS.get(Role(role), role) if role in {r.value for r in Role} else role
    return [
        Missing(
            _("Get the approval of a %(role)s.", role=label),
            link("pipeline.deal_detail", deal_id=deal.id, _anchor="approvals"),
        )
    ]


register("fields", _l("Deal fields filled in"), _fields)
register("checklist", _l("Required checklist steps done"), _checklist)
register("approved_quote", _l("An approved quote"), _approved_quote)
register("role_approval", _l("Approval by a role"), _role_approval)
