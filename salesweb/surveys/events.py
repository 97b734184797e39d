"""How surveys hook into lower areas: touchpoint signals, the account timeline and page."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select

from salesweb.core import panels
from salesweb.customers import timeline
from salesweb.customers.models import Contact
from salesweb.surveys.models import Survey, SurveyResponse, Touch


def on_deal_won(sender: Any, deal: Any = None, actor: Any = None, **extra: Any) -> None:
    """A won deal sends the deal-won touchpoint's survey to the deal's contact."""
    from salesweb.surveys import services

    if deal is None or deal.account_id is None:
        return
    services.invite_for_event(Touch.DEAL_WON, deal.account, deal.contact, deal_id=deal.id)


def on_task_done(sender: Any, task: Any = None, actor: Any = None, **extra: Any) -> None:
    """A finished after-sales task sends the after-sales touchpoint's survey."""
    from salesweb.surveys import services

    if task is None or task.kind != "after_sales" or task.account_id is None:
        return
    services.invite_for_event(Touch.AFTER_SALES, task.account, task.contact, task_id=task.id)


def _answer_events(account_id: int):
    locale = get_locale()
    title = Survey.title_zh if locale is not None and locale.language == "zh" else Survey.title_en
    return (
        select(
            SurveyResponse.submitted_at.label("at"),
            literal("survey").label("kind"),
            SurveyResponse.id.label("ref_id"),
            title.label("title"),
            SurveyResponse.summary.label("body"),
            Contact.name.label("actor"),
        )
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .join(Contact, Contact.id == SurveyResponse.contact_id)
        .where(SurveyResponse.account_id == account_id)
    )


def _can_see_scores(user: Any, account: Any) -> bool:
    from salesweb.surveys.permissions import can_invite

    return can_invite(user, account)


def install() -> None:
    """Connect the touchpoints (blinker keeps one connection per receiver, however many apps)."""
    from salesweb.customers.signals import task_done
    from salesweb.pipeline.signals import deal_won
    from salesweb.surveys import delivery

    deal_won.connect(on_deal_won)
    task_done.connect(on_task_done)
    delivery.install()


timeline.register(
    "survey",
    _l("Survey answers"),
    _answer_events,
    lambda ref: url_for("surveys.response_detail", response_id=ref),
)
panels.register(
    "account",
    _l("Satisfaction"),
    lambda a: url_for("surveys.account_scores", account_id=a.id),
    _can_see_scores,
)
