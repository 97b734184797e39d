"""Use cases of surveys: building, invitations and touchpoints, answering, feedback cases.

Services take objects and the acting user, flush, and never commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError

from salesweb.auth.models import User
from salesweb.auth.permissions import owning_team_id
from salesweb.core.errors import DomainError
from salesweb.core.models import check_version, utcnow
from salesweb.customers import services as customers
from salesweb.customers import task_titles
from salesweb.customers.models import Account, Contact
from salesweb.extensions import db
from salesweb.pipeline.models import LostReason
from salesweb.surveys.models import (
    CHOICE_KINDS,
    ROOT_CAUSE_CODES,
    TEXT_LIMIT,
    CaseStatus,
    FeedbackCase,
    Invitation,
    QuestionKind,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    SurveyRevision,
    Touch,
    Touchpoint,
    hash_token,
)
from salesweb.surveys.permissions import can_edit_survey, can_invite

DEFAULT_EXPIRY_DAYS = 30
NPS_DETRACTOR_MAX = 6
CSAT_UNHAPPY_MAX = 2


class AlreadyAnswered(DomainError):
    """The invitation has its answer; nothing more is stored."""

    def __init__(self) -> None:
        super().__init__(_("This survey has already been answered."))


# --- builder ---------------------------------------------------------------------------------


SURVEY_FIELDS = ("title_zh", "title_en", "intro_zh", "intro_en", "active")
QUESTION_FIELDS = ("kind", "required", "text_zh", "text_en")


def has_answers(survey: Survey, revision: int | None = None) -> bool:
    """Whether anyone answered the survey (or this revision of it)."""
    stmt = select(SurveyResponse.id).where(SurveyResponse.survey_id == survey.id)
    if revision is not None:
        stmt = stmt.where(SurveyResponse.revision == revision)
    return bool(db.session.scalar(select(exists(stmt))))


def _content_changed(survey: Survey) -> None:
    """Answered content stays as it was answered: a change then starts the next revision."""
    db.session.flush()
    db.session.refresh(survey, ["questions"])
    if has_answers(survey, survey.revision):
        survey.revision += 1
        db.session.add(
            SurveyRevision(survey_id=survey.id, number=survey.revision, content=survey.snapshot())
        )
    else:
        current = db.session.scalar(
            select(SurveyRevision).where(
                SurveyRevision.survey_id == survey.id, SurveyRevision.number == survey.revision
            )
        )
        if current is None:
            db.session.add(
                SurveyRevision(
                    survey_id=survey.id, number=survey.revision, content=survey.snapshot()
                )
            )
        else:
            current.content = survey.snapshot()
    db.session.flush()


def _check_editor(actor: User | None, survey: Survey) -> None:
    """The system (seeding, actor None) may; a person only if `can_edit_survey` says so."""
    if actor is not None and not can_edit_survey(actor, survey):
        raise DomainError(_("Only an administrator or the owning team's manager can change this."))


def create_survey(actor: User | None, data: dict[str, Any], code: str | None = None) -> Survey:
    """Create a survey, owned by its author's team (its first revision has no questions yet)."""
    survey = Survey(
        code=code, created_by_id=actor.id if actor else None, team_id=owning_team_id(actor)
    )
    for name in SURVEY_FIELDS:
        if name in data:
            setattr(survey, name, data[name])
    survey.title_zh, survey.title_en = survey.title_zh.strip(), survey.title_en.strip()
    db.session.add(survey)
    _content_changed(survey)
    return survey


def update_survey(
    actor: User, survey: Survey, data: dict[str, Any], version: int | None = None
) -> Survey:
    """Change titles, introductions or whether the survey can be sent."""
    _check_editor(actor, survey)
    check_version(survey, version)
    content_before = survey.snapshot()
    for name in SURVEY_FIELDS:
        if name in data:
            setattr(survey, name, data[name])
    if survey.snapshot() != content_before:
        _content_changed(survey)
    db.session.flush()
    return survey


