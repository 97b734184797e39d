"""Views: orders."""
