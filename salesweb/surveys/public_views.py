"""Public survey pages, answered through an invitation link without an account.

A page of its own (no base.html, no script), in the invitation's language, small enough for a
slow phone; every refusal is a polite page that says nothing about other invitations.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from salesweb.core.security import PUBLIC, access
from salesweb.extensions import csrf, db, limiter
from salesweb.surveys import public_bp, services
from salesweb.surveys.forms import AnswerForm
from salesweb.surveys.models import Invitation, Survey

LANGUAGES = ("zh_CN", "en")
# How long a page opened by a customer stays good for sending; past it the answers come back
# with a fresh token, so nothing typed is lost.
FORM_TOKEN_AGE = timedelta(days=7)


def survey_limit() -> str:
    return current_app.config.get("SALESWEB_SURVEY_LIMIT", "120 per minute")


def _language(invitation: Invitation | None) -> str:
    chosen = request.values.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return invitation.locale if invitation and invitation.locale in LANGUAGES else "zh_CN"


def _private(response: Response) -> Response:
    # The page belongs to one person: no shared caches, no referrer carrying the token away.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _form_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="survey-answer-form")


def form_token(invitation: Invitation) -> str:
    """The public form's own CSRF token: the invitation id, signed and dated (no session)."""
    return _form_signer().dumps(invitation.id)


def _form_token_ok(invitation: Invitation, sent: str) -> bool:
    # The same switch as the session CSRF of the staff pages (tests turn both off).
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        signed_id = _form_signer().loads(sent, max_age=int(FORM_TOKEN_AGE.total_seconds()))
    except BadSignature:  # also SignatureExpired
        return False
    return signed_id == invitation.id


def render_survey(
    survey: Survey,
    lang: str,
    *,
    preview: bool = False,
    token: str = "",
    invitation: Invitation | None = None,
    values: dict | None = None,
    errors: dict | None = None,
    alert: str = "",
    status: int = 200,
) -> Response:
    """The answer page; the staff preview renders the very same template."""
    with force_locale(lang):
        body = render_template(
            "surveys/public_answer.html",
            survey=survey,
            lang=lang,
            preview=preview,
            token=token,
            form_token=form_token(invitation) if invitation else "",
            values=values,
            errors=errors or {},
            alert=alert,
        )
    return _private(make_response(body, status))


def message(kind: str, lang: str, status: int, survey: Survey | None = None) -> Response:
    with force_locale(lang):
        body = render_template("surveys/public_message.html", kind=kind, lang=lang, survey=survey)
    return _private(make_response(body, status))


@public_bp.errorhandler(429)
def too_many(_error):
    """Rate-limited: said politely in the invitation's language, like every other refusal."""
    token = (request.view_args or {}).get("token", "")
    return message("busy", _language(services.invitation_by_token(token) if token else None), 429)


def _refusal(invitation: Invitation | None, lang: str) -> Response | None:
    """The polite page for a link that cannot be answered (unknown, answered, expired)."""
    if invitation is None:
        return message("unknown", lang, 404)
    if invitation.answered_at is not None:
        return message("answered", lang, 200 if request.method == "GET" else 409, invitation.survey)
    if invitation.is_expired():
        return message("expired", lang, 410, invitation.survey)
    return None


def _stale_page_alert(form: AnswerForm, invitation: Invitation) -> str:
    if _form_token_ok(invitation, form.form_token.data or ""):
        return ""
    return _(
        "This page is too old to send, or it was changed. Your answers are kept below: "
        "please check them and send them again."
    )


@csrf.exempt  # no session here: the signed form token and the invitation token protect it
@public_bp.route("/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(survey_limit)
def answer(token: str):
    invitation = services.invitation_by_token(token)
    lang = _language(invitation)
    refusal = _refusal(invitation, lang)
    if refusal is not None:
        return refusal
    survey = invitation.survey
    if request.method == "GET":
        return render_survey(survey, lang, token=token, invitation=invitation)
    with force_locale(lang):  # the customer reads the messages in the invitation's language
        form = AnswerForm(survey.questions)
        stale = _stale_page_alert(form, invitation)
    if form.answer_errors or stale:
        return render_survey(
            survey,
            lang,
            token=token,
            invitation=invitation,
            values=form.posted,
            errors=form.answer_errors,
            alert=stale,
            status=422,
        )
    return _submit(invitation.id, form.answers, lang)


def _submit(invitation_id: int, answers: list[services.Answer], lang: str) -> Response:
    """Store the answers, or say the invitation was answered meanwhile."""
    # End the reading transaction: the write then starts with the claim of the invitation.
    db.session.rollback()
    try:
        services.submit_response(invitation_id, answers)
        db.session.commit()
    except services.AlreadyAnswered:
        db.session.rollback()
        return message("answered", lang, 409)
    return message("thanks", lang, 200)
