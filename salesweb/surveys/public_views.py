"""Public survey pages, answered through an invitation link without an account."""
