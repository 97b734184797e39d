"""Forms of contracts, attachments, reviews, rules, credit approvals and risks (shape only)."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from salesweb.compliance.models import (
    CLAUSES,
    DECISION_LABELS,
    MAX_PAYMENT_TERMS,
    RISK_CATEGORIES,
    RISK_STATUS_LABELS,
    SEVERITY_LABELS,
)
from salesweb.compliance.rules import kind_choices
from salesweb.compliance.services import TERM_FIELDS
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.forms import CheckboxesField, NumberField, field_data, label_choices
from salesweb.core.money import currency_choices
from salesweb.core.params import MAX_ID, parse_int
from salesweb.customers.forms import VersionField
from salesweb.pipeline.forms import AMOUNT_CHOICES


class ContractForm(FlaskForm):
    deal_id = SelectField(_l("Deal"), coerce=int, validators=[InputRequired()])
    title = StringField(_lp("heading", "Title"), validators=[DataRequired(), Length(max=200)])
    value = NumberField(
        _l("Value"), places=2, validators=[InputRequired(), NumberRange(min=0, max=10**15)]
    )
    currency = SelectField(_l("Currency"), choices=currency_choices)
    discount_pct = NumberField(
        _l("Discount against list price, in percent"),
        places=2,
        default=Decimal("0"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    payment_days = IntegerField(
        _l("Payment terms (days)"), default=30, validators=[InputRequired(), NumberRange(0, 3650)]
    )
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    auto_renew = BooleanField(_l("Renews automatically"))
    governing_law = StringField(_l("Governing law"), validators=[Optional(), Length(max=120)])
    clauses = CheckboxesField(_l("Key clauses"), choices=lambda: label_choices(CLAUSES))
    payment_terms = TextAreaField(
        _l("Payment terms"), validators=[Optional(), Length(max=MAX_PAYMENT_TERMS)]
    )
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300)])
    version = VersionField(validators=[Optional()])

    DATA_FIELDS = TERM_FIELDS  # the terms the contract service writes and versions

    def data_dict(self) -> dict:
        return field_data(self, self.DATA_FIELDS)

    def prefill(self, data: dict) -> None:
        """Start a new contract from these values (services.prefill_from_deal)."""
        for name, value in data.items():
            if name in self.DATA_FIELDS and value is not None:
                getattr(self, name).data = value


class AttachmentForm(FlaskForm):
    file = FileField(
        _l("File (PDF, DOCX or image, up to 20 MB)"),
        validators=[FileRequired(_l("Choose a file."))],
    )


class ActionForm(FlaskForm):
    """Buttons that only need the CSRF token (submit, claim, sign, remove a file)."""


class SignForm(FlaskForm):
    """Signing; where the deal's amount and its accepted quote differ, which one counts and why."""

    amount_choice = RadioField(
        _l("Which amount counts"),
        choices=lambda: label_choices(AMOUNT_CHOICES),
        validators=[Optional()],
    )
    amount_reason = StringField(_l("Why"), validators=[Optional(), Length(max=300)])


def _clip(text: str | None) -> str | None:
    return text[:4000] if text else text


