"""Forms of the training area: shape only; database rules come back from services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from salesweb.core.params import coerce_id
from salesweb.training.models import CATEGORY_LABELS, QUESTION_KIND_LABELS


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
        self.category.choices = [(str(k), str(v)) for k, v in CATEGORY_LABELS.items()]


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


class QuestionCreateForm(FlaskForm):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(str(k), str(v)) for k, v in QUESTION_KIND_LABELS.items()]


class AssignmentCreateForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=coerce_id, choices=[], validate_choice=False)
    team_id = SelectField(_l("Whole team"), coerce=coerce_id, choices=[], validate_choice=False)
    user_ids = SelectMultipleField(
        _l("People"), coerce=coerce_id, choices=[], validate_choice=False
    )
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    reason = StringField(_l("Why (optional)"), validators=[Length(max=200)])


class ReasonMapForm(FlaskForm):
    reason_code = SelectField(_l("Lost reason"), choices=[], validate_choice=False)
    stage_key = SelectField(_l("At stage"), choices=[], validate_choice=False)
    course_id = SelectField(
        _l("Course to suggest"), coerce=coerce_id, choices=[], validate_choice=False
    )


class LessonFileForm(FlaskForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired()],
        description=_l("PDF, DOCX or an image (PNG, JPEG, GIF, WebP), at most 20 MB."),
    )
