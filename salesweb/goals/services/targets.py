"""Setting targets, splitting them into parts that add up, publishing and revising them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from salesweb.auth.models import Team, User
from salesweb.core.errors import DomainError
from salesweb.core.i18n import fmt_number
from salesweb.core.models import check_version, utcnow
from salesweb.extensions import db
from salesweb.goals import queries
from salesweb.goals.models.target import (
    MEASURE_LABELS,
    Level,
    Measure,
    Target,
    TargetRevision,
    TargetStatus,
    measure_detail,
    owner_key,
)
from salesweb.goals.periods import Period, fiscal_start
from salesweb.goals.permissions import can_edit_target, can_set_target_for
from salesweb.pipeline.models import Product

OWNERS = "owners"
PERIODS = "periods"
MODES = ("hand", "even", "last_year", "pipeline")
SPLIT_MODE_LABELS = {
    "hand": _l("By hand"),
    "even": _l("Evenly"),
    "last_year": _l("By last year's result"),
    "pipeline": _l("By open pipeline"),
}
SPLIT_DIMENSION_LABELS = {OWNERS: _l("Split among owners"), PERIODS: _l("Split into periods")}


def part_field(key: str) -> str:
    """The form field of one part of a split ("team:3" -> "part_team_3")."""
    return "part_" + re.sub(r"\W", "_", key)


def split_amount(total: Decimal, weights: list[Decimal], step: Decimal) -> list[Decimal]:
    """`total` split in proportion to `weights`, each part a whole number of `step`s, the parts
    adding up to `total` exactly: the steps left over after rounding down go one each to the
    parts with the largest remainders (the earlier part first on a tie)."""
    if not weights:
        return []
    if sum(weights) <= 0:
        weights = [Decimal(1)] * len(weights)
    units = int((total / step).to_integral_value(ROUND_FLOOR))
    whole = sum(weights)
    exact = [Decimal(units) * w / whole for w in weights]
    floors = [int(e.to_integral_value(ROUND_FLOOR)) for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    parts = [Decimal(f) * step for f in floors]
    parts[0] += total - sum(parts)  # a total finer than the step (never from a form) stays exact
    return parts


def _period(key: str) -> Period:
    try:
        return Period.parse(key, fiscal_start())
    except ValueError:
        raise DomainError(
            _(
                "There is no such period. Write a year (2026), a quarter (2026-Q3) or a month (2026-07)."
            ),
            field="period_key",
        ) from None


def _check_detail(measure: str, detail: str) -> None:
    if measure == Measure.SERIES_AMOUNT:
        known = db.session.scalar(select(Product.id).where(Product.series == detail).limit(1))
        if not detail or known is None:
            raise DomainError(_("Choose a product series that exists."), field="series")


def _check_owner(actor: User, level: str, team_id: int | None, user_id: int | None) -> None:
    if level == Level.TEAM and (team_id is None or db.session.get(Team, team_id) is None):
        raise DomainError(_("Choose a team."), field="team_id")
    if level == Level.PERSON:
        person = db.session.get(User, user_id) if user_id else None
        if person is None or not person.active:
            raise DomainError(_("Choose a person."), field="user_id")
    if not can_set_target_for(actor, level, team_id, user_id):
        field = {Level.TEAM: "team_id", Level.PERSON: "user_id"}.get(level, "level")
        raise DomainError(
            _("You cannot set targets for this owner: they are outside the teams you lead."),
            field=field,
        )


def create_target(
    actor: User,
    *,
    measure: str,
    period_key: str,
    level: str,
    value: Decimal,
    team_id: int | None = None,
    user_id: int | None = None,
    series: str = "",
    kinds: list[str] | None = None,
    why: str = "",
    parent: Target | None = None,
) -> Target:
    """Set a draft target for one measure, period and owner (one per slot)."""
    if measure not in MEASURE_LABELS:
        raise DomainError(_("Choose a measure."), field="measure")
    period = _period(period_key)
    detail = measure_detail(measure, series, kinds)
    _check_detail(measure, detail)
    team_id = team_id if level == Level.TEAM else None
    user_id = user_id if level == Level.PERSON else None
    _check_owner(actor, level, team_id, user_id)
    _check_value(value, measure)
    key = owner_key(level, team_id, user_id)
    if queries.target_in_slot(measure, detail, period.key, key) is not None:
        raise DomainError(
            _("This owner already has a target for this measure and period: change that one."),
            field="period_key",
        )
    target = Target(
        measure=measure,
        detail=detail,
        period_key=period.key,
        period_kind=period.kind,
        period_start=period.start,
        level=level,
        team_id=team_id,
        user_id=user_id,
        owner_key=key,
        value=value,
        why=why or "",
        parent_id=parent.id if parent else None,
        status=TargetStatus.DRAFT,
        created_by_id=actor.id,
    )
    db.session.add(target)
    db.session.flush()
    return target


def _check_value(value: Decimal | None, measure: str, field: str = "value") -> None:
    if value is None:
        raise DomainError(_("Give a number."), field=field)
    if value < 0:
        raise DomainError(_("A target cannot be negative."), field=field)
    if measure not in (Measure.WON_AMOUNT, Measure.SERIES_AMOUNT) and value != value.to_integral():
        raise DomainError(_("This measure counts whole numbers."), field=field)


def _set_value(actor: User, target: Target, value: Decimal, reason: str, field: str) -> None:
    """Change the number; a published one keeps its old number, who and why as a revision."""
    if value == target.value:
        return
    if target.is_published:
        if not (reason or "").strip():
            raise DomainError(
                _("The target is published: say why its number changes."), field=field
            )
        db.session.add(
            TargetRevision(
                target_id=target.id,
                old_value=target.value,
                new_value=value,
                why=reason.strip(),
                changed_by_id=actor.id,
            )
        )
    target.value = value


def update_target(
    actor: User,
    target: Target,
    version: int | str | None,
    *,
    value: Decimal,
    why: str = "",
    reason: str = "",
) -> Target:
    """Change a target's number and why (a published one keeps a revision)."""
    check_version(target, version)
    if not can_edit_target(actor, target):
        raise DomainError(_("You cannot change this target."))
    _check_value(value, target.measure)
    _set_value(actor, target, value, reason, "reason")
    target.why = why or ""
    db.session.flush()
    return target


