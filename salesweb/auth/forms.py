"""Forms of the auth area: shape only; database rules come back from services."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import available_timezones

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
)

from salesweb.auth.models import ROLE_LABELS, Role, User
from salesweb.core import settings
from salesweb.core.i18n import LOCALE_NAMES
from salesweb.extensions import db

COMMON_TIMEZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "UTC",
)


def locale_choices() -> list[tuple[str, str]]:
    return list(LOCALE_NAMES.items())


def timezone_choices() -> list[tuple[str, str]]:
    known = available_timezones() | {"UTC"}
    return [(tz, tz) for tz in COMMON_TIMEZONES if tz in known]


def role_choices() -> list[tuple[str, str]]:
    return [(str(role), str(label)) for role, label in ROLE_LABELS.items()]


class LoginForm(FlaskForm):
    email = EmailField(
        _lp("address", "E-mail"),
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
    )


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=locale_choices, validators=[InputRequired()])
    timezone = SelectField(_l("Time zone"), choices=timezone_choices, validators=[InputRequired()])


class LocaleSwitchForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=locale_choices, validators=[InputRequired()])
    next = HiddenField()


class UserForm(FlaskForm):
    email = EmailField(
        _lp("address", "E-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )
    display_name = StringField(_lp("person", "Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), choices=role_choices, validators=[InputRequired()])
    team_id = SelectField(_l("Team"), coerce=int, validators=[Optional()])
    # A new person starts with the company's language and time zone (core.settings).
    locale = SelectField(
        _l("Language"),
        choices=locale_choices,
        validators=[InputRequired()],
        default=lambda: settings.get("default_locale"),
    )
    timezone = SelectField(
        _l("Time zone"),
        choices=timezone_choices,
        validators=[InputRequired()],
        default=lambda: settings.get("timezone"),
    )
    active = BooleanField(_l("Active (may sign in)"), default=True)
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def data_dict(self) -> dict[str, Any]:
        """The user's fields as the services take them (team 0: no team)."""
        return {
            "email": self.email.data,
            "display_name": self.display_name.data.strip(),
            "role": Role(self.role.data),
            "team_id": self.team_id.data or None,
            "locale": self.locale.data,
            "timezone": self.timezone.data,
            "active": bool(self.active.data),
        }


class UserCreateForm(UserForm):
    password = PasswordField(
        _l("Initial password"),
        validators=[Optional(), Length(max=200)],
        description=_l("At least 10 characters. Leave empty to set it later."),
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)])


class TeamForm(FlaskForm):
    name = StringField(_lp("thing", "Name"), validators=[DataRequired(), Length(max=120)])
    region = StringField(_l("Region"), validators=[Optional(), Length(max=120)])
    manager_id = SelectField(_l("Manager"), coerce=int, validators=[Optional()])
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def data_dict(self) -> dict[str, Any]:
        """Name, region and the manager (0: none), as the team services take them."""
        # The id was checked against the offered choices, so it names an existing person.
        manager = db.session.get(User, self.manager_id.data) if self.manager_id.data else None
        return {"name": self.name.data, "region": self.region.data or "", "manager": manager}


def currency_choices_with(current: str) -> list[tuple[str, str]]:
    """The common currencies, and the company's own when it is not one of them."""
    from salesweb.core.money import currency_choices

    choices = currency_choices()
    if current and current not in {code for code, _ in choices}:
        choices.append((current, current))
    return choices


def fiscal_month_choices() -> list[tuple[int, str]]:
    """The twelve months by name in the reader's language (January first)."""
    return [
        (m, format_skeleton("MMMM", date(2026, m, 1), locale=get_locale())) for m in range(1, 13)
    ]


class CompanySetupForm(FlaskForm):
    company_name = StringField(
        _l("Company name"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Shown on quotes, review reports and certificates."),
    )
    company_address = StringField(
        _l("Letterhead address"), validators=[Optional(), Length(max=300)]
    )
    company_phone = StringField(_l("Letterhead phone"), validators=[Optional(), Length(max=60)])
    base_currency = SelectField(
        _l("Base currency"),
        validators=[InputRequired()],
        description=_l(
            "Every total is shown in it. It cannot change once amounts or exchange rates are "
            "recorded in it."
        ),
    )
    default_locale = SelectField(
        _l("Default language"), choices=locale_choices, validators=[InputRequired()]
    )
    timezone = SelectField(
        _l("Company time zone"),
        choices=timezone_choices,
        validators=[InputRequired()],
        description=_l("Due dates and closing days are counted in it."),
    )
    process_template = SelectField(_l("Process template"), validators=[InputRequired()])
    fiscal_start_month = SelectField(
        _l("Fiscal year starts in"),
        choices=fiscal_month_choices,
        coerce=int,
        default=1,
        validators=[Optional()],
        description=_l("Targets' years and quarters count from this month."),
    )
    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])

    def data_dict(self) -> dict[str, Any]:
        """The settings as the settings service takes them."""
        return {
            name: getattr(self, name).data
            for name in (
                "company_name",
                "company_address",
                "company_phone",
                "base_currency",
                "default_locale",
                "timezone",
                "process_template",
            )
        } | {
            # A form that did not show the month (an older page) leaves the saved one as it is.
            "fiscal_start_month": self.fiscal_start_month.data
            if self.fiscal_start_month.raw_data
            else None
        }


class JobSwitchForm(FlaskForm):
    """Switch one scheduled job on or off (the button says which)."""

    enabled = HiddenField(validators=[InputRequired(), AnyOf(["0", "1"])])


class JobRunForm(FlaskForm):
    """Run a scheduled job now: only the CSRF token."""
