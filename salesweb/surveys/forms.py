"""Forms of the survey area; the public answer form is read by `read_answers`."""

from __future__ import annotations

from collections.abc import Mapping

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from salesweb.core.forms import ShownCheckbox, label_choices
from salesweb.core.params import parse_int
from salesweb.surveys.models import (
    CHOICE_KINDS,
    KIND_LABELS,
    TEXT_LIMIT,
    QuestionKind,
    Survey,
    SurveyQuestion,
    Touch,
    Touchpoint,
)
from salesweb.surveys.services import Answer

# InputRequired: a post that lacks a title was not this form (an edit form starts from the
# stored values, so DataRequired alone would pass an empty post).
TITLE_CHECKS = [InputRequired(), DataRequired(), Length(max=200)]


class SurveyForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=TITLE_CHECKS)
    title_en = StringField(_l("Title (English)"), validators=TITLE_CHECKS)
    intro_zh = TextAreaField(_l("Introduction (Chinese)"), validators=[Length(max=2000)])
    intro_en = TextAreaField(_l("Introduction (English)"), validators=[Length(max=2000)])
    active = ShownCheckbox(_l("Can be sent"), default=True)
    version = HiddenField()

    def data_dict(self) -> dict:
        data = {
            "title_zh": self.title_zh.data.strip(),
            "title_en": self.title_en.data.strip(),
            "intro_zh": (self.intro_zh.data or "").strip(),
            "intro_en": (self.intro_en.data or "").strip(),
        }
        if self.active.data is not None:
            data["active"] = bool(self.active.data)
        return data


class QuestionForm(FlaskForm):
    kind = SelectField(
        _l("Kind"),
        choices=lambda: label_choices(KIND_LABELS),
        validators=[DataRequired()],
    )
    text_zh = StringField(
        _l("Question (Chinese)"), validators=[InputRequired(), DataRequired(), Length(max=500)]
    )
    text_en = StringField(
        _l("Question (English)"), validators=[InputRequired(), DataRequired(), Length(max=500)]
    )
    required = ShownCheckbox(_l("An answer is required"))
    options = TextAreaField(
        _l("Options"),
        description=_l("For choice questions: one option a line, as 中文 | English."),
        validators=[Length(max=6000)],
    )

    def validate_options(self, field) -> None:
        if self.kind.data in CHOICE_KINDS and not (field.data or "").strip():
            raise ValidationError(_("Give at least two options, one a line."))

    def data_dict(self) -> dict:
        return {
            "kind": self.kind.data,
            "text_zh": self.text_zh.data,
            "text_en": self.text_en.data,
            "required": self.required.data,
            "options": self.options.data or "",
        }


class QuestionMoveForm(FlaskForm):
    """Which way a question moves; the service refuses anything but "up" or "down"."""

    direction = HiddenField()


class _ChoosesSurvey:
    """A form whose `survey_id` picks among surveys the view has already loaded."""

    survey_id: SelectField

    def chosen_survey(self, surveys: list[Survey]) -> Survey | None:
        """The survey picked among the choices; None for "— none —" (0)."""
        return next((s for s in surveys if s.id == self.survey_id.data), None)


class TouchpointForm(_ChoosesSurvey, FlaskForm):
    survey_id = SelectField(_l("Survey"), coerce=int, validators=[InputRequired()])
    active = BooleanField(_l("Send automatically"))
    expires_days = IntegerField(
        _l("Link valid for (days)"), default=30, validators=[InputRequired(), NumberRange(1, 365)]
    )


class TouchpointEventForm(FlaskForm):
    """Which touchpoint's form was sent: each posts its event beside its prefixed fields."""

    class Meta:
        csrf = False  # the touchpoint's own form carries the token and is validated

    event = HiddenField()


def touchpoint_forms(
    surveys: list[Survey], points: Mapping[str, Touchpoint]
) -> tuple[dict[str, TouchpointForm], str]:
    """A form for each event, and the event whose form was sent ("" when none was): only that
    form reads the post, the others show what is stored."""
    sent = TouchpointEventForm().event.data or ""
    choices = [(0, _("— none —"))] + [(s.id, s.title) for s in surveys]
    forms = {}
    for touch in Touch:
        point = points.get(touch.value)
        if touch == sent:
            form = TouchpointForm(obj=point, prefix=touch.value)
        else:
            form = TouchpointForm(formdata=None, obj=point, prefix=touch.value)
        form.survey_id.choices = choices
        if point is not None and not form.is_submitted():
            form.survey_id.data = point.survey_id or 0
        forms[touch.value] = form
    return forms, sent


