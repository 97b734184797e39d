"""Views: accounts."""
