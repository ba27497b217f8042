"""The time-lapse firmware: one wake cycle, one module per concern."""
