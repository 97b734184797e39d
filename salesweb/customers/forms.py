"""Forms of the customers area: shape only; rules come back from the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from salesweb.core.forms import NumberField, field_data, label_choices
from salesweb.core.i18n import LOCALE_NAMES, to_utc
from salesweb.core.money import currency_choices
from salesweb.customers.models import (
    ACCOUNT_TYPE_LABELS,
    CHANNEL_LABELS,
    DIRECTION_LABELS,
    INTERACTION_KIND_LABELS,
    PRIORITY_LABELS,
)
from salesweb.customers.services import ACCOUNT_FIELDS, CONTACT_FIELDS, LineInput

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class VersionField(IntegerField):
    widget = HiddenField.widget


class AccountForm(FlaskForm):
    name = StringField(_l("Account name"), validators=[DataRequired(), Length(max=200)])
    type = SelectField(
        _l("Type"), choices=lambda: label_choices(ACCOUNT_TYPE_LABELS), validators=[InputRequired()]
    )
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=80)])
    segment = StringField(_l("Segment"), validators=[Optional(), Length(max=80)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=80)])
    country = StringField(_l("Country"), validators=[Optional(), Length(max=80)])
    employees = IntegerField(
        _l("Employees"), validators=[Optional(), NumberRange(min=0, max=10_000_000)]
    )
    annual_revenue = NumberField(
        _l("Annual revenue"), places=2, validators=[Optional(), NumberRange(min=0, max=10**15)]
    )
    revenue_currency = SelectField(_l("Revenue currency"), choices=currency_choices)
    source = StringField(_l("Source"), validators=[Optional(), Length(max=80)])
    tags = StringField(
        _l("Tags"),
        validators=[Optional(), Length(max=400)],
        description=_l("Separate tags with commas."),
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_lp("address", "E-mail"), validators=[Optional(), Email(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    credit_limit = NumberField(
        _l("Credit limit"), places=2, validators=[Optional(), NumberRange(min=0, max=10**15)]
    )
    credit_currency = SelectField(_l("Credit currency"), choices=currency_choices)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    confirm_duplicates = HiddenField(default="")
    version = VersionField(validators=[Optional()])

    # Likely duplicates the service found, shown above the form for the person to confirm.
    duplicates: tuple = ()

    # What the account service writes, but the external id that only imports set.
    DATA_FIELDS = tuple(name for name in ACCOUNT_FIELDS if name != "external_id")

    def data_dict(self) -> dict:
        return field_data(self, self.DATA_FIELDS, trim_text=True)


class ContactForm(FlaskForm):
    name = StringField(_lp("person", "Name"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Job title"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    email = EmailField(_lp("address", "E-mail"), validators=[Optional(), Email(), Length(max=254)])
    wechat = StringField(_l("WeChat ID"), validators=[Optional(), Length(max=64)])
    preferred_channel = SelectField(
        _l("Preferred channel"), choices=lambda: label_choices(CHANNEL_LABELS)
    )
    locale = SelectField(_l("Language"), choices=lambda: list(LOCALE_NAMES.items()))
    is_primary = BooleanField(_l("Primary contact"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    version = VersionField(validators=[Optional()])

    DATA_FIELDS = tuple(name for name in CONTACT_FIELDS if name != "external_id")

    def data_dict(self) -> dict:
        out = field_data(self, self.DATA_FIELDS, trim_text=True)
        out["is_primary"] = bool(out["is_primary"])
        return out


class InteractionForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: label_choices(INTERACTION_KIND_LABELS))
    direction = SelectField(_l("Direction"), choices=lambda: label_choices(DIRECTION_LABELS))
    occurred_at = DateTimeLocalField(
        _l("When"), format=DATETIME_FORMAT, validators=[DataRequired()]
    )
    contact_id = SelectField(_l("Contact"), coerce=int, validators=[Optional()])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=5000)])
    outcome = StringField(_l("Outcome"), validators=[Optional(), Length(max=300)])
    next_step = StringField(_l("Next step"), validators=[Optional(), Length(max=300)])
    create_task = BooleanField(_l("Create a follow-up task"))
    task_title = StringField(_l("Task"), validators=[Optional(), Length(max=200)])
    task_due = DateTimeLocalField(_l("Task due"), format=DATETIME_FORMAT, validators=[Optional()])
    task_priority = SelectField(
        _l("Priority"), choices=lambda: label_choices(PRIORITY_LABELS), default="normal"
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.create_task.data:
            if not (self.task_title.data or "").strip():
                self.task_title.errors.append(_l("Give the follow-up task a title."))
                ok = False
            if not self.task_due.data:
                self.task_due.errors.append(_l("Say when the follow-up task is due."))
                ok = False
        return ok


class TaskForm(FlaskForm):
    title = StringField(_lp("heading", "Title"), validators=[DataRequired(), Length(max=200)])
    due_at = DateTimeLocalField(_l("Due"), format=DATETIME_FORMAT, validators=[DataRequired()])
    priority = SelectField(
        _l("Priority"), choices=lambda: label_choices(PRIORITY_LABELS), default="normal"
    )
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired()])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    version = VersionField(validators=[Optional()])

    def data_dict(self) -> dict:
        """Title, due time (UTC), priority, notes and the chosen owner's id."""
        return {
            "title": self.title.data.strip(),
            "due_at": to_utc(self.due_at.data),
            "priority": self.priority.data,
            "notes": (self.notes.data or "").strip(),
            "owner_id": self.owner_id.data,
        }


class AssignForm(FlaskForm):
    owner_id = SelectField(_l("New owner"), coerce=int, validators=[InputRequired()])


class OrderLineForm(Form):
    product = StringField(_l("Product"), validators=[Optional(), Length(max=200)])
    quantity = NumberField(
        _l("Quantity"), places=3, validators=[Optional(), NumberRange(min=0, max=10**9)]
    )
    unit_price = NumberField(
        _l("Unit price"), places=2, validators=[Optional(), NumberRange(min=0, max=10**13)]
    )


class OrderForm(FlaskForm):
    ordered_on = DateField(_l("Order date"), validators=[DataRequired()])
    currency = SelectField(_l("Currency"), choices=currency_choices)
    external_id = StringField(_l("Order number"), validators=[Optional(), Length(max=64)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    lines = FieldList(FormField(OrderLineForm), min_entries=3, max_entries=50)

    def validate(self, extra_validators=None) -> bool:
        # The lines are looked at only once the rest holds, so their message comes alone.
        if not super().validate(extra_validators):
            return False
        ok = True
        for entry in self.lines:
            values = _line_values(entry)
            if any(v is not None for v in values) and any(v is None for v in values):
                entry.product.errors.append(
                    _l("Give product, quantity and unit price for every line.")
                )
                ok = False
        return ok

    def filled_lines(self) -> list[LineInput]:
        """The lines the person filled in; empty rows of the form are left out."""
        return [LineInput(*_line_values(e)) for e in self.lines if _line_values(e)[0] is not None]

    def data_dict(self) -> dict:
        return {
            "ordered_on": self.ordered_on.data,
            "currency": self.currency.data,
            "lines": self.filled_lines(),
            "external_id": (self.external_id.data or "").strip() or None,
            "notes": (self.notes.data or "").strip(),
        }


def _line_values(entry) -> tuple:
    """(product, quantity, unit price) of one order line, None for each part left empty."""
    product = (entry.product.data or "").strip() or None
    return product, entry.quantity.data, entry.unit_price.data
