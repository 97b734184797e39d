"""Use cases of the sales process: process versions, deals, moving through stages, winning
and losing. Services flush and never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from salesweb.auth.models import ROLE_LABELS, User
from salesweb.core import audit
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, today, utcnow
from salesweb.core.money import base_currency, is_currency, to_base
from salesweb.customers import services as customers
from salesweb.customers import task_titles
from salesweb.customers.models import Account, Contact
from salesweb.extensions import db
from salesweb.pipeline import gates
from salesweb.pipeline.models import (
    Deal,
    DealApproval,
    DealInteraction,
    DealStatus,
    DealStepDone,
    LostReason,
    ProcessVersion,
    SalesProcess,
    Stage,
    StageCriterion,
    StageHistory,
    StageKind,
    StageStep,
)
from salesweb.pipeline.permissions import can_approve_stage, can_give_deal_to
from salesweb.pipeline.services import quote_chain
from salesweb.pipeline.signals import deal_lost, deal_won

audit.register_actions(
    {
        "new_version": _l("new process version"),
        "move": _l("moved to another stage"),
        "won": _l("won"),
        "lost": _l("lost"),
        "reopen": _l("reopened"),
        "step_done": _l("checklist step done"),
        "step_undone": _l("checklist step undone"),
        "approved": _l("approved for the stage"),
    }
)
audit.register_event_fields(
    {"step": _l("Checklist step"), "step_id": _l("Checklist step"), "approval": _l("Approval")},
    {"approval": ROLE_LABELS},
    links={"step_id": "stage_steps"},  # named in the reader's language, not the writer's
)

DEAL_FIELDS = (
    "title",
    "amount",
    "currency",
    "expected_close",
    "source",
    "competitor",
    "next_step",
    "product_name",
)


class GateRefused(DomainError):
    """A move forward refused: `missing` lists every unmet exit criterion."""

    def __init__(self, stage: Stage, missing: list[gates.Missing], target: Stage) -> None:
        super().__init__(_("“%(stage)s” cannot be left yet.", stage=stage.name))
        self.stage = stage
        self.missing = missing
        self.target = target


# --- process definitions ---------------------------------------------------------------------


@dataclass
class StageSpec:
    key: str
    name_zh: str
    name_en: str
    probability: int
    sla_days: int = 14
    responsible_role: str = "rep"
    kind: str = StageKind.OPEN
    steps: list[tuple[str, str, bool]] = field(default_factory=list)
    criteria: list[tuple[str, dict]] = field(default_factory=list)

    @classmethod
    def of(cls, stage: Stage, **changes: Any) -> StageSpec:
        """The spec of an existing stage, with some parts changed (`criteria=...`)."""
        spec = cls(
            key=stage.key,
            name_zh=stage.name_zh,
            name_en=stage.name_en,
            probability=stage.probability,
            sla_days=stage.sla_days,
            responsible_role=stage.responsible_role,
            kind=stage.kind,
            steps=[(step.name_zh, step.name_en, step.required) for step in stage.steps],
            criteria=[(c.kind, dict(c.params or {})) for c in stage.criteria],
        )
        for key, value in changes.items():
            setattr(spec, key, value)
        return spec


def create_process(
    actor: User | None,
    name_zh: str,
    name_en: str,
    stages: list[StageSpec],
    is_default: bool = False,
) -> SalesProcess:
    """A new process with its first version."""
    process = SalesProcess(name_zh=name_zh, name_en=name_en, is_default=is_default)
    db.session.add(process)
    db.session.flush()
    version = ProcessVersion(
        process_id=process.id,
        number=1,
        note=_("First version"),
        created_by_id=actor.id if actor else None,
    )
    for position, spec in enumerate(stages):
        version.stages.append(_stage_from_spec(spec, position))
    db.session.add(version)
    db.session.flush()
    process.current_version = version
    process.current_version_id = version.id
    db.session.flush()
    return process


def _stage_from_spec(spec: StageSpec, position: int) -> Stage:
    stage = Stage(
        key=spec.key,
        position=position,
        kind=spec.kind,
        name_zh=spec.name_zh,
        name_en=spec.name_en,
        probability=spec.probability,
        sla_days=spec.sla_days,
        responsible_role=spec.responsible_role,
    )
    for i, (zh, en, required) in enumerate(spec.steps):
        stage.steps.append(StageStep(position=i, name_zh=zh, name_en=en, required=required))
    for kind, params in spec.criteria:
        stage.criteria.append(StageCriterion(kind=kind, params=params))
    return stage


def _copy_stage(stage: Stage) -> Stage:
    return _stage_from_spec(StageSpec.of(stage), stage.position)


def new_version(actor: User, process: SalesProcess, note: str) -> ProcessVersion:
    """Copy the current version; the copy becomes current and is what the caller edits."""
    current = process.current_version
    number = (
        db.session.scalar(
            select(func.max(ProcessVersion.number)).where(ProcessVersion.process_id == process.id)
        )
        or 0
    ) + 1
    version = ProcessVersion(
        process_id=process.id, number=number, note=note, created_by_id=actor.id
    )
    for stage in current.stages if current else []:
        version.stages.append(_copy_stage(stage))
    db.session.add(version)
    db.session.flush()
    process.current_version = version
    process.current_version_id = version.id
    audit.log_event(
        "new_version", process, {"version": [current.number if current else None, number]}
    )
    db.session.flush()
    return version


def edit_stage(
    actor: User, process: SalesProcess, key: str, spec: StageSpec, note: str
) -> ProcessVersion:
    """Change one stage: a new version of the process; deals keep the version they run under."""
    for kind, _params in spec.criteria:
        if kind not in {k.key for k in gates.kinds()}:
            raise DomainError(_("Unknown exit criterion “%(kind)s”.", kind=kind), field="criteria")
    version = new_version(actor, process, note)
    stage = version.stage_by_key(key)
    if stage is None:
        raise DomainError(_("This process has no such stage."))
    stage.name_zh, stage.name_en = spec.name_zh, spec.name_en
    stage.probability, stage.sla_days = spec.probability, spec.sla_days
    stage.responsible_role = spec.responsible_role
    stage.steps = [
        StageStep(position=i, name_zh=zh, name_en=en, required=required)
        for i, (zh, en, required) in enumerate(spec.steps)
    ]
    stage.criteria = [StageCriterion(kind=kind, params=params) for kind, params in spec.criteria]
    db.session.flush()
    return version


def default_process() -> SalesProcess | None:
    """The active default process, where a deal opens when none is named."""
    return db.session.scalar(
        select(SalesProcess)
        .where(SalesProcess.is_default.is_(True), SalesProcess.active.is_(True))
        .limit(1)
    )


def open_stages(version: ProcessVersion) -> list[Stage]:
    """The working stages of a process version, in order (not after-sales)."""
    return [s for s in version.stages if s.kind == StageKind.OPEN]


def after_sales_stage(version: ProcessVersion) -> Stage:
    """Where the version's won deals go; a DomainError when it has none."""
    stage = next((s for s in version.stages if s.kind == StageKind.AFTER_SALES), None)
    if stage is None:
        raise DomainError(_("This process has no after-sales stage to receive won deals."))
    return stage


