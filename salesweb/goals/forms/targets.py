"""Target forms: set one, change its number, split it, publish it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from salesweb.core.forms import CheckboxesField, NumberField, label_choices
from salesweb.customers.models import INTERACTION_KIND_LABELS
from salesweb.goals.models.target import LEVEL_LABELS, MEASURE_LABELS
from salesweb.goals.services.targets import part_field

NOT_NEGATIVE = NumberRange(min=0, message=_l("A target cannot be negative."))
MAX_VALUE = NumberRange(max=10**15, message=_l("That number is too large."))


def _value_field(label: Any, **kwargs: Any) -> NumberField:
    return NumberField(
        label,
        places=2,
        validators=[InputRequired(_l("Give a number.")), NOT_NEGATIVE, MAX_VALUE],
        **kwargs,
    )


def _id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class TargetCreateForm(FlaskForm):
    measure = SelectField(_l("Measure"), validators=[InputRequired()])
    series = SelectField(_l("Product series"), validators=[Optional()])
    kinds = CheckboxesField(
        _l("Interaction kinds"),
        description=_l("Only for interactions; none ticked counts every kind."),
    )
    period_key = StringField(
        _l("Period"),
        validators=[InputRequired(), Length(max=10)],
        description=_l("A year (2026), a quarter (2026-Q3) or a month (2026-07)."),
    )
    level = SelectField(_lp("target", "For"), validators=[InputRequired()])
    team_id = SelectField(_l("Team"), coerce=_id, validators=[Optional()])
    user_id = SelectField(_l("Person"), coerce=_id, validators=[Optional()])
    value = _value_field(_l("Target"))
    why = TextAreaField(_l("Why this target (optional)"), validators=[Length(max=2000)])

    def __init__(self, *args: Any, teams=(), people=(), series=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.measure.choices = label_choices(MEASURE_LABELS)
        self.level.choices = label_choices(LEVEL_LABELS)
        self.kinds.choices = label_choices(INTERACTION_KIND_LABELS)
        self.team_id.choices = [(None, "—")] + [(t.id, t.name) for t in teams]
        self.user_id.choices = [(None, "—")] + [(p.id, p.display_name) for p in people]
        self.series.choices = [("", "—")] + [(s, s) for s in series]

    def data_dict(self) -> dict[str, Any]:
        """The target as `create_target` takes it."""
        return {
            "measure": self.measure.data,
            "period_key": (self.period_key.data or "").strip().upper(),
            "level": self.level.data,
            "team_id": self.team_id.data,
            "user_id": self.user_id.data,
            "series": self.series.data or "",
            "kinds": list(self.kinds.data or []),
            "value": self.value.data,
            "why": (self.why.data or "").strip(),
        }


class TargetEditForm(FlaskForm):
    value = _value_field(_l("Target"))
    why = TextAreaField(_l("Why this target (optional)"), validators=[Length(max=2000)])
    reason = StringField(
        _l("Why the number changes"),
        validators=[Length(max=500)],
        description=_l("Needed once the target is published: it is kept with the old number."),
    )
    version = HiddenField()


class PublishForm(FlaskForm):
    difference_intended = BooleanField(_l("The difference is intended"))
    difference_note = StringField(
        _l("Why the parts differ from the target"), validators=[Length(max=500)]
    )
    version = HiddenField()


def split_form(parts: list[Any], **kwargs: Any) -> FlaskForm:
    """A form with one number per part of the split, prefilled with the parts' values."""

    class TargetSplitForm(FlaskForm):
        reason = StringField(
            _l("Why the numbers change"),
            validators=[Length(max=500)],
            description=_l("Needed where a published part changes."),
        )

    for part in parts:
        setattr(
            TargetSplitForm,
            part_field(part.key),
            NumberField(
                part.label,
                places=2,
                validators=[InputRequired(_l("Give this part a number.")), NOT_NEGATIVE, MAX_VALUE],
            ),
        )
    return TargetSplitForm(data={part_field(p.key): p.value for p in parts}, **kwargs)
