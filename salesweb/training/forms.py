"""Forms of the training area: shape only; database rules come back from services."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    Field,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.utils import unset_value
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from salesweb.core.forms import label_choices
from salesweb.core.params import coerce_id, parse_int
from salesweb.training.models import CATEGORY_LABELS, QUESTION_KIND_LABELS, Question
from salesweb.training.services import OptionInput


def _chosen(field: Field) -> bool:
    """Whether a select's value is one of the choices it offered."""
    return any(field.data == value for value, _label in field.choices)


class ProfileEditForm(FlaskForm):
    responsibilities = TextAreaField(_l("Responsibilities"), validators=[Length(max=4000)])
    authority = TextAreaField(_l("Authority"), validators=[Length(max=4000)])
    version = HiddenField()


class CourseEditForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Length(max=4000)])
    description_en = TextAreaField(_l("Description (English)"), validators=[Length(max=4000)])
    category = SelectField(_l("Category"), choices=[])
    minutes = IntegerField(
        _l("Estimated minutes"), validators=[InputRequired(), NumberRange(min=1, max=6000)]
    )
    pass_score = IntegerField(
        _l("Passing score (%)"), validators=[InputRequired(), NumberRange(min=1, max=100)]
    )
    attempt_limit = IntegerField(
        _l("Attempts allowed"), validators=[InputRequired(), NumberRange(min=1, max=20)]
    )
    valid_months = IntegerField(
        _l("Certificate valid for (months)"),
        default=12,
        validators=[InputRequired(), NumberRange(min=1, max=120)],
    )
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = label_choices(CATEGORY_LABELS)

    def data_dict(self) -> dict[str, Any]:
        """The course's fields as the service takes them (empty descriptions as "")."""
        data = {k: v for k, v in self.data.items() if k != "csrf_token"}
        data["version"] = data.get("version") or None
        data["description_zh"] = data["description_zh"] or ""
        data["description_en"] = data["description_en"] or ""
        return data


