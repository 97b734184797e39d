"""Who sees and works deals, quotes, products, processes and rates."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import ADMINS, can_see_owner, owner_filter
from salesweb.pipeline.models import Deal, DealStatus, Quote

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


# --- quotes, products, processes, rates (h2)


def can_decide_quote(user: User, quote: Quote) -> bool:
    """Approve or reject a quote's discount: an admin any quote, a manager the team's quotes
    except one of their own (neither the deal's owner nor the quote's author)."""
    deal = quote.deal
    if not can_approve_quotes(user) or deal is None or deal.is_deleted:
        return False
    if not can_see_owner(user, deal.owner):
        return False
    return user.role in ADMINS or user.id not in (deal.owner_id, quote.created_by_id)


def scope_quotes_to_decide(stmt: Select, user: User) -> Select:
    """The quotes of a select that `can_decide_quote` lets the user decide on, said in SQL."""
    if not can_approve_quotes(user):
        return stmt.where(false())
    deals = scope_deals(select(Deal.id), user)
    if user.role not in ADMINS:
        deals = deals.where(Deal.owner_id != user.id)
        stmt = stmt.where(or_(Quote.created_by_id.is_(None), Quote.created_by_id != user.id))
    return stmt.where(Quote.deal_id.in_(deals))