# --- deals -----------------------------------------------------------------------------------


def _check_money(data: dict[str, Any]) -> None:
    amount = data.get("amount")
    if amount is not None and amount < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    currency = data.get("currency")
    if currency is not None and not is_currency(currency):
        raise DomainError(_("Unknown currency."), field="currency")


def _book(deal: Deal, rebook: bool) -> None:
    """Fix the exchange rate at booking; later amount changes use the same rate."""
    if deal.amount is not None and (rebook or deal.rate is None):
        deal.book(to_base(deal.amount, deal.currency, today()))
    else:
        deal.book()


def _check_parties(account: Account | None, contact: Contact | None) -> None:
    if contact is not None and (account is None or contact.account_id != account.id):
        raise DomainError(_("This contact belongs to another account."), field="contact_id")


def new_deal_owner(actor: User, chosen: User | None) -> User:
    """Who owns a new deal: the person the actor gives it to, when the actor may (a manager to
    the team, an administrator to anyone); otherwise, or when nobody is chosen, the actor."""
    if chosen is None:
        return actor
    if not can_give_deal_to(actor, chosen):
        raise DomainError(_("Choose an owner from the list."), field="owner_id")
    return chosen


def create_deal(
    actor: User,
    data: dict[str, Any],
    *,
    account: Account | None,
    owner: User | None = None,
    contact: Contact | None = None,
    process: SalesProcess | None = None,
    stage: Stage | None = None,
    via: str = "form",
) -> Deal:
    """Open a deal in the first stage of the process's current version (or a given stage),
    owned by the actor or by whom the actor may give it to."""
    _check_money(data)
    _check_parties(account, contact)
    owner = new_deal_owner(actor, owner)
    process = process or default_process()
    if process is None or process.current_version is None:
        raise DomainError(_("There is no sales process yet: ask an administrator to set one up."))
    version = process.current_version
    stage = stage or open_stages(version)[0]
    if stage.version_id != version.id:
        raise DomainError(_("This stage belongs to another process."), field="stage_id")
    deal = Deal(
        owner_id=owner.id,
        account_id=account.id if account else None,
        contact_id=contact.id if contact else None,
        process_version_id=version.id,
        stage_id=stage.id,
        stage=stage,
        probability=stage.probability,
        status=DealStatus.OPEN,
        stage_entered_at=utcnow(),
    )
    for key in DEAL_FIELDS:
        if key in data:
            setattr(deal, key, data[key])
    deal.currency = (deal.currency or base_currency()).upper()
    _book(deal, rebook=True)
    db.session.add(deal)
    db.session.flush()
    db.session.add(
        StageHistory(
            deal_id=deal.id,
            stage_id=stage.id,
            entered_at=deal.stage_entered_at,
            actor_id=actor.id,
            via=via,
        )
    )
    db.session.flush()
    return deal


