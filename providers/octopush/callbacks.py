"""Octopush callbacks: the historic API's specification documents none.

A request that claims to be an Octopush callback is refused rather than guessed at: its fields
would have no documented meaning.
"""

from __future__ import annotations

from providers.base import CallbackRequest
from providers.errors import CallbackError
from providers.models import CallbackItem
from providers.octopush.codes import KIND


def describe_delivery(code: str) -> str:
    """``ProviderInfo.describe_delivery``: Octopush never reports a delivery to porte-voix."""
    return "Octopush's historic API sends porte-voix no delivery reports"


def parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    """The provider's entry for ``providers.callbacks``: always refuses."""
    raise CallbackError(f"{KIND}: this API documents no callback")
