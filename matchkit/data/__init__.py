"""Data containers and the sample builder (design.md §2: interactions table -> samples)."""
