"""CapitoleMobile: SMS and voice messages (two platforms, two balances)."""

from providers.capitole.provider import INFO, CapitoleProvider

__all__ = ["INFO", "CapitoleProvider"]
