"""The goals area's use cases, one module per subject (targets; forecasts)."""