def parse_options(raw: str) -> list[dict[str, str]]:
    """One option a line, "中文 | English" (one text alone serves both languages)."""
    out = []
    for line in (raw or "").splitlines():
        if not line.strip():
            continue
        zh, _sep, en = line.partition("|")
        zh, en = zh.strip()[:200], en.strip()[:200]
        out.append({"key": str(len(out) + 1), "zh": zh or en, "en": en or zh})
    return out


def options_text(options: list[dict[str, str]]) -> str:
    """The options as the question form shows them: the reverse of parse_options."""
    return "\n".join(f"{o['zh']} | {o['en']}" for o in options or [])


def _check_options(kind: str, options: list[dict[str, str]], before: int = 0) -> None:
    if kind in CHOICE_KINDS:
        if len(options) < 2:
            raise DomainError(_("Give at least two options, one a line."), field="options")
        if len(options) > 30:
            raise DomainError(_("At most 30 options."), field="options")
        if len(options) < before:
            raise DomainError(
                _("This question has answers: its options can be reworded, not removed."),
                field="options",
            )


def add_question(actor: User, survey: Survey, data: dict[str, Any]) -> SurveyQuestion:
    """Add a question at the end of the survey."""
    _check_editor(actor, survey)
    kind = QuestionKind(data["kind"])
    options = parse_options(data.get("options", "")) if kind in CHOICE_KINDS else []
    _check_options(kind, options)
    if len(survey.questions) >= 50:
        raise DomainError(_("A survey has at most 50 questions."))
    last = max((q.position for q in survey.questions), default=0)
    question = SurveyQuestion(
        survey=survey,
        position=last + 1,
        kind=kind,
        required=bool(data.get("required")),
        text_zh=data["text_zh"].strip(),
        text_en=data["text_en"].strip(),
        options=options,
    )
    db.session.add(question)
    _content_changed(survey)
    return question


def question_answered(question: SurveyQuestion) -> bool:
    """Whether any response answered this question."""
    stmt = select(SurveyAnswer.id).where(SurveyAnswer.question_id == question.id)
    return bool(db.session.scalar(select(exists(stmt))))


def update_question(actor: User, question: SurveyQuestion, data: dict[str, Any]) -> SurveyQuestion:
    """Reword a question; an answered one keeps its kind and its options."""
    _check_editor(actor, question.survey)
    answered = question_answered(question)
    kind = QuestionKind(data["kind"])
    if answered and kind != question.kind:
        raise DomainError(
            _("This question has answers: its kind cannot change. Add a new question instead."),
            field="kind",
        )
    options = parse_options(data.get("options", "")) if kind in CHOICE_KINDS else []
    _check_options(kind, options, len(question.options) if answered else 0)
    question.kind = kind
    if data.get("required") is not None:  # None: the form did not show the checkbox
        question.required = bool(data["required"])
    question.text_zh, question.text_en = data["text_zh"].strip(), data["text_en"].strip()
    question.options = options
    _content_changed(question.survey)
    return question


def move_question(actor: User, question: SurveyQuestion, direction: str) -> SurveyQuestion:
    """Swap the question with its neighbour above ("up") or below ("down")."""
    _check_editor(actor, question.survey)
    siblings = list(question.survey.questions)
    index = siblings.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(siblings):
        raise DomainError(_("This question cannot move further."))
    for position, item in enumerate(siblings, start=1):
        item.position = position
    question.position, siblings[other].position = siblings[other].position, question.position
    _content_changed(question.survey)
    return question


def delete_question(actor: User, question: SurveyQuestion) -> None:
    """Remove a question from a survey that nobody has answered yet."""
    survey = question.survey
    _check_editor(actor, survey)
    if has_answers(survey):
        raise DomainError(_("This survey has answers: its questions can be changed, not removed."))
    survey.questions.remove(question)
    db.session.delete(question)
    _content_changed(survey)


