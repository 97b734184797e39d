"""Who sees and works deals, quotes, products, processes and rates."""

from __future__ import annotations

from sqlalchemy import Select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import can_see_owner, owner_filter
from salesweb.pipeline.models import Deal, DealStatus

WRITERS = (Role.ADMIN, Role.MANAGER, Role.REP)


def scope_deals(stmt: Select, user: User) -> Select:
    """Live deals: rep own, manager team's, compliance and admin all."""
    stmt = stmt.where(Deal.deleted_at.is_(None))
    clause = owner_filter(user, Deal.owner_id)
    return stmt if clause is None else stmt.where(clause)


def can_view_deal(user: User, deal: Deal) -> bool:
    return not deal.is_deleted and can_see_owner(user, deal.owner)


def can_edit_deal(user: User, deal: Deal) -> bool:
    return user.role in WRITERS and can_view_deal(user, deal)


def can_move_deal(user: User, deal: Deal) -> bool:
    return can_edit_deal(user, deal) and deal.status == DealStatus.OPEN


def can_create_deal(user: User) -> bool:
    return user.role in WRITERS


def can_approve_quotes(user: User) -> bool:
    return user.role in (Role.MANAGER, Role.ADMIN)


def can_manage_processes(user: User) -> bool:
    return user.role == Role.ADMIN


def can_manage_products(user: User) -> bool:
    return user.role == Role.ADMIN


def can_manage_rates(user: User) -> bool:
    return user.role == Role.ADMIN


TEMPLATE_PERMISSIONS = {
    "can_view_deal": can_view_deal,
    "can_edit_deal": can_edit_deal,
    "can_move_deal": can_move_deal,
    "can_create_deal": can_create_deal,
    "can_approve_quotes": can_approve_quotes,
    "can_manage_processes": can_manage_processes,
    "can_manage_products": can_manage_products,
    "can_manage_rates": can_manage_rates,
}
