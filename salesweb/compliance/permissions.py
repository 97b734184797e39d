"""Who sees and works contracts, reviews, rules and risks."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from salesweb.auth.models import Role, User
from salesweb.auth.permissions import (
    ADMINS,
    EVERYONE,
    MANAGERS,
    REVIEWERS,
    SELLERS,
    can_see_owner,
    owner_filter,
    sees_everyone,
)
from salesweb.compliance.models import (
    EDITABLE,
    Contract,
    ContractStatus,
    Review,
    ReviewStatus,
    Risk,
)
from salesweb.customers.models import Account
from salesweb.pipeline.models import Deal

WRITERS = SELLERS  # own contracts: write, submit, sign, answer findings
# REVIEWERS (compliance, admin), imported above: review contracts, keep rules, see the dashboard
RISK_KEEPERS = EVERYONE  # add risks to the register
CREDIT_APPROVERS = MANAGERS  # approve credit over an account's limit


def scope_contracts(stmt: Select, user: User) -> Select:
    """Live contracts: rep own, manager team's, compliance and admin all."""
    stmt = stmt.where(Contract.deleted_at.is_(None))
    clause = owner_filter(user, Contract.owner_id)
    return stmt if clause is None else stmt.where(clause)


def can_view_contract(user: User, contract: Contract) -> bool:
    """A live contract whose owner the user sees."""
    return not contract.is_deleted and can_see_owner(user, contract.owner)


def can_create_contract(user: User) -> bool:
    """Salespeople write contracts; compliance reads them."""
    return user.role in WRITERS


def can_edit_contract(user: User, contract: Contract) -> bool:
    """A salesperson who sees the contract, while it is a draft or back for changes."""
    return (
        user.role in WRITERS and can_view_contract(user, contract) and contract.status in EDITABLE
    )


def can_submit_contract(user: User, contract: Contract) -> bool:
    """Editable and not already waiting for review."""
    return can_edit_contract(user, contract) and contract.status in (
        ContractStatus.DRAFT,
        ContractStatus.CHANGES_REQUESTED,
    )


def can_sign_contract(user: User, contract: Contract) -> bool:
    """A salesperson who sees the contract, once it is approved."""
    return (
        user.role in WRITERS
        and can_view_contract(user, contract)
        and contract.status == ContractStatus.APPROVED
    )


def is_reviewer(user: User) -> bool:
    """A compliance officer or an administrator: reviews contracts."""
    return user.is_authenticated and user.role in REVIEWERS


def can_view_review(user: User, review: Review) -> bool:
    """Whoever sees the contract sees its reviews."""
    return can_view_contract(user, review.contract)


def is_party(user: User, review: Review) -> bool:
    """The contract's owner or the submitter: they may not review it."""
    return user.id in (review.contract.owner_id, review.submitted_by_id)


def can_claim_review(user: User, review: Review) -> bool:
    """A reviewer who is not a party takes a review waiting in the queue."""
    return is_reviewer(user) and review.status == ReviewStatus.QUEUED and not is_party(user, review)


def can_decide_review(user: User, review: Review) -> bool:
    """The reviewer who claimed the review, and is not a party, decides it."""
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
    """Reviewers keep the compliance rules."""
    return is_reviewer(user)


def can_view_dashboard(user: User) -> bool:
    """Reviewers see the compliance dashboard."""
    return is_reviewer(user)


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
    """A live risk the user owns or sees the owner of, or linked to an account the user sees."""
    if risk.is_deleted:
        return False
    if sees_everyone(user) or can_see_owner(user, risk.owner):
        return True
    return risk.account is not None and can_see_owner(user, risk.account.owner)


def can_create_risk(user: User) -> bool:
    """Every signed-in user may add a risk to the register."""
    return user.is_authenticated and user.role in RISK_KEEPERS


def can_edit_risk(user: User, risk: Risk) -> bool:
    """Reviewers edit every live risk; salespeople the risks whose owner they see."""
    if risk.is_deleted:
        return False
    if is_reviewer(user):
        return True
    return user.role in SELLERS and can_see_owner(user, risk.owner)


def scope_risk_owners(stmt: Select, user: User) -> Select:
    """The active people the user may name as a risk's owner: everyone for those who see
    everything, the team for a manager, oneself for a rep."""
    stmt = stmt.where(User.active.is_(True))
    clause = owner_filter(user, User.id)
    return stmt if clause is None else stmt.where(clause)


def is_credit_approver(user: User, deal: Deal) -> bool:
    """A manager or an administrator who does not own the deal: the approval the credit gate
    asks for (the service's own check)."""
    return user.is_authenticated and user.role in CREDIT_APPROVERS and deal.owner_id != user.id


def can_approve_credit(user: User, deal: Deal) -> bool:
    """An administrator, or a manager of the deal owner's team, who does not own the deal."""
    if not is_credit_approver(user, deal):
        return False
    if user.role in ADMINS:
        return True
    return user.role == Role.MANAGER and deal.owner is not None and can_see_owner(user, deal.owner)


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


# --- workbench (h4): who sees which compliance panel on the home page

CONTRACT_OWNERS = (Role.MANAGER, Role.REP)  # follow their own contracts through review
CREDIT_WATCHERS = (Role.MANAGER,)  # unblock their team's deals over a credit limit


def can_see_my_contracts(user: User) -> bool:
    """People who own contracts follow the ones waiting on review, changes or a signature."""
    return user.role in CONTRACT_OWNERS


def can_see_credit_approvals(user: User) -> bool:
    """A team's manager sees the team's deals that wait for a credit approval."""
    return user.role in CREDIT_WATCHERS
