"""Form fields every area shares."""

from __future__ import annotations

from decimal import Decimal

from wtforms import DecimalField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


class NumberField(DecimalField):
    """A decimal input that refuses NaN, infinities and absurdly long input with a message,
    where WTForms' range check would fail on them with an error (a 500)."""

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0])) > 40:
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
