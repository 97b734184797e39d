"""Who sees and works contracts, reviews, rules and risks."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import can_see_owner, owner_filter, sees_everyone
from salesweb.compliance.models import (
    EDITABLE,
    Contract,
    ContractStatus,
    Review,
    ReviewStatus,
    Risk,
)
from salesweb.customers.models import Account

WRITERS = (Role.ADMIN, Role.MANAGER, Role.REP)
REVIEWERS = (Role.COMPLIANCE, Role.ADMIN)


def scope_contracts(stmt: Select, user: User) -> Select:
    """Live contracts: rep own, manager team's, compliance and admin all."""
    stmt = stmt.where(Contract.deleted_at.is_(None))
    clause = owner_filter(user, Contract.owner_id)
    return stmt if clause is None else stmt.where(clause)


def can_view_contract(user: User, contract: Contract) -> bool:
    return not contract.is_deleted and can_see_owner(user, contract.owner)


def can_create_contract(user: User) -> bool:
    return user.role in WRITERS


def can_edit_contract(user: User, contract: Contract) -> bool:
    return (
        user.role in WRITERS and can_view_contract(user, contract) and contract.status in EDITABLE
    )


def can_submit_contract(user: User, contract: Contract) -> bool:
    return can_edit_contract(user, contract) and contract.status in (
        ContractStatus.DRAFT,
        ContractStatus.CHANGES_REQUESTED,
    )


def can_sign_contract(user: User, contract: Contract) -> bool:
    return (
        user.role in WRITERS
        and can_view_contract(user, contract)
        and contract.status == ContractStatus.APPROVED
    )


def is_reviewer(user: User) -> bool:
    return user.is_authenticated and user.role in REVIEWERS


def can_view_review(user: User, review: Review) -> bool:
    return can_view_contract(user, review.contract)


def is_party(user: User, review: Review) -> bool:
    """The contract's owner or the submitter: they may not review it."""
    return user.id in (review.contract.owner_id, review.submitted_by_id)


def can_claim_review(user: User, review: Review) -> bool:
    return is_reviewer(user) and review.status == ReviewStatus.QUEUED and not is_party(user, review)


def can_decide_review(user: User, review: Review) -> bool:
    return (
        is_reviewer(user)
        and review.status == ReviewStatus.IN_REVIEW
        and review.claimed_by_id == user.id
        and not is_party(user, review)
    )


def can_answer_review(user: User, review: Review) -> bool:
    """The owner's side answers findings while the contract waits for changes or review."""
    return (
        user.role in WRITERS
        and can_view_contract(user, review.contract)
        and review.status != ReviewStatus.SUPERSEDED
    )


def can_manage_rules(user: User) -> bool:
    return user.is_authenticated and user.role in REVIEWERS


def can_view_dashboard(user: User) -> bool:
    return user.is_authenticated and user.role in REVIEWERS


# --- risks -----------------------------------------------------------------------------------


def scope_risks(stmt: Select, user: User) -> Select:
    """Live risks: compliance and admin all; others the risks they own or of accounts they see."""
    stmt = stmt.where(Risk.deleted_at.is_(None))
    if sees_everyone(user):
        return stmt
    own = owner_filter(user, Risk.owner_id)
    accounts = select(Account.id).where(owner_filter(user, Account.owner_id))
    return stmt.where(or_(own, Risk.account_id.in_(accounts)))


def can_view_risk(user: User, risk: Risk) -> bool:
    if risk.is_deleted:
        return False
    if sees_everyone(user) or can_see_owner(user, risk.owner):
        return True
    return risk.account is not None and can_see_owner(user, risk.account.owner)


def can_create_risk(user: User) -> bool:
    return user.is_authenticated and user.role in (*REVIEWERS, Role.MANAGER, Role.REP)


def can_edit_risk(user: User, risk: Risk) -> bool:
    if risk.is_deleted:
        return False
    if user.role in REVIEWERS:
        return True
    return user.role in (Role.MANAGER, Role.REP) and can_see_owner(user, risk.owner)


def can_approve_credit(user: User, deal) -> bool:
    """A manager of the deal owner's team (or an administrator) approves credit over the limit."""
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.MANAGER
        and deal.owner is not None
        and deal.owner_id != user.id
        and can_see_owner(user, deal.owner)
    )


TEMPLATE_PERMISSIONS = {
    "can_view_contract": can_view_contract,
    "can_create_contract": can_create_contract,
    "can_edit_contract": can_edit_contract,
    "can_submit_contract": can_submit_contract,
    "can_sign_contract": can_sign_contract,
    "is_compliance_reviewer": is_reviewer,
    "can_claim_review": can_claim_review,
    "can_decide_review": can_decide_review,
    "can_answer_review": can_answer_review,
    "can_manage_rules": can_manage_rules,
    "can_view_compliance_dashboard": can_view_dashboard,
    "can_create_risk": can_create_risk,
    "can_edit_risk": can_edit_risk,
    "can_approve_credit": can_approve_credit,
}
