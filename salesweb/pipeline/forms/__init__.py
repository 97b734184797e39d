"""Forms of deals, moving, winning and losing, processes and rates."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from salesweb.core.errors import DomainError
from salesweb.core.forms import CheckboxesField, NumberField
from salesweb.core.money import currency_choices
from salesweb.customers.forms import VersionField
from salesweb.pipeline.models import (
    FORECAST_CHOICES,
    FORECAST_LABELS,
    VIA_LABELS,
    Deal,
    LostReason,
    Stage,
    StageKind,
)

MOVED_VIA = ("form", "board")  # the ways a person moves a deal; the rest are machines'


class DealForm(FlaskForm):
    title = StringField(_lp("deal", "Title"), validators=[DataRequired(), Length(max=200)])
    account_id = SelectField(_l("Account"), coerce=int, validators=[Optional()])
    contact_id = SelectField(_l("Contact"), coerce=int, validators=[Optional()])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    process_id = SelectField(_l("Sales process"), coerce=int, validators=[Optional()])
    amount = NumberField(
        _l("Amount"), places=2, validators=[Optional(), NumberRange(min=0, max=10**15)]
    )
    currency = SelectField(_l("Currency"), choices=currency_choices)
    expected_close = DateField(_l("Expected close date"), validators=[Optional()])
    product_name = StringField(_l("Product"), validators=[Optional(), Length(max=200)])
    source = StringField(_l("Source"), validators=[Optional(), Length(max=80)])
    competitor = StringField(_l("Competitor"), validators=[Optional(), Length(max=120)])
    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=300)])
    probability = IntegerField(
        _l("Probability (%)"), validators=[Optional(), NumberRange(min=0, max=100)]
    )
    probability_reason = StringField(
        _l("Why this probability"), validators=[Optional(), Length(max=300)]
    )
    version = VersionField(validators=[Optional()])

    DATA_FIELDS = (
        "title",
        "amount",
        "currency",
        "expected_close",
        "product_name",
        "source",
        "competitor",
        "next_step",
    )

    def data_dict(self) -> dict:
        """The deal's fields as the services take them; the probability only counts on an edit
        (a new deal takes its stage's)."""
        out = {name: getattr(self, name).data for name in self.DATA_FIELDS}
        for name in ("title", "product_name", "source", "competitor", "next_step"):
            out[name] = (out[name] or "").strip()
        out.update(
            probability=self.probability.data, probability_reason=self.probability_reason.data
        )
        return out


class MoveForm(FlaskForm):
    """A move of one deal to another stage of its process: from the deal page by stage id (a
    choice of the deal's other open stages), or from the board by stage key (the same in every
    version of a process); with how it was moved and, for a move back, why."""

    stage_id = SelectField(_l("Move to"), coerce=int, validators=[Optional()])
    stage_key = HiddenField(validators=[Optional(), Length(max=40)])
    via = SelectField(choices=lambda: [(key, VIA_LABELS[key]) for key in MOVED_VIA], default="form")
    reason = StringField(_l("Reason (when moving back)"), validators=[Optional(), Length(max=500)])
    version = VersionField(validators=[Optional()])

    def __init__(self, deal: Deal, **kwargs: Any) -> None:
        super().__init__(version=deal.version, **kwargs)
        self.deal = deal
        others = [
            s
            for s in deal.process_version.stages
            if s.kind == StageKind.OPEN and s.id != deal.stage_id
        ]
        self.stage_id.choices = [(s.id, s.name) for s in others]
        if not self.stage_id.raw_data:
            # Offer the way forward: the move pressed as offered must never be a move back.
            ahead = [s for s in others if s.position > deal.stage.position]
            if ahead:
                self.stage_id.data = ahead[0].id
            else:
                self.stage_id.choices.insert(0, (0, _("— choose a stage —")))
                self.stage_id.data = 0

    def target(self) -> Stage:
        """The stage asked for; a DomainError when the move is malformed or names a stage that
        is not one of this deal's."""
        if not self.validate():
            name, messages = next(iter(self.errors.items()))
            if name in ("stage_id", "stage_key"):
                raise DomainError(_("Choose a stage of this deal's process."), field="stage_id")
            raise DomainError(messages[0], field=name)
        version = self.deal.process_version
        if self.stage_key.data:
            stage = version.stage_by_key(self.stage_key.data)
            if stage is None:
                raise DomainError(_("This stage belongs to another process."), field="stage_id")
            return stage
        # The offered stage is preselected on the page only: a move must name its target.
        chosen = self.stage_id.data if self.stage_id.raw_data else None
        stage = next((s for s in version.stages if s.id == chosen), None)
        if stage is None:
            raise DomainError(_("Choose a stage of this deal's process."), field="stage_id")
        return stage


class StepForm(FlaskForm):
    """Tick (done=1) or untick (done=0) a checklist step."""

    done = BooleanField(false_values=(False, "false", "", "0"))


# When the deal's amount and its accepted quote differ: which one counts (quote_chain).
AMOUNT_CHOICES = {
    "quote": _l("Take the accepted quote's total"),
    "deal": _l("Keep the deal's amount"),
}


class WinForm(FlaskForm):
    closed_on = DateField(_l("Close date"), validators=[DataRequired()])
    # Asked only when the deal's amount and its accepted quote differ (quote_chain).
    amount_choice = RadioField(
        _l("Which amount counts"),
        choices=lambda: [(key, str(label)) for key, label in AMOUNT_CHOICES.items()],
        validators=[Optional()],
    )
    amount_reason = StringField(_l("Why"), validators=[Optional(), Length(max=300)])
    version = VersionField(validators=[Optional()])

    def win_args(self) -> dict[str, Any]:
        """The keyword arguments of services.win_deal."""
        return {
            "closed_on": self.closed_on.data,
            "version": self.version.data,
            "amount_choice": self.amount_choice.data,
            "amount_reason": self.amount_reason.data or "",
        }


CHOOSE_REASON = _l("Choose why the deal was lost.")


class LoseForm(FlaskForm):
    lost_reason_id = SelectField(
        _l("Reason"),
        coerce=int,
        # The first choice (0) is "choose a reason": refused, so nobody records one by accident.
        validators=[
            InputRequired(message=CHOOSE_REASON),
            NumberRange(min=1, message=CHOOSE_REASON),
        ],
    )
    lost_note = StringField(_l("Details"), validators=[Optional(), Length(max=500)])
    version = VersionField(validators=[Optional()])

    def __init__(self, reasons: list[LostReason], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reasons = reasons
        # No reason is preselected: a reason nobody chose would be recorded as the truth.
        self.lost_reason_id.choices = [(0, _("— choose a reason —"))] + [
            (r.id, r.label) for r in reasons
        ]

    @property
    def reason(self) -> LostReason | None:
        """The reason chosen, of those offered."""
        return next((r for r in self.reasons if r.id == self.lost_reason_id.data), None)


def forecast_choices() -> list[tuple[str, str]]:
    """The categories an owner may choose, after "follow the probability" (no choice)."""
    automatic = [("", _("Follow the probability"))]
    return automatic + [(c.value, str(FORECAST_LABELS[c])) for c in FORECAST_CHOICES]


class DealForecastForm(FlaskForm):
    forecast = SelectField(_l("Forecast category"), choices=forecast_choices)
    version = VersionField(validators=[Optional()])


class ReopenForm(FlaskForm):
    reason = StringField(_l("Why reopen"), validators=[DataRequired(), Length(max=500)])


class ApprovalForm(FlaskForm):
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])


class StageForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=80)])
    probability = IntegerField(
        _l("Win probability (%)"), validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    sla_days = IntegerField(
        _l("Expected days (SLA)"), validators=[InputRequired(), NumberRange(min=1, max=365)]
    )
    responsible_role = SelectField(_l("Responsible role"), choices=[])
    steps = TextAreaField(
        _l("Checklist"),
        validators=[Optional(), Length(max=4000)],
        description=_l("One step a line: Chinese | English | required or optional."),
    )
    required_fields = CheckboxesField(_l("Fields that must be filled in"), choices=[])
    needs_checklist = BooleanField(_l("Required checklist steps must be done"))
    needs_quote = BooleanField(_l("An approved quote is needed"))
    approval_role = SelectField(_l("Approval by a role"), choices=[])
    extra_criteria = CheckboxesField(_l("Other criteria"), choices=[])
    note = StringField(_l("What changed"), validators=[DataRequired(), Length(max=300)])


class RateForm(FlaskForm):
    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(min=3, max=3)])
    valid_on = DateField(_l("Valid from"), validators=[DataRequired()])
    rate = NumberField(
        _l("Rate to the base currency"),
        places=8,
        validators=[DataRequired(), NumberRange(min=0.00000001, max=10**8)],
    )
    source = StringField(_l("Source"), validators=[Optional(), Length(max=80)])


class RateUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired()],
        description=_l(
            "A header row naming date (YYYY-MM-DD), currency and rate (and source), in any order; "
            "without one: currency, date, rate, source."
        ),
    )
