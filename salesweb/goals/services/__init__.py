"""Use cases of the goals area; services flush and never commit."""
