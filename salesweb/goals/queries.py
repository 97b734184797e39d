"""Read-only queries of the goals area: attainment from the records, forecast sums."""
