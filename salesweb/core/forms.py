"""Form fields every area shares, and the save-or-show-errors round trip of every form view.

The round trip, written once::

    form = AccountForm()
    if form.validate_on_submit():
        with saving(form):
            services.update_account(current_user, account, form.data_dict(), form.version.data)
            db.session.commit()
            return see_other("customers.account_detail", account_id=account.id)
    return render_page("customers/account_form.html", http_status=form_status(form), form=form)

A `DomainError` raised inside `saving` rolls the request's work back and is shown next to the
field it names (or above the form); the view then falls through to showing the form again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from flask import flash
from markupsafe import Markup
from wtforms import BooleanField, DecimalField, SelectMultipleField, StringField
from wtforms.utils import unset_value
from wtforms.widgets import CheckboxInput, ListWidget

from salesweb.core.errors import DomainError, put_on_form
from salesweb.extensions import db


@contextmanager
def saving(form: Any) -> Iterator[None]:
    """Run a service call and its commit; a refusal rolls back and lands on the form."""
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        put_on_form(form, exc)


@contextmanager
def flashing() -> Iterator[None]:
    """`saving` for an action with no form to show a refusal on (a button): a refusal rolls
    back and is flashed as an error, and the view goes on to respond as it would."""
    try:
        yield
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")


def form_status(form: Any) -> int:
    """422 for a form that was sent and is shown again (refused), 200 for a form shown fresh."""
    return 422 if form.is_submitted() else 200


def label_choices(labels: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """A select's choices from a mapping of codes to (lazy) labels, in the reader's language:
    call it when the form is shown, e.g. `choices=lambda: label_choices(STATUS_LABELS)`."""
    return [(str(code), str(label)) for code, label in labels.items()]


def field_data(form: Any, names: Iterable[str], trim_text: bool = False) -> dict[str, Any]:
    """The data of the named fields of a form, by name. With `trim_text`, what a person typed
    into a text input (text, text area, e-mail) is trimmed, and an empty one is "" (never None)."""
    out = {name: form[name].data for name in names}
    if trim_text:
        for name in out:
            if isinstance(form[name], StringField):
                out[name] = (out[name] or "").strip()
    return out


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


class ShownCheckbox(BooleanField):
    """A checkbox that proves it was shown: it posts a hidden marker beside itself.

    An unticked box posts nothing, so without the marker a form that did not show the box (an
    old page, a hand-made request, an empty post) would read as "unticked" and switch the
    setting off. Where the marker is missing, `data` is None: leave the setting as it is.
    """

    @property
    def marker_name(self) -> str:
        return f"{self.name}-shown"

    def __call__(self, **kwargs: Any) -> Markup:
        marker = Markup('<input type="hidden" name="{}" value="1">').format(self.marker_name)
        return marker + super().__call__(**kwargs)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        if formdata is not None and self.marker_name not in formdata:
            self.data = None


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of labelled checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
