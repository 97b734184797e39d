"""The targets importer: owner, period, measure and number per row (a series or interaction
kinds where the measure needs one, a why), through the shared importer. A row sets a new draft
target or changes the number of the one already set for that measure, period and owner (a
published one keeps a revision, as the form does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select

from salesweb.auth.importers import ActingImporter, job_user
from salesweb.auth.models import Team, User
from salesweb.core import importing
from salesweb.core.importing import BatchResult, ImportField, ImportJob, ParsedRow, RowError
from salesweb.customers.models import INTERACTION_KIND_LABELS
from salesweb.extensions import db
from salesweb.goals.models.target import (
    MEASURE_LABELS,
    MONEY_MEASURES,
    Level,
    Measure,
    Target,
    TargetRevision,
    TargetStatus,
    measure_detail,
    owner_key,
)
from salesweb.goals.periods import Period, fiscal_start
from salesweb.goals.permissions import TARGET_SETTERS, can_set_target_for
from salesweb.pipeline.models import Product

COMPANY_WORDS = {"company", "whole company", "公司", "全公司"}
# What a Chinese sales team writes for the measures, beside the codes and the labels.
MEASURE_WORDS = {
    "业绩": Measure.WON_AMOUNT,
    "成交金额": Measure.WON_AMOUNT,
    "成交单数": Measure.WON_COUNT,
    "赢单数": Measure.WON_COUNT,
    "新增客户": Measure.NEW_ACCOUNTS,
    "拜访量": Measure.INTERACTIONS,
    "产品系列业绩": Measure.SERIES_AMOUNT,
}


def _spellings(labels: dict[Any, Any]) -> dict[str, str]:
    """Codes and their labels in both languages, folded, to the code."""
    found = {}
    for code, label in labels.items():
        found[str(code).casefold()] = str(code)
        for locale in ("en", "zh_CN"):
            with force_locale(locale):
                found[str(label).casefold()] = str(code)
    return found


@dataclass
class TargetState:
    acting: User | None
    people: dict[str, int]  # e-mail -> id
    teams: dict[str, int]  # casefolded name -> id
    series: set[str]
    fiscal_start: int
    seen: dict[tuple[str, str, str, str], int] = field(default_factory=dict)


class TargetImporter(ActingImporter):
    label = _l("Targets")
    batch_size = 500
    fields = (
        ImportField(
            "owner",
            _lp("target", "For"),
            ("owner", "负责人", "对象", "email", "team", "团队"),
            required=True,
            help=_l("A person's e-mail, a team's name, or “company”."),
        ),
        ImportField("period", _l("Period"), ("期间", "周期"), required=True, fixed=True),
        ImportField("measure", _l("Measure"), ("指标", "考核指标"), required=True, fixed=True),
        ImportField("value", _l("Target"), ("number", "目标", "目标值", "数值"), required=True),
        ImportField("detail", _l("Series or kinds"), ("series", "系列", "产品系列")),
        ImportField("why", _l("Why this target"), ("why", "说明")),
    )

    def allowed(self, user: Any) -> bool:
        return user is None or user.role in TARGET_SETTERS

    def prepare(self, job: ImportJob) -> TargetState:
        people = dict(db.session.execute(select(func.lower(User.email), User.id)).all())
        teams = {name.casefold(): i for i, name in db.session.execute(select(Team.id, Team.name))}
        series = set(db.session.scalars(select(Product.series).where(Product.series != "")))
        return TargetState(job_user(job), people, teams, series, fiscal_start())

    def _owner(self, state: TargetState, text: str) -> tuple[str, int | None, int | None]:
        folded = text.strip().casefold()
        if folded in COMPANY_WORDS:
            return Level.COMPANY, None, None
        if folded in state.people:
            return Level.PERSON, None, state.people[folded]
        if folded in state.teams:
            return Level.TEAM, state.teams[folded], None
        raise RowError(_("No person (by e-mail) or team is called “%(owner)s”.", owner=text))

    def _detail(self, state: TargetState, measure: str, text: str) -> str:
        if measure == Measure.SERIES_AMOUNT:
            if text.strip() not in state.series:
                raise RowError(_("Choose a product series that exists."))
            return text.strip()
        if measure == Measure.INTERACTIONS:
            kinds = _spellings(INTERACTION_KIND_LABELS)
            chosen = [kinds.get(k.strip().casefold()) for k in text.replace("，", ",").split(",")]
            if any(k is None for k in chosen if k != ""):
                raise RowError(_("Unknown interaction kind in “%(kinds)s”.", kinds=text))
            return measure_detail(measure, kinds=[k for k in chosen if k])
        return ""

    def convert(self, state: TargetState, values: dict[str, str], row_number: int) -> dict:
        level, team_id, user_id = self._owner(state, values.get("owner", ""))
        if state.acting is not None and not can_set_target_for(
            state.acting, level, team_id, user_id
        ):
            raise RowError(
                _("You cannot set targets for this owner: they are outside the teams you lead.")
            )
        try:
            period = Period.parse(values.get("period", "").strip().upper(), state.fiscal_start)
        except ValueError:
            raise RowError(
                _(
                    "There is no such period. Write a year (2026), a quarter (2026-Q3) or a month (2026-07)."
                )
            ) from None
        said = values.get("measure", "").strip().casefold()
        measure = MEASURE_WORDS.get(said) or _spellings(MEASURE_LABELS).get(said)
        if measure is None:
            raise RowError(_("Choose a measure."))
        detail = self._detail(state, measure, values.get("detail", "") or "")
        try:
            value = Decimal(values.get("value", "").replace(",", "").strip())
        except InvalidOperation:
            raise RowError(_("Give a number.")) from None
        if not value.is_finite() or value < 0 or value >= 10**15:
            raise RowError(_("A target cannot be negative."))
        if measure not in MONEY_MEASURES and value != value.to_integral():
            raise RowError(_("This measure counts whole numbers."))
        slot = (measure, detail, period.key, owner_key(level, team_id, user_id))
        earlier = state.seen.setdefault(slot, row_number)
        if earlier != row_number:
            raise RowError(_("Row %(row)d already sets this target.", row=earlier))
        return {
            "slot": slot,
            "period": period,
            "level": level,
            "team_id": team_id,
            "user_id": user_id,
            "value": value.quantize(Decimal("0.01")),
            "why": (values.get("why") or "").strip()[:2000],
        }

    def write(self, state: TargetState, rows: list[ParsedRow]) -> BatchResult:
        result = BatchResult()
        keys = [r.data["slot"][3] for r in rows]
        existing = {
            (t.measure, t.detail, t.period_key, t.owner_key): t
            for t in db.session.scalars(select(Target).where(Target.owner_key.in_(keys)))
        }
        for row in rows:
            data = row.data
            target = existing.get(data["slot"])
            if target is None:
                measure, detail, key, owner = data["slot"]
                period = data["period"]
                db.session.add(
                    Target(
                        measure=measure, detail=detail, period_key=key, period_kind=period.kind,
                        period_start=period.start, level=data["level"], team_id=data["team_id"],
                        user_id=data["user_id"], owner_key=owner, value=data["value"],
                        why=data["why"], status=TargetStatus.DRAFT,
                        created_by_id=state.acting.id if state.acting else None,
                    )
                )  # fmt: skip
                result.created += 1
            elif target.value == data["value"]:
                result.unchanged += 1
            else:
                if target.is_published:
                    db.session.add(
                        TargetRevision(
                            target_id=target.id, old_value=target.value, new_value=data["value"],
                            why=data["why"] or _("Imported"),
                            changed_by_id=state.acting.id if state.acting else None,
                        )
                    )  # fmt: skip
                target.value = data["value"]
                result.updated += 1
        db.session.flush()
        return result


importing.register("targets", TargetImporter())
