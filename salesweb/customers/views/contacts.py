"""Views: contacts."""
