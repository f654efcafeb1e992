"""Credits (F5): every account's balances, their thresholds and history."""
