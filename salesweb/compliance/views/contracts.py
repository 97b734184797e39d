"""Contracts: list, create, page, edit (a new version), files, versions, submit and sign."""

from __future__ import annotations

from flask import abort, flash, request, send_file
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.compliance import bp, queries, services
from salesweb.compliance.forms import ActionForm, AttachmentForm, ContractForm, SignForm
from salesweb.compliance.models import Contract
from salesweb.compliance.permissions import (
    WRITERS,
    can_create_contract,
    can_edit_contract,
    can_sign_contract,
    can_submit_contract,
    can_view_contract,
)
from salesweb.compliance.views import attachment_or_404, contract_or_404, roll_back_refused
from salesweb.core import files as attachments
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, trigger
from salesweb.core.pagination import paginate, sort_choice
from salesweb.core.params import parse_id
from salesweb.core.security import SIGNED_IN, access
from salesweb.customers.models import Order
from salesweb.customers.permissions import can_view_account
from salesweb.extensions import db
from salesweb.pipeline.models import Deal
from salesweb.pipeline.permissions import can_edit_deal, can_view_deal
from salesweb.pipeline.services import quote_chain


@bp.get("/contracts")
@access(SIGNED_IN)
def contract_list():
    filters = queries.contract_filters(request.args)
    sort, order = sort_choice(queries.CONTRACT_SORTS, "-updated")
    page = paginate(queries.contracts(current_user, **filters).order_by(order, Contract.id.desc()))
    return render_page(
        "compliance/contract_list.html",
        block="results",
        page=page,
        q=filters["q"],
        status=request.args.get("status", ""),
        sort=sort,
    )


def _deal_choices(selected: Deal | None) -> list[tuple[int, str]]:
    """Open deals the user works (newest first), and the deal the page was opened for."""
    deals = queries.open_deals(current_user)
    if selected is not None and selected not in deals:
        deals.insert(0, selected)
    return [(d.id, f"{d.title} · {d.account.name if d.account else '—'}") for d in deals]


def _writable_deal(deal_id: int | None) -> Deal | None:
    deal = db.session.get(Deal, deal_id) if deal_id else None
    if deal is None or not can_edit_deal(current_user, deal):
        return None
    return deal


def _contract_deal(deal_id: int | None) -> Deal:
    """The deal chosen on the form; one the user may not work is refused on its field."""
    deal = _writable_deal(deal_id)
    if deal is None:
        raise DomainError(_("Choose one of your deals."), field="deal_id")
    return deal


def _new_contract_form() -> ContractForm:
    """The form, filled from the deal the page was opened for (`?deal_id=`)."""
    preset = _writable_deal(parse_id(request.args.get("deal_id")))
    form = ContractForm()
    form.deal_id.choices = _deal_choices(preset)
    if not form.is_submitted() and preset is not None:
        form.deal_id.data = preset.id
        form.prefill(services.prefill_from_deal(preset))
    return form


@bp.route("/contracts/new", methods=["GET", "POST"])
@access(*WRITERS)
def contract_create():
    if not can_create_contract(current_user):
        abort(403)
    form = _new_contract_form()
    if form.validate_on_submit():
        with saving(form):
            deal = _contract_deal(form.deal_id.data)
            contract = services.create_contract(current_user, deal, form.data_dict())
            db.session.commit()
            flash(_("Contract %(number)s created.", number=contract.number), "success")
            return done("compliance.contract_detail", contract_id=contract.id)
    return render_page(
        "compliance/contract_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        contract=None,
    )


def _detail_context(contract: Contract) -> dict:
    version = services.latest_version(contract)
    reviews = services.reviews_of(contract)
    comments: dict = {}
    for comment in services.comments_of(reviews[0]) if reviews else []:
        comments.setdefault(comment.result_id, []).append(comment)
    return {
        "contract": contract,
        "comments": comments,
        "current": version,
        "files": services.files_of(version),
        "versions": queries.contract_versions(contract),
        "reviews": reviews,
        "latest_review": reviews[0] if reviews else None,
        "approved": services.approved_review(contract),
        "risks": services.open_risks_for(contract=contract.id),
        "upload_form": AttachmentForm(),
        "action_form": ActionForm(),
        "sign_form": SignForm(formdata=None),
        "amount_question": quote_chain.amount_question(contract.deal) if contract.deal else None,
        "history": record_history("contracts", contract.id),
    }


@bp.get("/contracts/<int:contract_id>")
@access(SIGNED_IN)
def contract_detail(contract_id: int):
    contract = contract_or_404(contract_id)
    return render_page("compliance/contract_detail.html", **_detail_context(contract))


def _refused(contract: Contract, exc: DomainError, **extra):
    """A refused action on the contract page: its reasons, status 422, nothing changed."""
    roll_back_refused(contract, exc)
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
        with saving(form):
            note = form.note.data or ""
            services.update_contract(
                current_user, contract, form.data_dict(), form.version.data, note
            )
            db.session.commit()
            flash(_("Saved as version %(n)d.", n=contract.version_no), "success")
            return done("compliance.contract_detail", contract_id=contract.id)
    return render_page(
        "compliance/contract_form.html",
        block="form",
        http_status=form_status(form),
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
    if form.validate_on_submit():
        with saving(form):
            upload = form.file.data
            added = services.add_attachment(
                current_user, contract, upload.stream, upload.filename or ""
            )
            db.session.commit()
            flash(
                _(
                    "File %(name)s added as version %(n)d.",
                    name=added.filename,
                    n=contract.version_no,
                ),
                "success",
            )
            return done("compliance.contract_detail", contract_id=contract.id)
    message = " ".join(map(str, [*form.file.errors, *form.form_errors])) or _("Choose a file.")
    return _refused(contract, DomainError(message, field="file"), upload_form=form)


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
    version = queries.contract_version(contract, number)
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
    form = SignForm()
    if not can_sign_contract(current_user, contract) or not form.validate_on_submit():
        return _refused(
            contract, DomainError(_("A contract can be signed only after its approval."))
        )
    try:
        choice, reason = form.amount_choice.data, form.amount_reason.data or ""
        services.sign_contract(current_user, contract, choice, reason)
        db.session.commit()
    except DomainError as exc:
        return _refused(contract, exc, sign_form=form)
    flash(_("The contract is signed."), "success")
    return trigger(done("compliance.contract_detail", contract_id=contract.id), "contractSigned")


@bp.get("/orders/<int:order_id>/panel")
@access(SIGNED_IN)
def order_panel(order_id: int):
    """The order page's links to the deal that made it and its contract (loaded by htmx)."""
    order = db.session.get(Order, order_id)
    if order is None or order.is_deleted or not can_view_account(current_user, order.account):
        abort(404)
    deal, contract = queries.order_links(order)
    return render_page(
        "compliance/order_panel.html",
        block="panel",
        order=order,
        deal=deal if deal is not None and can_view_deal(current_user, deal) else None,
        contract=contract if contract and can_view_contract(current_user, contract) else None,
    )
