"""The goals area's tables: targets with their versions, forecast submissions."""

from salesweb.goals.models import forecast  # noqa: E402,F401
from salesweb.goals.models.target import (  # noqa: E402,F401
    Measure,
    Target,
    TargetRevision,
)
