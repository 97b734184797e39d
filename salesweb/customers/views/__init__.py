"""The customers area's views, one module per subject."""


def register_views() -> None:
    # Importing a module registers its routes on the blueprint.
    from salesweb.customers.views import accounts, contacts, interactions, orders, pool, tasks  # noqa: F401