# --- splitting -------------------------------------------------------------------------------


@dataclass
class Part:
    """One child of a split: who or which period, the number suggested or typed, the child
    target already there (if any) and its error."""

    key: str
    label: str
    level: str
    team_id: int | None
    user_id: int | None
    period: Period
    value: Decimal | None = None
    existing: Target | None = None


def split_dimensions(target: Target) -> list[str]:
    """What a target can split into: its owners' parts (teams, people) and shorter periods."""
    found = []
    if target.level != Level.PERSON:
        found.append(OWNERS)
    if target.period_kind != "month":
        found.append(PERIODS)
    return found


def split_parts(target: Target, dimension: str) -> list[Part]:
    """The children a split makes: the company's teams, a team's people, or a year's quarters
    and a quarter's months for the same owner; each with the child target already there."""
    period = target.period(fiscal_start())
    parts: list[Part] = []
    if dimension == OWNERS and target.level == Level.COMPANY:
        for team in db.session.scalars(select(Team).order_by(Team.name)):
            parts.append(Part(f"team:{team.id}", team.name, Level.TEAM, team.id, None, period))
    elif dimension == OWNERS and target.level == Level.TEAM:
        for person in queries.members_by_team([target.team_id]).get(target.team_id, []):
            parts.append(
                Part(
                    f"user:{person.id}", person.display_name, Level.PERSON, None, person.id, period
                )
            )
    elif dimension == PERIODS:
        for child in period.children():
            parts.append(
                Part(child.key, child.label(), target.level, target.team_id, target.user_id, child)
            )
    existing = {(c.owner_key, c.period_key): c for c in queries.children_of([target.id])[target.id]}
    for part in parts:
        key = owner_key(part.level, part.team_id, part.user_id)
        part.existing = existing.get((key, part.period.key)) or queries.target_in_slot(
            target.measure, target.detail, part.period.key, key
        )
        if part.existing is not None:
            part.value = part.existing.value
    return parts


def _member_ids(parts: list[Part]) -> dict[str, list[int]]:
    """Per part, the people whose records count for it."""
    teams = [p.team_id for p in parts if p.level == Level.TEAM]
    members = queries.members_by_team(teams) if teams else {}
    out = {}
    for p in parts:
        if p.level == Level.PERSON:
            out[p.key] = [p.user_id]
        elif p.level == Level.TEAM:
            out[p.key] = [m.id for m in members.get(p.team_id, [])]
        else:
            out[p.key] = []  # the company: everyone
    return out


def _weights(target: Target, parts: list[Part], mode: str) -> list[Decimal]:
    """Each part's weight for a proportional split."""
    if mode == "even":
        return [Decimal(1)] * len(parts)
    ids = _member_ids(parts)
    if all(p.period.key == target.period_key for p in parts):  # owners: one query for all
        everyone = [i for p in parts for i in ids[p.key]]
        period = target.period(fiscal_start())
        if mode == "last_year":
            per = queries.actuals(target.measure, target.detail, period.same_last_year(), everyone)
        else:
            per = queries.open_pipeline_by_owner(everyone)
        return [sum((per.get(i, Decimal(0)) for i in ids[p.key]), Decimal(0)) for p in parts]
    weights = []  # periods: the same owner in each shorter period
    for p in parts:
        owners = ids[p.key] or None
        if mode == "last_year":
            per = queries.actuals(target.measure, target.detail, p.period.same_last_year(), owners)
        else:
            per = queries.open_pipeline_by_owner(owners, p.period)
        weights.append(sum(per.values(), Decimal(0)))
    return weights


