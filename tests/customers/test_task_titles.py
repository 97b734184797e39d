"""Titles the system writes for a person are read in the reader's language, not the writer's."""

from __future__ import annotations

import importlib.util
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask_babel import force_locale
from sqlalchemy import select

from salesweb.customers import services
from salesweb.customers.models import Task
from salesweb.extensions import db as database
from salesweb.pipeline import services as pipeline
from tests.conftest import by_id
from tests.factories import make_account, make_contact, make_task, make_user
from tests.pipeline.factories import make_deal
from tests.pipeline.helpers import tick_all

ZH = {"Accept-Language": "zh-CN"}
HX = {"HX-Request": "true"}


def _won_by_a_chinese_manager(app, owner):
    """The owner's deal, won by a manager working in Chinese: its after-sales tasks."""
    manager = make_user(role="manager", locale="zh_CN")
    account = make_account(owner=owner)
    with app.test_request_context(headers=ZH):
        deal = make_deal(owner, account=account, stage_key="signing", amount=Decimal("8800.00"))
        tick_all(deal, manager)
        pipeline.win_deal(manager, deal, closed_on=date(2026, 11, 1))
    tasks = (
        select(Task)
        .where(Task.account_id == account.id, Task.kind == "after_sales")
        .order_by(Task.id)
    )
    return account, list(database.session.scalars(tasks))


def test_after_sales_tasks_read_in_each_readers_language(client, login_as, db, app):
    owner = make_user(locale="en")
    account, tasks = _won_by_a_chinese_manager(app, owner)
    assert [t.title for t in tasks] == ["安排交付与培训", "首次回访"]  # as the manager wrote
    assert tasks[0].title_key == "bilingual"
    login_as(user=owner)
    english = client.get("/customers/tasks")
    row = by_id(english, f"task-{tasks[0].id}")
    assert row is not None and "Schedule delivery and training" in row.text_content()
    assert "安排交付与培训" not in row.text_content()

    owner.locale = "zh_CN"
    db.session.commit()
    chinese = client.get("/customers/tasks")
    assert "安排交付与培训" in by_id(chinese, f"task-{tasks[0].id}").text_content()
    second = by_id(chinese, f"task-{tasks[1].id}").text_content()
    assert "首次回访" in second and "First follow-up visit" not in second


def test_the_timeline_and_the_account_page_show_the_readers_language(client, login_as, db, app):
    owner = make_user(locale="en")
    account, tasks = _won_by_a_chinese_manager(app, owner)
    login_as(user=owner)
    page = client.get(f"/customers/accounts/{account.id}")
    assert (
        "Schedule delivery and training"
        in by_id(page, f"account-task-{tasks[0].id}").text_content()
    )
    services.complete_task(owner, tasks[0])
    db.session.commit()
    timeline = client.get(f"/customers/accounts/{account.id}/timeline?kind=task", headers=HX)
    text = timeline.get_data(as_text=True)
    assert "Schedule delivery and training" in text and "安排交付与培训" not in text
    assert "After-sales for deal" in text and "的售后服务" not in text  # the notes too


def test_the_timeline_shows_order_money_formatted_for_the_reader(client, login_as, db, app):
    owner = make_user(locale="zh_CN")
    account, _tasks = _won_by_a_chinese_manager(app, owner)
    login_as(user=owner)
    text = client.get(f"/customers/accounts/{account.id}/timeline?kind=order", headers=HX).get_data(
        as_text=True
    )
    assert "¥8,800.00" in text and "CNY 8800" not in text


def test_a_survey_follow_up_reads_in_the_readers_language(db, app):
    from salesweb.surveys import services as surveys
    from tests.surveys.factories import answer, make_invitation, make_survey

    owner = make_user(locale="en")
    account = make_account(owner=owner)
    survey = make_survey()
    invitation, _token = make_invitation(survey, contact=make_contact(account, name="王芳"))
    with app.test_request_context(headers=ZH):
        response = surveys.submit_response(invitation.id, answer(survey, nps=3))
    task = db.session.scalar(select(Task).where(Task.account_id == account.id))
    assert task.title_key == "survey_follow_up"
    with force_locale("en"):
        assert task.display_title.startswith("Follow up the survey answer of 王芳 (")
    with force_locale("zh_CN"):
        assert task.display_title.startswith("跟进 王芳 的问卷答复（")
    assert response.id