def revision_content(survey_id: int, number: int) -> dict[str, Any] | None:
    """The questions of one revision as they were answered (None if there is no such one)."""
    return db.session.scalar(
        select(SurveyRevision.content).where(
            SurveyRevision.survey_id == survey_id, SurveyRevision.number == number
        )
    )


# --- touchpoints and invitations -------------------------------------------------------------


def touchpoint(event: str) -> Touchpoint | None:
    """The touchpoint of an event, if one was ever set."""
    return db.session.scalar(select(Touchpoint).where(Touchpoint.event == event))


def set_touchpoint(
    actor: User | None, event: str, survey: Survey | None, active: bool, expires_days: int
) -> Touchpoint:
    """Decide which survey an event sends (None: the event sends nothing)."""
    if event not in (Touch.DEAL_WON, Touch.AFTER_SALES, Touch.MANUAL):
        raise DomainError(_("Unknown touchpoint."), field="event")
    if not 1 <= expires_days <= 365:
        raise DomainError(_("Between 1 and 365 days."), field="expires_days")
    point = touchpoint(event) or Touchpoint(event=event)
    point.survey_id = survey.id if survey else None
    point.active, point.expires_days = active, expires_days
    db.session.add(point)
    db.session.flush()
    return point


@dataclass
class Issued:
    """An invitation and its link's secret, known only until the response is sent."""

    invitation: Invitation
    token: str
    emailed: bool = False


