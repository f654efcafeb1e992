"""Blacklists, replies and number look-ups: tabs of the Templates screen (F4)."""
