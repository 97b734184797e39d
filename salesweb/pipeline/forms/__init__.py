"""Forms of deals, moving, winning and losing, processes and rates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from salesweb.core.forms import CheckboxesField, NumberField
from salesweb.core.money import currency_choices
from salesweb.customers.forms import VersionField


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
        out = {name: getattr(self, name).data for name in self.DATA_FIELDS}
        for name in ("title", "product_name", "source", "competitor", "next_step"):
            out[name] = (out[name] or "").strip()
        return out


class MoveForm(FlaskForm):
    stage_id = SelectField(_l("Move to"), coerce=int, validators=[InputRequired()])
    reason = StringField(_l("Reason (when moving back)"), validators=[Optional(), Length(max=500)])
    version = VersionField(validators=[Optional()])


class WinForm(FlaskForm):
    closed_on = DateField(_l("Close date"), validators=[DataRequired()])
    version = VersionField(validators=[Optional()])


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
