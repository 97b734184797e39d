"""Quotes: create for a deal, page, edit (a new revision once past draft), submit, the approval
queue with approve and reject, sent / accepted / declined, and the PDF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Response, abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.core.errors import error_response
from salesweb.core.forms import form_status, saving
from salesweb.core.history import record_history
from salesweb.core.htmx import done, render_page, see_other, trigger, wants_fragment
from salesweb.core.models import today
from salesweb.core.pagination import paginate
from salesweb.core.security import SIGNED_IN, access
from salesweb.extensions import db
from salesweb.pipeline import bp, queries
from salesweb.pipeline.forms.quotes import LINE_ROWS, ActionForm, DecisionForm, QuoteForm
from salesweb.pipeline.models import Deal, Quote
from salesweb.pipeline.permissions import (
    QUOTE_APPROVERS,
    WRITERS,
    can_decide_quote,
    can_edit_deal,
    can_view_deal,
)
from salesweb.pipeline.services import quote_chain, quote_lines, quotes
from salesweb.pipeline.services.quote_pdf import pdf_filename, render_quote_pdf
from salesweb.pipeline.views import deal_or_404


def quote_or_404(quote_id: int) -> Quote:
    """The quote, or 404 when it does not exist or its deal is not the user's to see."""
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.is_deleted or not can_view_deal(current_user, quote.deal):
        abort(404)
    return quote


def _product_choices(quote: Quote | None) -> list[tuple[int, str]]:
    """Active products, plus inactive ones already on the quote (shown, refused on save)."""
    products = queries.active_products()
    known = {p.id for p in products}
    for line in quote.lines if quote else []:
        if line.product_id not in known:
            products.append(line.product)
            known.add(line.product_id)
    return [
        (p.id, f"{p.sku} · {p.name}" + ("" if p.active else f" ({_('inactive')})"))
        for p in products
    ]


def _quote_form(quote: Quote | None, deal: Deal) -> QuoteForm:
    """The quote form: a new quote starts from the deal's currency and the contact's language."""
    form = QuoteForm(obj=quote)
    if not form.is_submitted():
        if quote is None:
            contact = deal.contact
            form.currency.data = deal.currency
            form.language.data = (
                contact.locale if contact and contact.locale in quote_lines.LANGUAGES else "zh_CN"
            )
            form.valid_until.data = today() + timedelta(days=30)
            form.terms.data = _(
                "Prices include the tax shown. Payment within 30 days of the invoice. "
                "Delivery within four weeks of the order."
            )
        for entry, line in zip(form.lines.entries, quote.lines if quote else [], strict=False):
            entry.form.note.data = line.description
        rows = max(LINE_ROWS, len(quote.lines) + 2) if quote else LINE_ROWS
        while len(form.lines.entries) < min(rows, quote_lines.MAX_LINES):
            form.lines.append_entry()
    form.set_products(_product_choices(quote))
    return form


def _form_page(form: QuoteForm, deal: Deal, quote: Quote | None) -> Response:
    """The quote form page, or its form block for htmx; 422 when it comes back refused."""
    return render_page(
        "pipeline/quote_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        deal=deal,
        quote=quote,
        limit=quotes.discount_limit(),
    )


@bp.route("/deals/<int:deal_id>/quotes/new", methods=["GET", "POST"])
@access(*WRITERS)
def quote_create(deal_id: int):
    deal = deal_or_404(deal_id)
    if not can_edit_deal(current_user, deal):
        abort(403)
    form = _quote_form(None, deal)
    if form.validate_on_submit():
        with saving(form):
            quote = quotes.create_quote(current_user, deal, form.quote_input())
            db.session.commit()
            flash(_("Quote %(quote)s saved as a draft.", quote=quote.audit_label), "success")
            return see_other("pipeline.quote_detail", quote_id=quote.id)
    return _form_page(form, deal, None)


@bp.route("/quotes/<int:quote_id>/edit", methods=["GET", "POST"])
@access(*WRITERS)
def quote_edit(quote_id: int):
    quote = quote_or_404(quote_id)
    if not can_edit_deal(current_user, quote.deal):
        abort(403)
    refusal = quotes.change_refusal(quote)
    if refusal is not None:
        flash(refusal, "error")
        return see_other("pipeline.quote_detail", quote_id=quote.id)
    form = _quote_form(quote, quote.deal)
    if form.validate_on_submit():
        with saving(form):
            saved = quotes.change_quote(current_user, quote, form.quote_input(), form.version.data)
            db.session.commit()
            flash(_("Quote %(quote)s saved.", quote=saved.audit_label), "success")
            return see_other("pipeline.quote_detail", quote_id=saved.id)
    return _form_page(form, quote.deal, quote)


def _decision_form(quote: Quote, back: str = "quote", from_request: bool = False) -> DecisionForm:
    prefix = f"decision-{quote.id}"
    if from_request:
        return DecisionForm(prefix=prefix)
    return DecisionForm(formdata=None, prefix=prefix, version=quote.version, back=back)


def _context(quote: Quote, **extra) -> dict:
    """Everything the quote page shows."""
    latest = quotes.latest_revision(quote)
    context = {
        "quote": quote,
        "deal": quote.deal,
        "latest": latest,
        "is_latest": quote.revision == latest,
        "can_edit": can_edit_deal(current_user, quote.deal),
        "can_decide": can_decide_quote(current_user, quote),
        "decision_form": _decision_form(quote),
        "revisions": queries.quote_revisions(quote),
        "limit": quotes.discount_limit(),
        "printable": quote.status in quotes.PRINTABLE,
        "revisable": quote.status in quotes.REVISABLE,
        "action_error": None,
        "history": record_history("quotes", quote.id),
    }
    context.update(extra)
    return context


