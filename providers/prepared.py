"""What a provider's validation of a message prepared, kept for the send of that very message.

A send checks each batch's message before its request (``tui.sending``), and may do so while the
previous batch's request is in flight, when the process would otherwise wait: the provider's
``validate_sms`` then builds the request it checked, down to the bytes of its body (Octopush's
form fields, CapitoleMobile's and eCampaign's XML document in its form), and keeps it here, and
``send_sms`` of the same message object takes it instead of building it again. Only
the very same object matches (a message is immutable), in the thread that prepared it (an lxml
document is not handed from thread to thread), and only once: a request retried after a rate
limit is built anew.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class LastPrepared(Generic[T]):
    """The request prepared for the last message validated, taken at most once."""

    __slots__ = ("_message", "_prepared", "_thread")

    def __init__(self) -> None:
        self._message: object | None = None
        self._prepared: T | None = None
        self._thread = 0

    def keep(self, message: object, prepared: T) -> T:
        self._message, self._prepared = message, prepared
        self._thread = threading.get_ident()
        return prepared

    def take(self, message: object) -> T | None:
        """What this thread prepared for ``message`` itself (not an equal one), if anything;
        forgotten either way."""
        found = self._message is message and self._thread == threading.get_ident()
        prepared = self._prepared if found else None
        if self._message is message:
            self._message = self._prepared = None
        return prepared
