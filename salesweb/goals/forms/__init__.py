"""The goals area's forms, one module per subject."""
