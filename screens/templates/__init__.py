"""Templates (F4): provider templates, and in their own tabs blacklists, replies and look-ups."""
