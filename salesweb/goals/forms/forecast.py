"""Forecast forms: one's own number, a manager's adjustment, a team's number."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import Length, Optional

from salesweb.core.errors import DomainError
from salesweb.core.forms import NumberField
from salesweb.customers.forms import VersionField
from salesweb.goals.periods import Period, fiscal_start


class ForecastForm(FlaskForm):
    """One's own forecast number for a period."""

    period = HiddenField()
    amount = NumberField(_l("Forecast amount"), places=2, validators=[Optional()])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    # The latest snapshot the form was shown with (0: none): a newer one is a conflict.
    based_on = VersionField(validators=[Optional()])

    def chosen_period(self) -> Period:
        """The period the form names; a key that names none is refused on its field."""
        try:
            return Period.parse(self.period.data or "", fiscal_start())
        except ValueError:
            raise DomainError(_("This period does not exist."), field="period") from None

    def note_text(self) -> str:
        return (self.note.data or "").strip()


class ForecastAdjustForm(ForecastForm):
    """A manager's number for someone of the team, with a note (required by the service)."""

    person_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    team_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])


class TeamForecastForm(ForecastForm):
    """The team's number for a period."""

    team_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
