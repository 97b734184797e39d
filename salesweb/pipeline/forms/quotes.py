"""Forms of products, quotes and quote decisions: shape only; rules come back from the quote services."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from salesweb.core.forms import NumberField
from salesweb.core.i18n import LOCALE_NAMES
from salesweb.core.money import currency_choices
from salesweb.core.params import parse_int
from salesweb.customers.forms import VersionField
from salesweb.pipeline.services.quote_lines import MAX_LINES, LineInput, QuoteInput

LINE_ROWS = 5  # rows shown for a new quote; an edit shows its lines plus two empty rows


class ProductForm(FlaskForm):
    sku = StringField(_l("SKU"), validators=[DataRequired(), Length(max=60)])
    name = StringField(_lp("thing", "Name"), validators=[DataRequired(), Length(max=200)])
    series = StringField(_l("Series"), validators=[Optional(), Length(max=80)])
    list_price = NumberField(
        _l("List price"),
        places=2,
        validators=[
            InputRequired(),
            NumberRange(min=0, max=10**13, message=_l("The list price must be zero or more.")),
        ],
    )
    currency = SelectField(_l("Currency"), choices=currency_choices)
    active = BooleanField(_l("Active (can be put on quotes)"), default=True)
    version = VersionField(validators=[Optional()])

    def data_dict(self, with_active: bool = True) -> dict:
        """The typed values; a new product (no checkbox shown) is always active."""
        return {
            "sku": (self.sku.data or "").strip(),
            "name": (self.name.data or "").strip(),
            "series": (self.series.data or "").strip(),
            "list_price": self.list_price.data,
            "currency": self.currency.data,
            "active": bool(self.active.data) if with_active else True,
        }


class QuoteLineForm(Form):
    # validate_choice=False: an inactive or unknown product gets the service's clear message.
    product_id = SelectField(_l("Product"), coerce=int, validate_choice=False, default=0)
    quantity = NumberField(
        _l("Quantity"),
        places=3,
        validators=[
            Optional(),
            NumberRange(min=0, max=10**9, message=_l("The quantity must be more than zero.")),
        ],
    )
    unit_price = NumberField(
        _l("Unit price"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=10**13, message=_l("The unit price must be zero or more.")),
        ],
    )
    discount_pct = NumberField(
        _l("Discount (%)"),
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("A discount is between 0 and 100.")),
        ],
    )
    # Not "description": that is an attribute of every WTForms field (the help text).
    note = StringField(_l("Note on the line"), validators=[Optional(), Length(max=300)])

    def is_blank(self) -> bool:
        return (
            not self.product_id.data
            and self.quantity.data is None
            and self.unit_price.data is None
            and self.discount_pct.data is None
            and not (self.note.data or "").strip()
            and not any(f.errors for f in self)
        )


class QuoteForm(FlaskForm):
    currency = SelectField(_l("Currency"), choices=currency_choices)
    language = SelectField(
        _l("Language of the quote"), choices=lambda: list(LOCALE_NAMES.items()), default="zh_CN"
    )
    tax_rate = NumberField(
        _l("Tax rate (%)"),
        places=2,
        default=Decimal("13"),
        validators=[
            InputRequired(),
            NumberRange(min=0, max=100, message=_l("The tax rate is between 0 and 100.")),
        ],
    )
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    terms = TextAreaField(_l("Terms"), validators=[Optional(), Length(max=5000)])
    lines = FieldList(FormField(QuoteLineForm), min_entries=LINE_ROWS, max_entries=MAX_LINES)
    version = VersionField(validators=[Optional()])

    def field_for(self, name: str) -> Field | None:
        """Where a refusal goes: a line's input is named lines-<row>-<field> by the services, as
        WTForms names it; one about the lines as a whole, or a row not shown, goes above."""
        if name == "lines" or name.startswith("lines-"):
            _lines, _sep, rest = name.partition("-")
            row, _sep, input_name = rest.partition("-")
            index = parse_int(row, lo=0, hi=len(self.lines.entries) - 1)
            if index is None:
                return None
            return getattr(self.lines.entries[index].form, input_name, None)
        return getattr(self, name, None)

    def set_products(self, choices: list[tuple[int, str]]) -> None:
        for entry in self.lines:
            entry.form.product_id.choices = [(0, "—"), *choices]

    def quote_input(self) -> QuoteInput:
        """What was typed, without the empty rows; each line remembers its row for messages."""
        lines = [
            LineInput(
                product_id=entry.form.product_id.data or None,
                quantity=entry.form.quantity.data,
                unit_price=entry.form.unit_price.data,
                discount_pct=entry.form.discount_pct.data,
                description=(entry.form.note.data or "").strip(),
                row=row,
            )
            for row, entry in enumerate(self.lines)
            if not entry.form.is_blank()
        ]
        return QuoteInput(
            lines=lines,
            currency=self.currency.data or "",
            language=self.language.data or "",
            tax_rate=self.tax_rate.data,
            valid_until=self.valid_until.data,
            terms=(self.terms.data or "").strip(),
        )


class DecisionForm(FlaskForm):
    """Approve or reject, with a comment; prefixed per quote so a queue can show many."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=500)])
    back = HiddenField(default="quote")
    version = VersionField(validators=[Optional()])


class ActionForm(FlaskForm):
    """A button that changes a quote or product (submit, sent, deactivate...): only the version,
    to catch a stale page, and a place for a refusal."""

    version = VersionField(validators=[Optional()])