class LessonEditForm(FlaskForm):
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title (English)"), validators=[DataRequired(), Length(max=200)])
    body_zh = TextAreaField(_l("Lesson (Chinese, Markdown)"), validators=[Length(max=50000)])
    body_en = TextAreaField(
        _l("Lesson (English, Markdown)"),
        validators=[Length(max=50000)],
        description=_l("Images only from this application's training pages (/training/...)."),
    )
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=1, max=999)])

    def data_dict(self) -> dict[str, Any]:
        """The lesson's texts (missing ones as ""), and its position only when one was given."""
        skipped = ("csrf_token", "position")
        data = {k: (v or "") for k, v in self.data.items() if k not in skipped}
        if self.position.data:
            data["position"] = self.position.data
        return data


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionCreateForm(FlaskForm):
    """A quiz question: its options one per line in each language, and the numbers of the
    correct lines. The form checks that the two lists match and the numbers name lines; how
    many options and correct ones a question needs is the service's rule."""

    kind = SelectField(_l("Kind"), choices=[])
    text_zh = StringField(_l("Question (Chinese)"), validators=[DataRequired(), Length(max=500)])
    text_en = StringField(_l("Question (English)"), validators=[DataRequired(), Length(max=500)])
    options_zh = TextAreaField(
        _l("Options (Chinese), one per line"), validators=[DataRequired(), Length(max=3000)]
    )
    options_en = TextAreaField(
        _l("Options (English), one per line"), validators=[DataRequired(), Length(max=3000)]
    )
    correct = StringField(
        _l("Correct options"),
        validators=[DataRequired(), Length(max=50)],
        description=_l("Numbers of the correct lines, e.g. 1 or 1,3"),
    )

    def __init__(self, *args, obj: Question | None = None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.kind.choices = label_choices(QUESTION_KIND_LABELS)
        if obj is not None and not self.is_submitted():
            self.options_zh.data = "\n".join(o.text_zh for o in obj.options)
            self.options_en.data = "\n".join(o.text_en for o in obj.options)
            self.correct.data = ",".join(str(i) for i, o in enumerate(obj.options, 1) if o.correct)

    def _marks(self) -> set[str]:
        text = (self.correct.data or "").replace("，", ",")  # a Chinese keyboard's comma too
        return {part.strip() for part in text.split(",") if part.strip()}

    def validate_options_en(self, field: Field) -> None:
        if len(_lines(self.options_zh.data)) != len(_lines(field.data)):
            raise ValidationError(_("Give the same number of options in both languages."))

    def validate_correct(self, field: Field) -> None:
        if self.options_zh.errors or self.options_en.errors:
            return  # the lines themselves are wrong: numbering them means nothing yet
        lines = len(_lines(self.options_zh.data))
        if not all(parse_int(mark, hi=lines) for mark in self._marks()):
            raise ValidationError(_("Name correct options by their line numbers."))

    def options(self) -> list[OptionInput]:
        """The options, paired line by line, each marked correct when its number was given."""
        marks = self._marks()
        pairs = zip(_lines(self.options_zh.data), _lines(self.options_en.data), strict=True)
        return [OptionInput(zh, en, str(i) in marks) for i, (zh, en) in enumerate(pairs, 1)]


class AnswersField(Field):
    """The quiz page's answers: for each `q-<question id>` it posts, every option id chosen.
    Whether they name questions and options of the attempt is the service's question."""

    prefix = "q-"

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.raw_data = None
        self.data: dict[str, list[str]] = {}
        if formdata is not None:
            self.data = {
                key[len(self.prefix) :]: formdata.getlist(key)
                for key in formdata
                if key.startswith(self.prefix)
            }


class AttemptAnswersForm(FlaskForm):
    """A quiz sitting's answers as posted; the service scores them against the attempt."""

    answers = AnswersField()


class AssignmentCreateForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=coerce_id, choices=[], validate_choice=False)
    team_id = SelectField(_l("Whole team"), coerce=coerce_id, choices=[], validate_choice=False)
    user_ids = SelectMultipleField(
        _l("People"), coerce=coerce_id, choices=[], validate_choice=False
    )
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    reason = StringField(_l("Why (optional)"), validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        if not self.is_submitted():
            # Shown fresh, the form starts from its link: a suggestion names the course, the
            # person and the reason in the query string.
            kwargs.setdefault("formdata", request.args)
        super().__init__(*args, **kwargs)

    def fill_choices(
        self,
        courses: list[tuple[int, str]],
        people: list[tuple[int, str]],
        teams: list[tuple[int, str]],
    ) -> None:
        """Offer the live courses, and the people and teams the assigner reaches."""
        self.course_id.choices = courses
        self.user_ids.choices = people
        self.team_id.choices = [(0, _("— no team —")), *teams]

    def validate_course_id(self, field: Field) -> None:
        if not _chosen(field):
            raise ValidationError(_("Choose a course."))


class ReasonMapForm(FlaskForm):
    reason_code = SelectField(_l("Lost reason"), choices=[], validate_choice=False)
    stage_key = SelectField(_l("At stage"), choices=[], validate_choice=False)
    course_id = SelectField(
        _l("Course to suggest"), coerce=coerce_id, choices=[], validate_choice=False
    )

    def fill_choices(
        self,
        reasons: list[tuple[str, str]],
        stages: dict[str, str],
        courses: list[tuple[int, str]],
    ) -> None:
        """Offer the lost reasons, any or one stage, and the live courses."""
        self.reason_code.choices = reasons
        self.stage_key.choices = [("", _("any stage")), *stages.items()]
        self.course_id.choices = courses

    def validate_stage_key(self, field: Field) -> None:
        if not _chosen(field):
            raise ValidationError(_("Choose a stage from the list."))

    def validate_course_id(self, field: Field) -> None:
        if not _chosen(field):
            raise ValidationError(_("Choose a course."))


class LessonFileForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired()],
        description=_l("PDF, DOCX or an image (PNG, JPEG, GIF, WebP), at most 20 MB."),
    )
