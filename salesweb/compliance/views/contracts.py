"""Contracts: list, create, page, edit (a new version), files, versions, submit and sign."""

from __future__ import annotations

import unicodedata

from flask import abort, flash, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from salesweb.compliance import bp, services
from salesweb.compliance.forms import ActionForm, AttachmentForm, ContractForm
from salesweb.compliance.models import CONTRACT_STATUS_LABELS, Contract, ContractVersion
from salesweb.compliance.permissions import (
    can_create_contract,
    can_edit_contract,
    can_sign_contract,
    can_submit_contract,
    scope_contracts,
)
from salesweb.compliance.views import attachment_or_404, contract_or_404
from salesweb.core import files as attachments
from salesweb.core.errors import DomainError, put_on_form
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.pagination import paginate, sort_choice
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.pipeline.models import Deal, DealStatus
from salesweb.pipeline.permissions import can_edit_deal, scope_deals

WRITERS = ("admin", "manager", "rep")
SORTS = {
    "-updated": Contract.updated_at.desc(),
    "updated": Contract.updated_at.asc(),
    "number": Contract.number.asc(),
    "-number": Contract.number.desc(),
    "value": Contract.base_value.asc(),
    "-value": Contract.base_value.desc(),
    "status": Contract.status.asc(),
    "-status": Contract.status.desc(),
}


@bp.get("/contracts")
@access(SIGNED_IN)
def contract_list():
    q = unicodedata.normalize("NFKC", request.args.get("q", "").strip())[:100].lower()
    status = request.args.get("status", "")
    account = parse_id(request.args.get("account"))
    sort, order = sort_choice(SORTS, "-updated")
    stmt = scope_contracts(select(Contract), current_user)
    if q:
        stmt = stmt.where(Contract.search_text.contains(q, autoescape=True))
    if status in CONTRACT_STATUS_LABELS:
        stmt = stmt.where(Contract.status == status)
    if account:
        stmt = stmt.where(Contract.account_id == account)
    page = paginate(stmt.order_by(order, Contract.id.desc()))
    return render_page(
        "compliance/contract_list.html", block="results", page=page, q=q, status=status, sort=sort
    )


def _deal_choices(selected: Deal | None) -> list[tuple[int, str]]:
    """Open deals the user works (newest first), and the deal the page was opened for."""
    stmt = scope_deals(select(Deal), current_user).where(Deal.status == DealStatus.OPEN)
    deals = list(db.session.scalars(stmt.order_by(Deal.updated_at.desc()).limit(200)))
    if selected is not None and selected not in deals:
        deals.insert(0, selected)
    return [(d.id, f"{d.title} · {d.account.name if d.account else '—'}") for d in deals]


def _chosen_deal(deal_id: int | None) -> Deal | None:
    deal = db.session.get(Deal, deal_id) if deal_id else None
    if deal is None or not can_edit_deal(current_user, deal):
        return None
    return deal


@bp.route("/contracts/new", methods=["GET", "POST"])
@access(*WRITERS)
def contract_create():
    if not can_create_contract(current_user):
        abort(403)
    preset = _chosen_deal(parse_id(request.args.get("deal_id")))
    form = ContractForm()
    form.deal_id.choices = _deal_choices(preset)
    if not form.is_submitted() and preset is not None:
        form.deal_id.data = preset.id
        form.title.data = preset.title
        form.value.data = preset.amount
        form.currency.data = preset.currency
    if form.validate_on_submit():
        deal = _chosen_deal(form.deal_id.data)
        try:
            if deal is None:
                raise DomainError(_("Choose one of your deals."), field="deal_id")
            contract = services.create_contract(current_user, deal, form.data_dict())
            db.session.commit()
            flash(_("Contract %(number)s created.", number=contract.number), "success")
            return done("compliance.contract_detail", contract_id=contract.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "compliance/contract_form.html", block="form", http_status=status, form=form, contract=None
    )


def _detail_context(contract: Contract) -> dict:
    version = services.latest_version(contract)
    reviews = services.reviews_of(contract)
    versions = db.session.scalars(
        select(ContractVersion)
        .where(ContractVersion.contract_id == contract.id)
        .order_by(ContractVersion.number.desc())
    ).all()
    comments: dict = {}
    for comment in services.comments_of(reviews[0]) if reviews else []:
        comments.setdefault(comment.result_id, []).append(comment)
    return {
        "contract": contract,
        "comments": comments,
        "current": version,
        "files": services.files_of(version),
        "versions": versions,
        "reviews": reviews,
        "latest_review": reviews[0] if reviews else None,
        "approved": services.approved_review(contract),
        "risks": services.open_risks_for(contract=contract.id),
        "upload_form": AttachmentForm(),
        "action_form": ActionForm(),
    }


@bp.get("/contracts/<int:contract_id>")
@access(SIGNED_IN)
def contract_detail(contract_id: int):
    contract = contract_or_404(contract_id)
    return render_page("compliance/contract_detail.html", **_detail_context(contract))


