"""Survey staff views."""
