"""Power budgets on the simulator, baselines for comparison, the PPK2 harness (issue 6)."""