def _status_block(quote: Quote, http_status: int = 200, **extra) -> Response:
    """The quote page, or only its status block for htmx."""
    return render_page(
        "pipeline/quote_detail.html",
        block="status",
        http_status=http_status,
        **_context(quote, **extra),
    )


@bp.get("/quotes/<int:quote_id>")
@access(SIGNED_IN)
def quote_detail(quote_id: int):
    quote = quote_or_404(quote_id)
    return _status_block(quote)


def _act(
    quote_id: int, service: Callable, event: str, message: str | Callable[[Quote], str]
) -> Response:
    """Submit / sent / accepted / declined: the status block again, or a 303 to the page."""
    quote = quote_or_404(quote_id)
    if not can_edit_deal(current_user, quote.deal):
        abort(403)
    form = ActionForm()
    with saving(form):
        service(current_user, quote, form.version.data)
        db.session.commit()
        text = message(quote) if callable(message) else message
        flash(text % {"quote": quote.audit_label}, "success")
        fragment = _status_block(quote) if wants_fragment() else None
        return trigger(done("pipeline.quote_detail", fragment, quote_id=quote.id), event)
    return _status_block(quote, 422, action_error=" ".join(form.form_errors))


@bp.post("/quotes/<int:quote_id>/submit")
@access(*WRITERS)
def quote_submit(quote_id: int):
    return _act(quote_id, quotes.submit_quote, "quoteSubmitted", _("Quote %(quote)s submitted."))


@bp.post("/quotes/<int:quote_id>/sent")
@access(*WRITERS)
def quote_mark_sent(quote_id: int):
    return _act(quote_id, quotes.mark_sent, "quoteSent", _("Quote %(quote)s marked as sent."))


@bp.post("/quotes/<int:quote_id>/accepted")
@access(*WRITERS)
def quote_mark_accepted(quote_id: int):
    return _act(quote_id, quotes.mark_accepted, "quoteAccepted", _accepted_message)


def _accepted_message(quote: Quote) -> str:
    if quote_chain.takes_accepted_amount(quote.deal):
        return _(
            "Quote %(quote)s marked as accepted by the customer: its total is now the deal's amount."
        )
    return _(
        "Quote %(quote)s marked as accepted by the customer. The deal is already closed, so its "
        "amount stays as it was."
    )


@bp.post("/quotes/<int:quote_id>/declined")
@access(*WRITERS)
def quote_mark_declined(quote_id: int):
    return _act(
        quote_id,
        quotes.mark_declined,
        "quoteDeclined",
        _("Quote %(quote)s marked as declined by the customer."),
    )


@bp.get("/quotes/approvals")
@access(*QUOTE_APPROVERS)
def quote_approval_queue():
    page = paginate(queries.approval_queue_stmt(current_user))
    forms = {q.id: _decision_form(q, back="queue") for q in page.items}
    return render_page(
        "pipeline/quote_approval_queue.html",
        block="results",
        page=page,
        forms=forms,
        limit=quotes.discount_limit(),
    )


def _decide(quote_id: int, service: Callable, event: str, message: str) -> Response:
    """Approve / reject: the decision fragment (queue row or quote page), or a 303."""
    quote = quote_or_404(quote_id)
    if not can_decide_quote(current_user, quote):
        abort(403)
    form = _decision_form(quote, from_request=True)
    if form.validate_on_submit():
        with saving(form):
            service(current_user, quote, form.comment.data or "", form.version.data)
            db.session.commit()
            flash(message % {"quote": quote.audit_label}, "success")
            return trigger(_decided(quote, form), event)
    if wants_fragment():
        return render_page(
            "pipeline/_quote_decision.html",
            http_status=form_status(form),
            quote=quote,
            form=form,
            can_decide=True,
        )
    return _status_block(quote, form_status(form), decision_form=form)


def _decided(quote: Quote, form: DecisionForm) -> Response:
    """After a decision: the decided fragment for htmx, else back where the manager decided."""
    fragment = None
    if wants_fragment():
        fragment = render_page(
            "pipeline/_quote_decision.html", quote=quote, form=form, can_decide=False
        )
    if form.back.data == "queue":
        return done("pipeline.quote_approval_queue", fragment)
    return done("pipeline.quote_detail", fragment, quote_id=quote.id)


@bp.post("/quotes/<int:quote_id>/approve")
@access(*QUOTE_APPROVERS)
def quote_approve(quote_id: int):
    return _decide(quote_id, quotes.approve_quote, "quoteApproved", _("Quote %(quote)s approved."))


@bp.post("/quotes/<int:quote_id>/reject")
@access(*QUOTE_APPROVERS)
def quote_reject(quote_id: int):
    return _decide(quote_id, quotes.reject_quote, "quoteRejected", _("Quote %(quote)s rejected."))


@bp.get("/quotes/<int:quote_id>/pdf")
@access(SIGNED_IN)
def quote_pdf(quote_id: int):
    quote = quote_or_404(quote_id)
    if quote.status not in quotes.PRINTABLE:
        return error_response(422, _("Only an approved quote can be downloaded as a PDF."))
    response = Response(render_quote_pdf(quote), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{pdf_filename(quote)}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
