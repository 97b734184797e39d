"""Rendering for htmx: a full page, or only the named block for a partial htmx request."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, redirect, render_template, url_for
from jinja2_fragments.flask import render_block

from salesweb.extensions import htmx

VARY = ("HX-Request", "HX-Boosted", "HX-History-Restore-Request")


def wants_fragment() -> bool:
    """True for an htmx request that will swap part of a page (not boosted, not history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    template: str, block: str | None = None, http_status: int = 200, **ctx: Any
) -> Response:
    """Render the whole page, or only `block` when the caller swaps a fragment."""
    if block and wants_fragment():
        body = render_block(template, block, **ctx)
    else:
        body = render_template(template, **ctx)
    response = make_response(body, http_status)
    response.vary.update(VARY)
    return response


def trigger(response: Response, *events: str, **detailed: Any) -> Response:
    """Add HX-Trigger events (past-tense camelCase names) to a response, merging existing ones."""
    existing = response.headers.get("HX-Trigger")
    payload: dict[str, Any] = json.loads(existing) if existing else {}
    for name in events:
        payload.setdefault(name, True)
    payload.update(detailed)
    response.headers["HX-Trigger"] = json.dumps(payload, ensure_ascii=False)
    return response


def see_other(endpoint: str, **values: Any) -> Response:
    """The answer of an action to a caller without htmx: 303 to the page that shows the result."""
    return redirect(url_for(endpoint, **values), code=303)


def done(endpoint: str, fragment: Response | None = None, **values: Any) -> Response:
    """After a successful action: the fragment for htmx, a 303 to the page for everyone else."""
    if fragment is not None and htmx:
        return fragment
    response = see_other(endpoint, **values)
    if htmx:
        # A plain htmx form post: follow the redirect on the client as a normal navigation.
        response = make_response("", 204)
        response.headers["HX-Location"] = url_for(endpoint, **values)
    return response
