"""Forms of the goals area, one module per subject: shape only, rules come from services."""
