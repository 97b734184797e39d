"""Domain errors and the error pages, as a page or as an htmx fragment."""

from __future__ import annotations

from flask import Flask, Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from salesweb.core.htmx import render_page
from salesweb.extensions import db, htmx


class DomainError(Exception):
    """A business rule refused the action; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    """Somebody else changed the record since the form was opened."""


TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Not allowed"),
    409: _l("Changed by someone else"),
    413: _l("Too large"),
    422: _l("Cannot be processed"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Unavailable"),
}

MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have permission to do this."),
    404: _l("There is nothing here, or you cannot see it."),
    405: _l("This address does not accept that kind of request."),
    409: _l(
        "Someone else changed this record while you were editing. Reload to see the current version."
    ),
    413: _l("The upload is larger than allowed."),
    422: _l("The request could not be processed."),
    429: _l("Too many requests. Please wait a minute and try again."),
    500: _l("An unexpected error happened. It has been logged; please try again."),
    503: _l("The service is unavailable right now."),
}


def error_response(status: int, message: str | None = None) -> Response:
    """The error page, or for htmx a fragment shown in the toast region."""
    response = render_page(
        "errors/error.html",
        block="error",
        http_status=status,
        code=status,
        title=TITLES.get(status, TITLES[500]),
        message=message or MESSAGES.get(status, MESSAGES[500]),
    )
    if htmx:
        response.headers["HX-Retarget"] = "#toasts"
        response.headers["HX-Reswap"] = "beforeend"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 500
        return error_response(code)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(
            400, _("The form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(StaleDataError)
    def stale(exc: StaleDataError) -> Response:
        db.session.rollback()
        return error_response(409)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("Unhandled error")
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise exc
        return error_response(500)


def put_on_form(form, exc: DomainError) -> None:
    """Show a service's refusal next to the field it concerns (or above the form).

    A form whose inputs are not all its attributes (rows of a FieldList) finds the field
    itself: `form.field_for(name)`, None for "above the form".
    """
    find = getattr(form, "field_for", None) or (lambda name: getattr(form, name, None))
    field = find(exc.field) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