def test_a_rewritten_generated_title_stays_as_typed(db, app):
    owner = make_user(locale="en")
    _account, tasks = _won_by_a_chinese_manager(app, owner)
    first, second = tasks
    with force_locale("en"):
        services.update_task(owner, first, {"title": "Schedule delivery and training"}, None)
        services.update_task(owner, second, {"title": "Visit Mr Wang in person"}, None)
    assert first.title_key == "bilingual"  # unchanged text: still follows the reader
    assert second.title_key is None and second.title == "Visit Mr Wang in person"
    with force_locale("zh_CN"):
        assert first.display_title == "安排交付与培训"
        assert second.display_title == "Visit Mr Wang in person"


def test_generated_notes_read_in_the_readers_language_until_rewritten(db, app):
    owner = make_user(locale="en")
    _account, tasks = _won_by_a_chinese_manager(app, owner)
    first, second = tasks
    assert first.notes_key == "after_sales" and "的售后服务" in first.notes
    with force_locale("en"):
        assert first.display_notes.startswith("After-sales for deal ")
        services.update_task(owner, second, {"notes": "Bring the manuals"}, None)
    with force_locale("zh_CN"):
        assert first.display_notes.endswith("的售后服务")
        assert second.display_notes == "Bring the manuals" and second.notes_key is None


def test_a_typed_title_is_never_translated(db, app):
    task = make_task(make_user(), title="Open the file")
    with force_locale("zh_CN"):
        assert task.display_title == "Open the file"


def _migration():
    path = next(Path("migrations/versions").glob("*_0014_task_title_keys.py"))
    spec = importlib.util.spec_from_file_location("migration_0014", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_maps_stored_generated_titles_back_to_keys(db, app):
    owner = make_user()
    _account, tasks = _won_by_a_chinese_manager(app, owner)
    old = [
        make_task(owner, title="报价单 Q-2026-0007 已批准：请发送给客户", kind="quote_decision"),
        make_task(owner, title="Quote Q-2026-0008 rejected: revise it", kind="quote_decision"),
        make_task(owner, title="跟进 王芳 的问卷答复（NPS 3）", kind="feedback"),
        make_task(owner, title="Follow up the survey answer of Li Lei (CSAT 2)", kind="feedback"),
        make_task(owner, title="First follow-up visit", kind="after_sales"),
        make_task(owner, title="Call the buyer", kind="after_sales"),  # typed: left alone
        make_task(owner, title="Quote Q-1 approved: send it to the customer"),  # a follow-up
        make_task(
            owner,
            title="Quote Q-2026-0009 approved: send it to the customer",
            kind="quote_decision",
            notes="王经理 对商机“GTX 项目”的意见：同意\n下周签",
        ),
    ]
    found = {
        task_id: (key, params)
        for task_id, key, params in _migration()._generated(db.session.connection())
    }
    assert found[old[0].id] == ("quote_approved", {"quote": "Q-2026-0007"})
    assert found[old[1].id] == ("quote_rejected", {"quote": "Q-2026-0008"})
    assert found[old[2].id] == ("survey_follow_up", {"contact": "王芳", "score": "NPS 3"})
    assert found[old[3].id] == ("survey_follow_up", {"contact": "Li Lei", "score": "CSAT 2"})
    assert found[old[4].id] == ("bilingual", {"zh": "首次回访", "en": "First follow-up visit"})
    assert old[5].id not in found and old[6].id not in found
    assert tasks[0].id in found  # the stored Chinese step name is recognised too
    notes = {
        task_id: (key, params)
        for task_id, key, params in _migration()._generated_notes(db.session.connection())
    }
    assert notes[old[7].id] == (
        "quote_decision",
        {"who": "王经理", "deal": "GTX 项目", "comment": "同意\n下周签"},
    )
    assert notes[tasks[0].id][0] == "after_sales" and old[5].id not in notes