def new_token(invitation: Invitation) -> str:
    """A fresh secret for the invitation; the previous link stops working."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    return token


def invite(
    actor: User | None,
    survey: Survey,
    contacts: Iterable[Contact],
    *,
    touch: str = Touch.MANUAL,
    deal_id: int | None = None,
    task_id: int | None = None,
    expires_days: int | None = None,
    now: datetime | None = None,
) -> list[Issued]:
    """Invite each contact (in the contact's language), e-mailing where possible."""
    from salesweb.surveys import delivery

    if survey.is_deleted or not survey.active:
        raise DomainError(_("This survey is not active."), field="survey_id")
    if not survey.questions:
        raise DomainError(_("This survey has no questions yet."), field="survey_id")
    point = touchpoint(touch)
    days = expires_days or (point.expires_days if point else DEFAULT_EXPIRY_DAYS)
    now = now or utcnow()
    issued = []
    for contact in contacts:
        if contact.is_deleted or contact.account.is_deleted:
            raise DomainError(
                _("%(name)s can no longer be invited.", name=contact.name), field="contact_ids"
            )
        invitation = Invitation(
            survey_id=survey.id,
            contact_id=contact.id,
            account_id=contact.account_id,
            deal_id=deal_id,
            task_id=task_id,
            touchpoint=touch,
            locale=contact.locale if contact.locale in ("zh_CN", "en") else "zh_CN",
            expires_at=now + timedelta(days=days),
            created_by_id=actor.id if actor else None,
            created_at=now,
        )
        token = new_token(invitation)
        db.session.add(invitation)
        issued.append(Issued(invitation, token))
    db.session.flush()
    for item in issued:
        item.emailed = delivery.queue_invitation(item.invitation, item.token)
    return issued


def invite_contacts(
    actor: User, survey: Survey | None, contact_ids: list[int], expires_days: int | None = None
) -> list[Issued]:
    """Invite contacts chosen by hand: all of them, or none when one may not be invited."""
    if survey is None:
        raise DomainError(_("Choose a survey."), field="survey_id")
    contacts = db.session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
    allowed = [c for c in contacts if not c.is_deleted and can_invite(actor, c.account)]
    if len(allowed) != len(set(contact_ids)):
        raise DomainError(
            _("Some of these contacts cannot be invited by you."), field="contact_ids"
        )
    return invite(actor, survey, allowed, expires_days=expires_days)


def _check_open(invitation: Invitation) -> None:
    if invitation.answered_at is not None:
        raise DomainError(_("This invitation has already been answered."))
    if invitation.is_expired():
        raise DomainError(_("This invitation has expired."))


def renew_link(actor: User, invitation: Invitation) -> str:
    """A new link to copy (WeChat, SMS); the old link stops working."""
    _check_open(invitation)
    token = new_token(invitation)
    db.session.flush()
    return token


def resend(actor: User, invitation: Invitation) -> str:
    """E-mail the invitation again, with a new link."""
    from salesweb.surveys import delivery

    _check_open(invitation)
    if not delivery.can_email(invitation):
        raise DomainError(_("There is no e-mail address or no mail server: copy the link instead."))
    token = new_token(invitation)
    db.session.flush()
    delivery.queue_invitation(invitation, token)
    return token


def remind(actor: User | None, invitation: Invitation) -> str:
    """The one reminder an invitation gets (actor None: the daily reminder job)."""
    from salesweb.surveys import delivery

    _check_open(invitation)
    if invitation.reminded_at is not None:
        raise DomainError(_("A reminder was already sent."))
    if not delivery.can_email(invitation):
        raise DomainError(_("There is no e-mail address or no mail server: copy the link instead."))
    token = new_token(invitation)
    invitation.reminded_at = utcnow()
    db.session.flush()
    delivery.queue_invitation(invitation, token, reminder=True)
    return token


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a link opens; anything not shaped like our tokens finds nothing."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))


def _contact_for(account: Account | None, contact: Contact | None) -> Contact | None:
    if contact is not None and not contact.is_deleted:
        return contact
    if account is None:
        return None
    return next(iter(account.contacts), None)


def invite_for_event(
    touch: str,
    account: Account | None,
    contact: Contact | None,
    deal_id: int | None = None,
    task_id: int | None = None,
) -> Issued | None:
    """What a touchpoint event sends: one invitation, once per deal or task."""
    point = touchpoint(touch)
    if point is None or not point.active or point.survey is None:
        return None
    person = _contact_for(account, contact)
    if person is None or not point.survey.active or point.survey.is_deleted:
        return None
    already = select(Invitation.id).where(
        Invitation.touchpoint == touch,
        Invitation.deal_id == deal_id if deal_id else Invitation.task_id == task_id,
    )
    if db.session.scalar(select(exists(already))):
        return None
    return invite(None, point.survey, [person], touch=touch, deal_id=deal_id, task_id=task_id)[0]


# --- answering -------------------------------------------------------------------------------


@dataclass
class Answer:
    question_id: int
    kind: str
    number: int | None = None
    choices: list[str] = field(default_factory=list)
    text: str = ""


def working_days_after(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`."""
    out = start
    while days:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def submit_response(invitation_id: int, answers: list[Answer]) -> SurveyResponse:
    """Store the one answer of an invitation; a second one raises AlreadyAnswered.

    The claim of the invitation is the transaction's first statement: on PostgreSQL the row
    lock makes a concurrent submit wait and then find it answered; on SQLite a transaction that
    starts by writing waits for the write lock instead of failing on a stale snapshot.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.answered_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(answered_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise AlreadyAnswered()
    invitation = db.session.get(Invitation, invitation_id, populate_existing=True)
    response = record_response(invitation, answers, now)
    return response


def record_response(
    invitation: Invitation, answers: list[Answer], when: datetime
) -> SurveyResponse:
    """Write the response rows (the claim is done) and open a case for an unhappy customer."""
    invitation.answered_at = when
    nps = next((a.number for a in answers if a.kind == QuestionKind.NPS), None)
    csat = next((a.number for a in answers if a.kind == QuestionKind.CSAT), None)
    comment = "\n\n".join(a.text for a in answers if a.text)[: TEXT_LIMIT * 2]
    parts = [f"NPS {nps}" if nps is not None else "", f"CSAT {csat}" if csat is not None else ""]
    summary = " · ".join(p for p in parts if p)
    if comment:
        summary = f"{summary} — {comment}" if summary else comment
    response = SurveyResponse(
        invitation_id=invitation.id,
        survey_id=invitation.survey_id,
        revision=invitation.survey.revision,
        account_id=invitation.account_id,
        contact_id=invitation.contact_id,
        touchpoint=invitation.touchpoint,
        locale=invitation.locale,
        nps=nps,
        csat=csat,
        comment=comment,
        summary=summary[:300],
        submitted_at=when,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError as exc:
        raise AlreadyAnswered() from exc
    db.session.add_all(
        SurveyAnswer(
            response_id=response.id,
            question_id=a.question_id,
            number=a.number,
            choices=a.choices,
            text=a.text,
        )
        for a in answers
    )
    if (nps is not None and nps <= NPS_DETRACTOR_MAX) or (
        csat is not None and csat <= CSAT_UNHAPPY_MAX
    ):
        open_case(response, "nps" if nps is not None and nps <= NPS_DETRACTOR_MAX else "csat")
    db.session.flush()
    return response


# --- feedback cases --------------------------------------------------------------------------


task_titles.register(
    "survey_follow_up", _l("Follow up the survey answer of %(contact)s (%(score)s)")
)


def open_case(response: SurveyResponse, reason: str) -> FeedbackCase:
    """A case for the account owner, with a follow-up task due in two working days."""
    account = db.session.get(Account, response.account_id)
    owner = account.owner if account else None
    task = None
    if owner is not None and owner.active:
        task = customers.create_task(
            owner,
            title_key="survey_follow_up",
            title_params={
                "contact": response.contact.name,
                "score": response.summary.split(" — ")[0] or "—",
            },
            due_at=working_days_after(response.submitted_at, 2),
            owner=owner,
            priority="high",
            account=account,
            contact=response.contact,
            kind="feedback",
            notes=response.comment[:2000],
        )
    case = FeedbackCase(
        response_id=response.id,
        account_id=response.account_id,
        owner_id=owner.id if owner else None,
        task_id=task.id if task else None,
        reason=reason,
        created_at=response.submitted_at,
        updated_at=response.submitted_at,
    )
    db.session.add(case)
    db.session.flush()
    return case


def root_causes() -> list[LostReason]:
    """The shared reason list, limited to the causes that fit an unhappy customer."""
    reasons = db.session.scalars(
        select(LostReason).where(LostReason.code.in_(ROOT_CAUSE_CODES), LostReason.active.is_(True))
    )
    order = {code: n for n, code in enumerate(ROOT_CAUSE_CODES)}
    return sorted(reasons, key=lambda r: order[r.code])


def advance_case(
    actor: User,
    case: FeedbackCase,
    to: str,
    note: str = "",
    root_cause_id: int | None = None,
    version: int | None = None,
) -> FeedbackCase:
    """Move a case one step on (contacted, resolved with a root cause and a note, closed)."""
    check_version(case, version)
    if (
        to == CaseStatus.RESOLVED
        and root_cause_id is not None
        and root_cause_id not in {r.id for r in root_causes()}
    ):
        raise DomainError(_("Choose the root cause."), field="root_cause_id")
    case.advance(to, note.strip()[:TEXT_LIMIT], root_cause_id)
    db.session.flush()
    return case


def _latest_score(account_id: int, score: Any) -> Any:
    """The account's newest answer to a score column (nps, csat) and when it came, or None."""
    return db.session.execute(
        select(score, SurveyResponse.submitted_at)
        .where(SurveyResponse.account_id == account_id, score.is_not(None))
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        .limit(1)
    ).first()


def account_scores(account_id: int) -> dict[str, Any]:
    """The account's latest NPS and CSAT answers and its open cases, for the account page."""
    latest_nps = _latest_score(account_id, SurveyResponse.nps)
    latest_csat = _latest_score(account_id, SurveyResponse.csat)
    open_cases = db.session.scalar(
        select(func.count())
        .select_from(FeedbackCase)
        .where(
            FeedbackCase.account_id == account_id,
            FeedbackCase.status.in_([CaseStatus.OPEN, CaseStatus.CONTACTED]),
        )
    )
    return {"nps": latest_nps, "csat": latest_csat, "open_cases": open_cases or 0}
