"""Views: imports."""