def update_deal(
    actor: User,
    deal: Deal,
    data: dict[str, Any],
    version: int | None,
    *,
    account: Account | None = None,
    contact: Contact | None = None,
) -> Deal:
    """Edit a deal's details; a probability other than the stage's needs a reason."""
    check_version(deal, version)
    _check_money(data)
    _check_parties(account or deal.account, contact)
    old_currency, old_amount = deal.currency, deal.amount
    for key in DEAL_FIELDS:
        if key in data:
            setattr(deal, key, data[key])
    if account is not None:
        deal.account_id = account.id
    deal.contact_id = contact.id if contact else None
    if "probability" in data and data["probability"] is not None:
        if (
            data["probability"] != deal.stage.probability
            and not (data.get("probability_reason") or "").strip()
        ):
            raise DomainError(
                _(
                    "Say why the probability differs from the stage's %(p)d%%.",
                    p=deal.stage.probability,
                ),
                field="probability_reason",
            )
        deal.probability = data["probability"]
        deal.probability_reason = (data.get("probability_reason") or "").strip()
    deal.currency = deal.currency.upper()
    _book(deal, rebook=deal.currency != old_currency)
    if (deal.amount, deal.currency) != (old_amount, old_currency):
        # A reason given for keeping the old amount does not cover a new one.
        deal.amount_note = ""
    db.session.flush()
    return deal


