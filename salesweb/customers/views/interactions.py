"""Views: interactions."""