class InviteForm(_ChoosesSurvey, FlaskForm):
    survey_id = SelectField(_l("Survey"), coerce=int, validators=[InputRequired()])
    contact_ids = SelectMultipleField(_l("Contacts"), coerce=int, validate_choice=False)
    expires_days = IntegerField(
        _l("Link valid for (days)"), default=30, validators=[Optional(), NumberRange(1, 365)]
    )

    @classmethod
    def among(cls, surveys: list[Survey], preselected: int | None = None) -> InviteForm:
        """The form offering these surveys; a fresh form starts on `preselected` (a link from
        a survey's page)."""
        form = cls()
        form.survey_id.choices = [(s.id, s.title) for s in surveys]
        if preselected and not form.is_submitted():
            form.survey_id.data = preselected
        return form

    def validate_contact_ids(self, field) -> None:
        if not field.data:
            raise ValidationError(_("Choose at least one contact."))
        if len(field.data) > 200:
            raise ValidationError(_("At most 200 contacts at a time."))


class CaseForm(FlaskForm):
    status = HiddenField(validators=[DataRequired()])
    root_cause_id = SelectField(_l("Root cause"), coerce=int, validate_choice=False, default=0)
    note = TextAreaField(_l("Resolution note"), validators=[Length(max=TEXT_LIMIT)])
    version = HiddenField()


class AnswerForm(Form):
    """The public answer page as posted: its signed token, and the answers checked against the
    survey's questions (`answers`, and `answer_errors` by question id).

    A plain WTForms form, without the session CSRF of the staff forms: the customer has no
    session, and the view checks the signed `form_token` instead.
    """

    form_token = HiddenField()

    def __init__(self, questions: list[SurveyQuestion], formdata: MultiDict | None = None) -> None:
        # Kept whole: the page shown again puts back what the customer had chosen and typed.
        self.posted = request.form if formdata is None else formdata
        super().__init__(self.posted)
        self.answers, self.answer_errors = read_answers(questions, self.posted)


def read_answers(
    questions: list[SurveyQuestion], form: MultiDict
) -> tuple[list[Answer], dict[int, str]]:
    """The answers in the posted form, checked against the questions; errors by question id.

    Messages come out in the active locale (the public view forces the invitation's).
    """
    answers: list[Answer] = []
    errors: dict[int, str] = {}
    for q in questions:
        name = f"q{q.id}"
        kind = QuestionKind(q.kind)
        if kind in (QuestionKind.NPS, QuestionKind.CSAT, QuestionKind.RATING):
            raw = (form.get(name) or "").strip()
            if not raw:
                if q.required:
                    errors[q.id] = _("Please choose a score.")
                continue
            number = parse_int(raw, lo=0)
            if number is None or number not in (q.scale or ()):
                errors[q.id] = _("Please choose one of the scores shown.")
                continue
            answers.append(Answer(q.id, kind, number=number))
        elif kind in CHOICE_KINDS:
            keys = {o["key"] for o in q.options}
            picked = [v for v in form.getlist(name) if v]
            if kind == QuestionKind.SINGLE and len(picked) > 1:
                errors[q.id] = _("Please choose one option.")
                continue
            if any(v not in keys for v in picked):
                errors[q.id] = _("Please choose among the options shown.")
                continue
            if not picked:
                if q.required:
                    errors[q.id] = _("Please choose an option.")
                continue
            answers.append(Answer(q.id, kind, choices=sorted(set(picked), key=picked.index)))
        else:
            # NUL cannot be stored by PostgreSQL and means nothing in a comment.
            text = (form.get(name) or "").replace("\x00", "").strip()
            if len(text) > TEXT_LIMIT:
                errors[q.id] = _(
                    "Please keep your answer under %(n)d characters (it has %(m)d).",
                    n=TEXT_LIMIT,
                    m=len(text),
                )
                continue
            if not text:
                if q.required:
                    errors[q.id] = _("Please write an answer.")
                continue
            answers.append(Answer(q.id, kind, text=text))
    return answers, errors