def suggest_split(target: Target, dimension: str, mode: str) -> list[Part]:
    """The parts with numbers: as they are (by hand), or the target split evenly, by last year's
    result or by the open pipeline (evenly where there is nothing to weigh by)."""
    parts = split_parts(target, dimension)
    if mode in MODES and mode != "hand" and parts:
        values = split_amount(target.value, _weights(target, parts, mode), target.step)
        for part, value in zip(parts, values, strict=True):
            part.value = value
    return parts


def save_split(
    actor: User,
    target: Target,
    dimension: str,
    values: Mapping[str, Decimal | None],
    reason: str = "",
) -> list[Target]:
    """Set every part's number (creating the child targets that are missing); a part left
    without a number refuses the whole split."""
    if not can_edit_target(actor, target):
        raise DomainError(_("You cannot change this target."))
    parts = split_parts(target, dimension)
    if not parts:
        raise DomainError(_("There is nothing to split this target into."))
    for part in parts:
        _check_value(values.get(part.key), target.measure, field=part_field(part.key))
    children = []
    for part in parts:
        value = values[part.key]
        child = part.existing
        if child is None:
            child = create_target(
                actor,
                measure=target.measure,
                period_key=part.period.key,
                level=part.level,
                value=value,
                team_id=part.team_id,
                user_id=part.user_id,
                series=target.detail if target.measure == Measure.SERIES_AMOUNT else "",
                kinds=target.kinds,
                parent=target,
            )
        else:
            if not can_edit_target(actor, child):
                raise DomainError(_("You cannot change this target."), field=part_field(part.key))
            _set_value(actor, child, value, reason, part_field(part.key))
            child.parent_id = target.id
        children.append(child)
    db.session.flush()
    return children


# --- reconciling and publishing ---------------------------------------------------------------


@dataclass
class Reconciliation:
    """Whether one split of a target adds up: its parts' sum against the target's number."""

    dimension: str
    count: int
    total: Decimal
    target: Decimal

    @property
    def difference(self) -> Decimal:
        return self.total - self.target

    @property
    def adds_up(self) -> bool:
        return self.difference == 0


def reconcile(target: Target, children: Iterable[Target]) -> list[Reconciliation]:
    """Per split (owners, periods), the children's sum against the target's number."""
    groups: dict[str, list[Target]] = {}
    for child in children:
        dimension = PERIODS if child.period_key != target.period_key else OWNERS
        groups.setdefault(dimension, []).append(child)
    return [
        Reconciliation(dim, len(kids), sum((k.value for k in kids), Decimal(0)), target.value)
        for dim, kids in sorted(groups.items())
    ]


def reconciled(target: Target, children: Iterable[Target]) -> bool:
    """Every split adds up, or the difference is marked intended."""
    return target.difference_intended or all(r.adds_up for r in reconcile(target, children))


def publish_target(
    actor: User,
    target: Target,
    version: int | str | None,
    intended: bool = False,
    note: str = "",
) -> list[Target]:
    """Publish the target and the drafts split from it, level by level; refused while a split
    does not add up, unless the difference is marked intended with a note."""
    check_version(target, version)
    if not can_edit_target(actor, target):
        raise DomainError(_("You cannot publish this target."))
    if intended and not (note or "").strip():
        raise DomainError(
            _("Say why the parts are meant to differ from the target."), field="difference_note"
        )
    target.difference_intended = bool(intended)
    target.difference_note = (note or "").strip() if intended else ""
    published, level = [], [target]
    while level:
        kids = queries.children_of([t.id for t in level])
        for node in level:
            if not reconciled(node, kids[node.id]):
                for r in reconcile(node, kids[node.id]):
                    if not r.adds_up:
                        raise DomainError(
                            _(
                                "The parts of %(owner)s %(period)s add up to %(total)s, not "
                                "%(target)s (a difference of %(difference)s). Fix the parts, or "
                                "tick that the difference is intended and say why.",
                                owner=node.owner_name,
                                period=node.period_key,
                                total=_number(r.total),
                                target=_number(r.target),
                                difference=_number(r.difference),
                            ),
                            field="difference_intended",
                        )
            if node.status != TargetStatus.PUBLISHED:
                node.status = TargetStatus.PUBLISHED
                node.published_at = utcnow()
                published.append(node)
        level = [k for node in level for k in kids[node.id]]
    db.session.flush()
    return published


def _number(value: Decimal) -> str:
    return fmt_number(value)
