"""The goals area's pages, one module per subject."""

from salesweb.goals.views import forecast, panels, targets  # noqa: E402,F401
