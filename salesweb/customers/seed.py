"""Demo accounts, contacts, interactions, tasks and orders (filled in by the demo seeder)."""