def _refused(contract: Contract, exc: DomainError, **extra):
    """A refused action on the contract page: its reasons, status 422, nothing changed."""
    db.session.rollback()
    if isinstance(exc, services.AttemptRefused):
        services.record_attempt(current_user, contract, exc.action, exc.message)
        db.session.commit()
    contract = db.session.get(Contract, contract.id)
    context = _detail_context(contract)
    context.update(refusal=exc.message, **extra)
    return render_page("compliance/contract_detail.html", http_status=422, **context)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"])
@access(*WRITERS)
def contract_edit(contract_id: int):
    contract = contract_or_404(contract_id)
    if not can_edit_contract(current_user, contract):
        abort(403)
    form = ContractForm(obj=contract)
    del form.deal_id  # the deal is fixed once the contract exists
    if form.validate_on_submit():
        try:
            services.update_contract(
                current_user, contract, form.data_dict(), form.version.data, form.note.data or ""
            )
            db.session.commit()
            flash(_("Saved as version %(n)d.", n=contract.version_no), "success")
            return done("compliance.contract_detail", contract_id=contract.id)
        except DomainError as exc:
            db.session.rollback()
            put_on_form(form, exc)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "compliance/contract_form.html",
        block="form",
        http_status=status,
        form=form,
        contract=contract,
    )


@bp.post("/contracts/<int:contract_id>/attachments")
@access(*WRITERS)
def attachment_upload(contract_id: int):
    contract = contract_or_404(contract_id)
    if not can_edit_contract(current_user, contract):
        abort(403)
    form = AttachmentForm()
    if not form.validate_on_submit():
        message = " ".join(str(e) for e in form.file.errors) or _("Choose a file.")
        return _refused(contract, DomainError(message, field="file"), upload_form=form)
    try:
        attachment = services.add_attachment(
            current_user, contract, form.file.data.stream, form.file.data.filename or ""
        )
        db.session.commit()
    except DomainError as exc:
        put_on_form(form, exc)
        return _refused(contract, exc, upload_form=form)
    flash(
        _("File %(name)s added as version %(n)d.", name=attachment.filename, n=contract.version_no),
        "success",
    )
    return done("compliance.contract_detail", contract_id=contract.id)


@bp.post("/contracts/<int:contract_id>/attachments/<int:attachment_id>/remove")
@access(*WRITERS)
def attachment_remove(contract_id: int, attachment_id: int):
    contract = contract_or_404(contract_id)
    attachment = attachment_or_404(attachment_id)
    if attachment.contract_id != contract.id:
        abort(404)
    if not can_edit_contract(current_user, contract) or not ActionForm().validate_on_submit():
        abort(403)
    try:
        services.remove_attachment(current_user, contract, attachment)
        db.session.commit()
    except DomainError as exc:
        return _refused(contract, exc)
    flash(_("File removed; earlier versions keep it."), "success")
    return done("compliance.contract_detail", contract_id=contract.id)


@bp.get("/attachments/<int:attachment_id>")
@access(SIGNED_IN)
def attachment_download(attachment_id: int):
    attachment = attachment_or_404(attachment_id)
    path = attachments.path_of(attachment.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=attachment.mime,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/contracts/<int:contract_id>/versions/<int:number>")
@access(SIGNED_IN)
def contract_version(contract_id: int, number: int):
    contract = contract_or_404(contract_id)
    version = db.session.scalar(
        select(ContractVersion).where(
            ContractVersion.contract_id == contract.id, ContractVersion.number == number
        )
    )
    if version is None:
        abort(404)
    return render_page(
        "compliance/contract_version.html",
        contract=contract,
        version=version,
        files=services.files_of(version),
    )


@bp.post("/contracts/<int:contract_id>/submit")
@access(*WRITERS)
def contract_submit(contract_id: int):
    contract = contract_or_404(contract_id)
    if not can_submit_contract(current_user, contract) or not ActionForm().validate_on_submit():
        return _refused(contract, DomainError(_("This contract cannot be submitted now.")))
    try:
        review = services.submit_contract(current_user, contract)
        db.session.commit()
    except DomainError as exc:
        return _refused(contract, exc)
    if review.blocking or review.warnings:
        flash(_("Submitted. The rules found points to look at: see the findings."), "warning")
    else:
        flash(_("Submitted for compliance review."), "success")
    return trigger(done("compliance.contract_detail", contract_id=contract.id), "contractSubmitted")


@bp.post("/contracts/<int:contract_id>/sign")
@access(*WRITERS)
def contract_sign(contract_id: int):
    contract = contract_or_404(contract_id)
    if not can_sign_contract(current_user, contract) or not ActionForm().validate_on_submit():
        return _refused(
            contract, DomainError(_("A contract can be signed only after its approval."))
        )
    try:
        services.sign_contract(current_user, contract)
        db.session.commit()
    except DomainError as exc:
        return _refused(contract, exc)
    flash(_("The contract is signed."), "success")
    return trigger(done("compliance.contract_detail", contract_id=contract.id), "contractSigned")