def _enter(
    deal: Deal,
    stage: Stage,
    actor: User | None,
    via: str,
    reason: str = "",
    status: str = DealStatus.OPEN,
) -> None:
    now = utcnow()
    with db.session.no_autoflush:  # the deal's change is flushed once, as one history row
        last = db.session.scalar(
            select(StageHistory)
            .where(StageHistory.deal_id == deal.id, StageHistory.left_at.is_(None))
            .order_by(StageHistory.entered_at.desc())
            .limit(1)
        )
    if last is not None:
        last.left_at = now
    deal.stage, deal.stage_id = stage, stage.id
    deal.stage_entered_at = now
    deal.status = status
    if status == DealStatus.OPEN:
        deal.probability, deal.probability_reason = stage.probability, ""
    db.session.add(
        StageHistory(
            deal_id=deal.id,
            stage_id=stage.id,
            entered_at=now,
            status=status,
            actor_id=actor.id if actor else None,
            via=via,
            reason=reason,
        )
    )


def missing_to_leave(deal: Deal, stages: list[Stage]) -> list[gates.Missing]:
    """Every exit criterion the deal has not met, over the given stages."""
    out: list[gates.Missing] = []
    for stage in stages:
        out.extend(gates.missing_for(deal, stage))
    return out


def missing_to_reach(deal: Deal, target: Stage) -> list[gates.Missing]:
    """What still holds the deal back from `target`: the exit criteria of every stage it would
    leave on the way (nothing when the target lies behind)."""
    current = deal.stage
    leaving = [
        s for s in deal.process_version.stages if current.position <= s.position < target.position
    ]
    return missing_to_leave(deal, leaving)


def move_deal(
    actor: User | None,
    deal: Deal,
    target: Stage,
    *,
    via: str = "form",
    reason: str = "",
    version: int | None = None,
) -> Deal:
    """Move a deal to another stage of its own process version.

    Forward only when every stage it leaves has its exit criteria met (GateRefused lists what is
    missing); back with a reason. The same rule holds for the form, the board, the CLI and imports.
    """
    check_version(deal, version)
    if deal.can_move_to(target, reason):
        missing = missing_to_reach(deal, target)
        if missing:
            raise GateRefused(deal.stage, missing, target)
    _enter(deal, target, actor, via, reason.strip())
    audit.name_change(deal, "move")
    db.session.flush()
    return deal


task_titles.register("after_sales", _l("After-sales for deal %(deal)s"))


def win_deal(
    actor: User | None,
    deal: Deal,
    *,
    closed_on: date | None,
    via: str = "form",
    version: int | None = None,
    amount_choice: str | None = None,
    amount_reason: str = "",
) -> Deal:
    """Won: the remaining exit criteria hold, amount and close date are known, and an amount
    that differs from the accepted quote was settled (`amount_choice`, AmountDiffers otherwise).
    The deal enters after-sales with its service tasks, the account's purchase history gets the
    order (the accepted quote's lines), and a prospect becomes a customer."""
    check_version(deal, version)
    closed_on = deal.check_win(closed_on)
    target = after_sales_stage(deal.process_version)
    missing = missing_to_reach(deal, target)
    if missing:
        raise GateRefused(deal.stage, missing, target)
    quote = quote_chain.settle_amount(actor, deal, amount_choice, amount_reason)
    if deal.account is not None:
        # The order first, so that the win's one history row names it.
        lines, tax = quote_chain.order_lines(deal, quote)
        order = customers.create_order(
            actor,
            deal.account,
            ordered_on=closed_on,
            currency=deal.currency,
            external_id=f"DEAL-{deal.id}",
            lines=lines,
            tax=tax,
        )
        deal.order_id = order.id
    deal.win(closed_on)
    _enter(deal, target, actor, via, status=DealStatus.WON)
    audit.name_change(deal, "won")
    db.session.flush()
    if deal.account is not None:
        customers.become_customer(actor, deal.account)
    owner = deal.owner
    for step in target.steps:
        customers.create_task(
            actor or owner,
            title_key="bilingual",
            title_params={"zh": step.name_zh, "en": step.name_en},
            due_at=utcnow() + timedelta(days=target.sla_days),
            owner=owner,
            account=deal.account,
            kind="after_sales",
            notes_key="after_sales",
            notes_params={"deal": deal.title},
        )
    deal_won.send(current_app._get_current_object(), deal=deal, actor=actor)
    return deal


