"""Pipeline test data: the seeded default process and deals made through the services."""

from __future__ import annotations

from decimal import Decimal

from salesweb.pipeline import services
from salesweb.pipeline.models import SalesProcess
from salesweb.pipeline.seed import seed_reference
from tests.factories import make_account, make_user


def default_process() -> SalesProcess:
    if services.default_process() is None:
        seed_reference()
    return services.default_process()


def stage(process: SalesProcess, key: str):
    return process.current_version.stage_by_key(key)


def new_deal(owner=None, account=None, stage_key: str | None = None, **data):
    process = default_process()
    owner = owner or make_user()
    account = account or make_account(owner=owner)
    data.setdefault("title", "Deal")
    data.setdefault("amount", Decimal("1000.00"))
    data.setdefault("currency", "CNY")
    return services.create_deal(
        owner,
        data,
        account=account,
        owner=owner,
        process=process,
        stage=stage(process, stage_key) if stage_key else None,
    )


def tick_all(deal, user) -> None:
    for step in deal.stage.steps:
        services.set_step(user, deal, step, True)
