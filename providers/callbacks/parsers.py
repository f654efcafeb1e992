"""The callback parsers' former home, kept only for its last importers.

The parsers now live in each provider package (``providers.<kind>.callbacks``) and the
dispatch in ``providers.callbacks``: import from there. Remove this module once
``tui.receiver`` imports ``providers.callbacks``.
"""

from __future__ import annotations

from providers.callbacks import parse_callback, parse_callback_items
from providers.models import CallbackItem, ImportReport

__all__ = ["CallbackItem", "ImportReport", "parse_callback", "parse_callback_items"]
