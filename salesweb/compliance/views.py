"""Compliance views."""
