from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from salesweb.core.errors import ConflictError, DomainError
from salesweb.core.models import ExchangeRate
from salesweb.customers.models import Order, Task
from salesweb.pipeline import gates, services
from salesweb.pipeline.models import DealStatus, StageHistory
from tests.factories import make_account, make_contact, make_user
from tests.pipeline.factories import make_deal, make_process
from tests.pipeline.helpers import stage, tick_all


def test_default_process_has_seven_stages_in_order(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        process = make_process()
    names = [s.name_en for s in process.current_version.stages]
    assert names == [
        "Lead development",
        "Needs analysis",
        "Proposal",
        "Quote",
        "Negotiation",
        "Signing",
        "After-sales",
    ]
    zh = [s.name_zh for s in process.current_version.stages]
    assert zh[:2] == ["客户开发", "需求分析"]


def test_forward_move_refused_with_every_missing_item(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep, stage_key="needs", amount=None)
        target = stage(make_process(), "proposal")
        with pytest.raises(services.GateRefused) as exc:
            services.move_deal(rep, deal, target)
        messages = [m.message for m in exc.value.missing]
        assert any("Needs survey completed" in m for m in messages)
        assert any("Budget confirmed" in m for m in messages)
        assert any("Amount" in m for m in messages)
        assert all(m.fix_url for m in exc.value.missing)
    assert deal.stage.key == "needs"


def test_moving_several_stages_checks_every_stage_left(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep, stage_key="needs")
        tick_all(deal, rep)
        with pytest.raises(services.GateRefused) as exc:
            services.move_deal(rep, deal, stage(make_process(), "quote"))  # Proposal not done
        assert any("Proposal sent" in m.message for m in exc.value.missing)
        services.move_deal(rep, deal, stage(make_process(), "proposal"))
    assert deal.stage.key == "proposal" and deal.probability == 40


def test_move_back_needs_reason_and_history_is_kept(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep, stage_key="proposal")
        with pytest.raises(DomainError) as exc:
            services.move_deal(rep, deal, stage(make_process(), "lead"))
        assert exc.value.field == "reason"
        services.move_deal(rep, deal, stage(make_process(), "lead"), reason="需求变了", via="board")
    rows = db.session.scalars(
        select(StageHistory).where(StageHistory.deal_id == deal.id).order_by(StageHistory.id)
    ).all()
    assert [r.stage.key for r in rows] == ["proposal", "lead"]
    assert rows[0].left_at is not None and rows[1].left_at is None
    assert rows[1].via == "board" and rows[1].reason == "需求变了"


def test_stage_of_another_process_or_stale_version_is_refused(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep)
        from salesweb.pipeline.models import SalesProcess

        channel = db.session.scalar(
            select(SalesProcess).where(SalesProcess.name_en == "Channel sales")
        )
        with pytest.raises(DomainError) as exc:
            services.move_deal(rep, deal, channel.current_version.stages[1])
        assert exc.value.field == "stage_id"
        with pytest.raises(ConflictError):
            services.move_deal(rep, deal, stage(make_process(), "needs"), version=deal.version + 5)


def test_win_creates_after_sales_tasks_and_order(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        account = make_account(owner=rep)
        deal = make_deal(
            rep,
            account=account,
            stage_key="signing",
            amount=Decimal("8800.00"),
            product_name="GTX Pro",
        )
        with pytest.raises(services.GateRefused):
            services.win_deal(rep, deal, closed_on=date(2026, 11, 1))
        tick_all(deal, rep)
        won = []
        from salesweb.pipeline.signals import deal_won

        def listener(sender, deal, actor):
            won.append(deal.id)

        deal_won.connect(listener)
        try:
            services.win_deal(rep, deal, closed_on=date(2026, 11, 1))
        finally:
            deal_won.disconnect(listener)
    assert deal.status == DealStatus.WON and deal.stage.key == "after_sales" and won == [deal.id]
    order = db.session.scalar(select(Order).where(Order.account_id == account.id))
    assert order.total == Decimal("8800.00") and order.lines[0].product == "GTX Pro"
    tasks = db.session.scalars(
        select(Task).where(Task.account_id == account.id, Task.kind == "after_sales")
    ).all()
    assert len(tasks) == 2


def test_win_needs_amount_and_close_date(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep, stage_key="signing", amount=None)
        with pytest.raises(DomainError) as exc:
            services.win_deal(rep, deal, closed_on=date(2026, 1, 1))
        assert exc.value.field == "amount"
        deal.amount = Decimal("5")
        with pytest.raises(DomainError) as exc:
            services.win_deal(rep, deal, closed_on=None)
        assert exc.value.field == "closed_on"


def test_lose_needs_reason_and_other_needs_text(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep)
        with pytest.raises(DomainError):
            services.lose_deal(rep, deal, None)
        with pytest.raises(DomainError) as exc:
            services.lose_deal(rep, deal, services.reason_by_code("other"), "")
        assert exc.value.field == "lost_note"
        with pytest.raises(DomainError):
            services.lose_deal(
                rep, deal, services.reason_by_code("unknown_imported")
            )  # not for people
        services.lose_deal(rep, deal, services.reason_by_code("price"))
        assert deal.status == DealStatus.LOST and deal.probability == 0
        services.reopen_deal(rep, deal, "客户回来了")
    assert deal.status == DealStatus.OPEN and deal.lost_reason_id is None


def test_foreign_currency_is_booked_with_rate(db, app):
    db.session.add(
        ExchangeRate(
            currency="USD",
            valid_on=date.today() - timedelta(days=3),
            rate=Decimal("7.2"),
            source="PBOC",
        )
    )
    db.session.flush()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep, amount=Decimal("100.00"), currency="usd")
        assert (deal.currency, deal.rate, deal.rate_source, deal.base_amount) == (
            "USD",
            Decimal("7.2"),
            "PBOC",
            Decimal("720.00"),
        )
        # A later change of amount keeps the booked rate.
        db.session.add(ExchangeRate(currency="USD", valid_on=date.today(), rate=Decimal("9")))
        services.update_deal(rep, deal, {"amount": Decimal("200.00")}, deal.version)
        assert deal.base_amount == Decimal("1440.00")
        with pytest.raises(DomainError) as exc:
            make_deal(rep, currency="JPY")
        assert exc.value.field == "currency"
        with pytest.raises(DomainError) as exc:
            make_deal(rep, amount=Decimal("-1"))
        assert exc.value.field == "amount"


def test_probability_override_needs_reason(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        deal = make_deal(rep)
        with pytest.raises(DomainError) as exc:
            services.update_deal(rep, deal, {"probability": 50}, deal.version)
        assert exc.value.field == "probability_reason"
        services.update_deal(
            rep, deal, {"probability": 50, "probability_reason": "CEO met us"}, deal.version
        )
    assert deal.probability == 50


def test_contact_must_belong_to_account(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        rep = make_user()
        account = make_account(owner=rep)
        stranger = make_contact(make_account())
        with pytest.raises(DomainError) as exc:
            services.create_deal(rep, {"title": "x"}, account=account, owner=rep, contact=stranger)
        assert exc.value.field == "contact_id"


def test_editing_a_stage_makes_a_new_version_deals_keep_theirs(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        admin = make_user(role="admin")
        rep = make_user()
        deal = make_deal(rep, stage_key="lead")
        process = make_process()
        old_version = deal.process_version_id
        spec = services.StageSpec(
            "lead",
            "客户开发",
            "Lead development",
            15,
            7,
            steps=[],
            criteria=[("fields", {"fields": ["next_step"]})],
        )
        version = services.edit_stage(admin, process, "lead", spec, "no checklist")
        assert version.number == 2 and process.current_version_id == version.id
        assert deal.process_version_id == old_version
        # The old deal still answers to the old version's rules...
        assert any(
            "Identify the decision maker" in m.message for m in gates.missing_for(deal, deal.stage)
        )
        newer = make_deal(rep)
        assert newer.process_version_id == version.id and newer.probability == 15
        with pytest.raises(DomainError):
            services.edit_stage(
                admin,
                process,
                "lead",
                services.StageSpec("lead", "a", "b", 1, 1, criteria=[("nonsense", {})]),
                "bad",
            )


def test_role_approval_gate(db, app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from salesweb.pipeline.models import SalesProcess

        make_process()  # seeds both processes
        channel = db.session.scalar(
            select(SalesProcess).where(SalesProcess.name_en == "Channel sales")
        )
        rep = make_user()
        manager = make_user(role="manager")
        account = make_account(owner=rep)
        deal = services.create_deal(
            rep,
            {"title": "Via partner"},
            account=account,
            owner=rep,
            process=channel,
            stage=channel.current_version.stage_by_key("qualify"),
        )
        with pytest.raises(services.GateRefused):
            services.move_deal(rep, deal, channel.current_version.stage_by_key("quote"))
        with pytest.raises(DomainError):
            services.approve_stage(rep, deal)
        services.approve_stage(manager, deal, "ok")
        services.move_deal(rep, deal, channel.current_version.stage_by_key("quote"))
    assert deal.stage.key == "quote"
