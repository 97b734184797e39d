"""The goals area's pages, one module per subject."""