def lose_deal(
    actor: User | None,
    deal: Deal,
    reason: LostReason | None,
    note: str = "",
    *,
    via: str = "form",
    version: int | None = None,
) -> Deal:
    """Lost needs a reason from the list; "other" needs words too."""
    check_version(deal, version)
    deal.lose(reason, note, imported=via == "import")
    _enter(deal, deal.stage, actor, via, reason=deal.lost_note, status=DealStatus.LOST)
    audit.name_change(deal, "lost")
    db.session.flush()
    deal_lost.send(current_app._get_current_object(), deal=deal, actor=actor)
    return deal


def reopen_deal(actor: User, deal: Deal, reason: str) -> Deal:
    """A lost deal comes back to life in the stage it was lost in."""
    if deal.status != DealStatus.LOST:
        raise DomainError(_("Only lost deals can be reopened."))
    if not reason.strip():
        raise DomainError(_("Say why the deal is reopened."), field="reason")
    deal.lost_reason_id, deal.lost_note, deal.closed_on = None, "", None
    _enter(deal, deal.stage, actor, "form", reason=reason.strip())
    audit.name_change(deal, "reopen")
    db.session.flush()
    return deal


def set_deal_forecast(actor: User, deal: Deal, category: str | None, version: int | None) -> Deal:
    """Put an open deal in a forecast category by hand, or back to its probability's (None);
    the audit row (the deal's update) keeps who changed it from what."""
    check_version(deal, version)
    deal.set_forecast(category)
    db.session.flush()
    return deal


def set_step(actor: User, deal: Deal, step: StageStep, done: bool) -> None:
    """Tick or untick a checklist step of the deal's current stage."""
    if step.stage_id != deal.stage_id:
        raise DomainError(_("This step belongs to another stage."))
    existing = db.session.scalar(
        select(DealStepDone).where(DealStepDone.deal_id == deal.id, DealStepDone.step_id == step.id)
    )
    gates.forget_done_steps(deal)
    if done and existing is None:
        db.session.add(DealStepDone(deal_id=deal.id, step_id=step.id, done_by_id=actor.id))
        audit.log_event("step_done", deal, {"step_id": [None, step.id]})
    elif not done and existing is not None:
        db.session.delete(existing)
        audit.log_event("step_undone", deal, {"step_id": [step.id, None]})
    db.session.flush()


def approve_stage(actor: User, deal: Deal, comment: str = "") -> DealApproval:
    """Give the approval a stage asks for, as the actor's role (an administrator stands in for
    the role it waits for)."""
    if not can_approve_stage(actor, deal):
        raise DomainError(_("This stage does not wait for your approval."))
    wanted = deal.stage.approval_roles
    role = actor.role if actor.role in wanted else sorted(wanted)[0]
    approval = DealApproval(
        deal_id=deal.id,
        stage_id=deal.stage_id,
        role=role,
        approved_by_id=actor.id,
        comment=comment.strip(),
    )
    db.session.add(approval)
    audit.log_event("approved", deal, {"approval": [None, role]})
    db.session.flush()
    return approval


def lost_reasons() -> list[LostReason]:
    """The lost reasons people may choose, in their order."""
    return list(
        db.session.scalars(
            select(LostReason)
            .where(LostReason.active.is_(True))
            .order_by(LostReason.position, LostReason.id)
        )
    )


def reason_by_code(code: str) -> LostReason | None:
    """The lost reason with this code, active or not."""
    return db.session.scalar(select(LostReason).where(LostReason.code == code))


def link_interaction(deal: Deal, interaction: Any) -> None:
    """Tie an interaction with the deal's account to the deal."""
    if interaction.account_id != deal.account_id:
        raise DomainError(_("This interaction is with another account."))
    db.session.add(DealInteraction(deal_id=deal.id, interaction_id=interaction.id))
    db.session.flush()
