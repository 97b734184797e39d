"""Views: exports."""