class FindingTexts(FieldList):
    """A text for each rule finding of a review, posted as `<name>-<finding id>` (`finding-7`,
    `waiver-7`): the entry's index is the finding's id, so a text and its refusal stay with
    their finding. Findings that posted nothing have no entry (their text is empty)."""

    def __init__(self, label=None, **kwargs):
        super().__init__(TextAreaField(filters=[_clip]), label, **kwargs)
        self.refusals: dict[int, str] = {}

    def _extract_indices(self, prefix, formdata):
        # Only `<name>-<ASCII digits>`: int() refuses some characters str.isdigit() takes ('²')
        for key in formdata:
            name, dash, index = key.partition("-")
            if name == prefix and dash and index.isascii() and index.isdigit() and len(index) < 19:
                yield int(index)

    def _compact_indices(self):
        """Keep the finding ids as indices (WTForms would renumber the entries 0..n-1)."""

    def texts(self) -> dict[int, str]:
        """The text typed for each finding, by finding id."""
        return {entry.index: entry.data or "" for entry in self.entries}


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"), choices=lambda: label_choices(DECISION_LABELS), validators=[InputRequired()]
    )
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])
    confirm_waivers = BooleanField(_l("I have read the waivers above and confirm them"))
    contract_id = HiddenField()
    version_no = HiddenField()
    finding = FindingTexts()  # the reviewer's comment on each finding
    waiver = FindingTexts()  # why approve despite each blocking finding

    def data_dict(self) -> dict:
        """The decision as `services.decide_review` takes it; a missing or unreadable contract
        or version number reads as one that does not match (refused as tampered or stale)."""
        return {
            "decision": self.decision.data,
            "comment": self.comment.data or "",
            "finding_comments": self.finding.texts(),
            "contract_id": parse_int(self.contract_id.data, -1),
            "version_no": parse_int(self.version_no.data, -1),
            "waivers": self.waiver.texts(),
            "confirm_waivers": self.confirm_waivers.data,
        }

    def put_refusal(self, exc: DomainError, attempt: bool) -> None:
        """A refusal about one finding's text goes next to that finding; a refused attempt is
        shown once, above the form, by the page; anything else on its field."""
        name, _, finding_id = (exc.field or "").partition("-")
        if name in ("finding", "waiver") and finding_id.isdigit():
            self[name].refusals[int(finding_id)] = exc.message
        elif not attempt:
            put_on_form(self, exc)


class AnswerForm(FlaskForm):
    result_id = HiddenField()
    body = TextAreaField(_l("Your answer"), validators=[DataRequired(), Length(max=4000)])


class RuleForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[InputRequired()])
    description_zh = StringField(
        _l("Description (Chinese)"), validators=[DataRequired(), Length(max=300)]
    )
    description_en = StringField(
        _l("Description (English)"), validators=[DataRequired(), Length(max=300)]
    )
    severity = SelectField(
        _l("Severity"), choices=lambda: label_choices(SEVERITY_LABELS), validators=[InputRequired()]
    )
    active = BooleanField(_lp("record state", "Active"), default=True)
    limit = NumberField(
        _l("Limit (amount, %, days or months by kind)"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=10**15)],
    )
    clauses = CheckboxesField(_l("Required clauses"), choices=lambda: label_choices(CLAUSES))
    names = TextAreaField(_l("Blocked customers, one a line"), validators=[Optional()])
    version = VersionField(validators=[Optional()])

    def data_dict(self) -> dict:
        return {
            "kind": self.kind.data,
            "description_zh": self.description_zh.data,
            "description_en": self.description_en.data,
            "severity": self.severity.data,
            "active": self.active.data,
            "limit": self.limit.data,
            "clauses": self.clauses.data or [],
            "names": self.names.data or "",
        }


class CreditApprovalForm(FlaskForm):
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])


def SCALE() -> list[tuple[int, str]]:  # noqa: N802 - a choices callable
    return [(n, str(n)) for n in range(1, 6)]


class RiskForm(FlaskForm):
    title = StringField(_lp("heading", "Title"), validators=[DataRequired(), Length(max=200)])
    category = SelectField(
        _l("Category"), choices=lambda: label_choices(RISK_CATEGORIES), validators=[InputRequired()]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    likelihood = SelectField(_l("Likelihood (1–5)"), choices=SCALE, coerce=int)
    impact = SelectField(_l("Impact (1–5)"), choices=SCALE, coerce=int)
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[InputRequired()])
    mitigation = TextAreaField(_l("Mitigation plan"), validators=[Optional(), Length(max=4000)])
    status = SelectField(
        _l("Status"),
        choices=lambda: label_choices(RISK_STATUS_LABELS),
        validators=[InputRequired()],
    )
    next_review_on = DateField(_l("Next review"), validators=[Optional()])
    account_id = IntegerField(
        _l("Account number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    deal_id = IntegerField(
        _l("Deal number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    contract_id = IntegerField(
        _l("Contract number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    version = VersionField(validators=[Optional()])

    DATA_FIELDS = (
        "title",
        "category",
        "description",
        "likelihood",
        "impact",
        "mitigation",
        "status",
        "next_review_on",
    )

    def data_dict(self) -> dict:
        return field_data(self, self.DATA_FIELDS)
