"""Incoming provider callbacks: shared input reading and per-provider parsers."""
