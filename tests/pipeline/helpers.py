"""Pipeline test helpers: a stage by its key, every exit step of a deal's stage ticked."""

from __future__ import annotations

from salesweb.pipeline import services
from salesweb.pipeline.models import SalesProcess


def stage(process: SalesProcess, key: str):
    return process.current_version.stage_by_key(key)


def tick_all(deal, user) -> None:
    for step in deal.stage.steps:
        services.set_step(user, deal, step, True)
