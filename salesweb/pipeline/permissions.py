"""Who sees and works deals, quotes, products, processes and rates.

The role sets the pipeline's routes declare (`@access(*WRITERS)`) are named here, from the sets
auth spells once; every finer decision is a `can_*`/`scope_*` below, asked by the route, the
service and the template alike.
"""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    ADMINS,
    EVERYONE,
    MANAGERS,
    SELLERS,
    can_see_owner,
    owner_filter,
)
from salesweb.core.pagination import live
from salesweb.pipeline.models import Deal, DealStatus, Quote

WRITERS = SELLERS  # work deals and quotes
QUOTE_APPROVERS = MANAGERS  # decide on quotes past the discount limit
CONFIGURERS = ADMINS  # processes, products and exchange rates
# Approval roles a stage may wait for are given by these; a rep does not approve a stage.
STAGE_APPROVERS = (*MANAGERS, Role.COMPLIANCE)
# Who sees more deals than their own, so filters by owner and team.
OVERSEERS = tuple(role for role in EVERYONE if role != Role.REP)
# People a new deal may be given to.
DEAL_OWNERS = (Role.MANAGER, Role.REP)


def scope_deals(stmt: Select, user: User) -> Select:
    """Live deals: rep own, manager team's, compliance and admin all."""
    stmt = stmt.where(live(Deal.deleted_at))
    clause = owner_filter(user, Deal.owner_id)
    return stmt if clause is None else stmt.where(clause)


def can_view_deal(user: User, deal: Deal) -> bool:
    """A live deal whose owner the user may see."""
    return not deal.is_deleted and can_see_owner(user, deal.owner)


def can_edit_deal(user: User, deal: Deal) -> bool:
    """A seller who may see the deal edits it."""
    return user.role in WRITERS and can_view_deal(user, deal)


def can_move_deal(user: User, deal: Deal) -> bool:
    """Only an open deal moves, wins or loses; by someone who may edit it."""
    return can_edit_deal(user, deal) and deal.status == DealStatus.OPEN


def can_set_forecast(user: User, deal: Deal) -> bool:
    """An open deal's forecast category is chosen by its owner, their manager or an
    administrator: whoever may edit it."""
    return can_edit_deal(user, deal) and deal.status == DealStatus.OPEN


def can_tick_steps(user: User, deal: Deal) -> bool:
    """The checklist of an open deal's stage is ticked by someone who may edit the deal."""
    return can_edit_deal(user, deal) and deal.status == DealStatus.OPEN


def can_create_deal(user: User) -> bool:
    """Sellers open deals."""
    return user.role in WRITERS


def can_choose_deal_owner(user: User) -> bool:
    """A manager or administrator gives a new deal to someone; a rep's own deals are theirs."""
    return user.role in MANAGERS


def can_give_deal_to(user: User, owner: User) -> bool:
    """Whether `user` may make `owner` the owner of a new deal: themselves always, else an
    active salesperson they may see (their team for a manager, anyone for an administrator)."""
    if owner.id == user.id:
        return True
    return (
        can_choose_deal_owner(user)
        and owner.active
        and owner.role in DEAL_OWNERS
        and can_see_owner(user, owner)
    )


def can_filter_by_owner(user: User) -> bool:
    """Lists and the board offer owner and team filters to those who see beyond their own."""
    return user.role in OVERSEERS


def can_approve_stage(user: User, deal: Deal) -> bool:
    """The approval an open deal's stage waits for: given by that role, or by an administrator
    standing in for it."""
    if user.role not in STAGE_APPROVERS or deal.status != DealStatus.OPEN:
        return False
    wanted = deal.stage.approval_roles
    return user.role in wanted or (user.role == Role.ADMIN and bool(wanted))


def can_approve_quotes(user: User) -> bool:
    """Managers and administrators decide on quotes past the discount limit."""
    return user.role in QUOTE_APPROVERS


def can_manage_processes(user: User) -> bool:
    """Administrators define the sales processes."""
    return user.role in CONFIGURERS


def can_manage_products(user: User) -> bool:
    """Administrators keep the product catalogue."""
    return user.role in CONFIGURERS


def can_manage_rates(user: User) -> bool:
    """Administrators keep the exchange rates."""
    return user.role in CONFIGURERS


TEMPLATE_PERMISSIONS = {
    "can_view_deal": can_view_deal,
    "can_edit_deal": can_edit_deal,
    "can_move_deal": can_move_deal,
    "can_tick_steps": can_tick_steps,
    "can_set_forecast": can_set_forecast,
    "can_create_deal": can_create_deal,
    "can_choose_deal_owner": can_choose_deal_owner,
    "can_filter_by_owner": can_filter_by_owner,
    "can_approve_stage": can_approve_stage,
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


# --- workbench (h4): who sees which pipeline panel on the home page

TEAM_LEADERS = (Role.MANAGER,)  # review their team's losses
STAGE_GATEKEEPERS = (Role.MANAGER, Role.COMPLIANCE)  # approve a stage in their own role


def can_see_stuck_deals(user: User) -> bool:
    """People who own deals watch theirs (a manager the team's) that outstay their stage."""
    return user.role in DEAL_OWNERS


def can_see_own_quotes_waiting(user: User) -> bool:
    """People who own deals follow their quotes that wait for a manager's decision."""
    return user.role in DEAL_OWNERS


def can_see_team_losses(user: User) -> bool:
    """A team's manager reviews why the team's deals were lost."""
    return user.role in TEAM_LEADERS


def can_see_stage_approvals(user: User) -> bool:
    """Managers and compliance officers see the deals whose stage waits for their role."""
    return user.role in STAGE_GATEKEEPERS


def stage_approval_roles(user: User) -> set[str]:
    """The approval roles whose waiting deals the user's workbench lists: their own."""
    return {str(user.role)}
