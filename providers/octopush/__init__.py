"""Octopush (historic API): SMS."""

from providers.octopush.provider import INFO, OctopushProvider

__all__ = ["INFO", "OctopushProvider"]
