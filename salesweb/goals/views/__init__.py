"""The goals area's pages, one module per subject."""

from salesweb.goals.views import forecast  # noqa: E402,F401
