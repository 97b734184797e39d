"""Views: pool."""
