"""The history panel as a person reads it: labels, names, formatted values, nothing internal."""

from datetime import UTC, datetime

from flask_login import login_user
from sqlalchemy import select

from salesweb.core import audit, history
from salesweb.core.models import AuditedMixin, AuditLog
from salesweb.extensions import db as _db
from salesweb.pipeline import services as pipeline
from salesweb.pipeline.models import Deal, SalesProcess
from tests.conftest import by_id, count_queries
from tests.factories import make_account, make_interaction, make_team, make_user
from tests.pipeline.factories import make_deal
from tests.pipeline.helpers import stage


def history_text(response, record_type, record_id) -> str:
    panel = by_id(response, f"history-{record_type}-{record_id}")
    assert panel is not None
    return " ".join(panel.text_content().split())


def test_user_page_history_hides_secrets_and_speaks_labels(client, login_as, db):
    login_as("admin")
    team = make_team(name="East")
    user = make_user(display_name="Ada Lin", team_id=team.id)
    user.set_password("another-long-password")
    db.session.commit()
    page = client.get(f"/auth/users/{user.id}")
    panel = by_id(page, f"history-users-{user.id}")
    text = history_text(page, "users", user.id)
    assert "password" not in text and audit.MASKED not in text
    assert "session_token" not in text and "display_name" not in text
    assert panel.find_class("change-password_hash") == []
    assert "Display name: Ada Lin" in text
    assert "Team: East" in text  # the team's name, not its id
    assert "Role: Sales rep" in text


def test_deal_move_shows_stage_names(client, login_as, db, app):
    rep = login_as("rep")
    with app.test_request_context():
        deal = make_deal(rep, stage_key="negotiation")
        first, target = deal.stage, stage(deal.process_version.process, "proposal")
        pipeline.move_deal(rep, deal, target, reason="Price to be reworked")
    db.session.commit()
    page = client.get(f"/pipeline/deals/{deal.id}")
    moves = [
        li
        for li in by_id(page, f"history-deals-{deal.id}").iter("li")
        if "action-move" in (" ".join(span.get("class", "") for span in li.iter("span")))
    ]
    assert len(moves) == 1
    text = " ".join(moves[0].text_content().split())
    assert "moved to another stage" in text
    assert f"Stage: {first.name_en} → {target.name_en}" in text
    assert "stage_id" not in text and f"Stage: {first.id}" not in text


def test_boolean_reads_yes_no_in_chinese(client, login_as, db):
    login_as("admin", locale="zh_CN")
    user = make_user()
    user.active = False
    db.session.commit()
    text = history_text(client.get(f"/auth/users/{user.id}"), "users", user.id)
    assert "可登录: 是 → 否" in text


def test_times_are_in_the_readers_time_zone(app, db):
    owner = make_user(timezone="America/New_York")
    account = make_account(owner=owner)
    interaction = make_interaction(
        account, author=owner, occurred_at=datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    )
    _db.session.flush()
    rows = audit.history_for("interactions", interaction.id)
    with app.test_request_context():
        login_user(owner)
        (entry,) = history.present(rows)
    when = next(c for c in entry.changes if c.field == "occurred_at")
    assert (
        "3/1/26" in when.new.text and "10:30" in when.new.text
    )  # 03:30 UTC is 22:30 the day before


def test_history_queries_do_not_grow_with_its_rows(app, db):
    rep = make_user()
    with app.test_request_context():
        deal = make_deal(rep, stage_key="negotiation")
        deal_id, process = deal.id, deal.process_version.process
        back = {"reason": "Back a step"}

        def queries() -> int:
            _db.session.flush()
            _db.session.expunge_all()  # nothing already loaded helps: every name is looked up
            with count_queries(_db.engine) as statements:
                history.record_history("deals", deal_id)
            return len(statements)

        counts = []
        for keys in (["quote"], ["proposal", "needs", "lead"]):
            deal = _db.session.get(Deal, deal_id)
            process = _db.session.get(SalesProcess, process.id)
            for key in keys:
                pipeline.move_deal(rep, deal, stage(process, key), **back)
                deal.owner_id = make_user().id
                _db.session.flush()
            counts.append(queries())
    few, many = counts
    assert many == few <= 5


def test_every_audited_column_is_labelled_or_deliberately_hidden(app):
    missing = []
    for mapper in _db.Model.registry.mappers:
        model = mapper.class_
        if not issubclass(model, AuditedMixin):
            continue
        assert model.audit_kind, f"{model.__name__} has no audit_kind"
        for column in mapper.columns:
            key = column.key
            if key in model.__audit_exclude__ | model.audit_hidden | history.HIDDEN:
                continue
            if history.is_secret(key):
                continue
            if history.label_for(model, key) is None:
                missing.append(f"{model.__tablename__}.{key}")
    assert missing == []


def test_audit_log_filter_lists_record_kinds_by_name(client, login_as, db):
    login_as("admin")
    make_team(name="West")
    db.session.commit()
    page = client.get("/auth/audit")
    options = {o.get("value"): o.text_content() for o in by_id(page, "audit-type").iter("option")}
    assert options["teams"] == "Team" and options["users"] == "User"
    table = " ".join(by_id(page, "audit-table").text_content().split())
    assert "Team #" in table and "Team name: West" in table and "teams" not in table


def test_unlabelled_action_or_key_is_caught(db, recwarn):
    import pytest

    team = make_team()
    with pytest.warns(UserWarning, match="no label"):
        audit.log_event("made_up_code", team)
    with pytest.warns(UserWarning, match="no label"):
        audit.log_event("update", team, {"made_up_key": [None, 1]})
    _db.session.rollback()
    assert (
        _db.session.scalars(select(AuditLog).where(AuditLog.action == "made_up_code")).all() == []
    )


def test_checklist_step_is_named_in_the_readers_language(app, db):
    from flask_babel import force_locale

    rep = make_user()
    with app.test_request_context():
        deal = make_deal(rep, stage_key="negotiation")
        step = deal.stage.steps[0]
        pipeline.set_step(rep, deal, step, True)
        with force_locale("zh_CN"):
            entries = history.record_history("deals", deal.id)
    (done,) = [e for e in entries if e.row.action == "step_done"]
    assert done.action == "完成了检查清单步骤"
    assert [(c.label, c.new.text) for c in done.changes] == [("检查清单步骤", step.name_zh)]


def test_an_actor_who_was_not_signed_in_is_named_in_the_readers_language(app, db):
    from flask_babel import force_locale

    account = make_account()
    _db.session.flush()
    rows = audit.history_for("accounts", account.id)  # written outside a request: "system"
    with app.test_request_context(), force_locale("zh_CN"):
        (entry,) = history.present(rows)
    assert rows[0].actor_label == "system" and entry.actor == "系统"
