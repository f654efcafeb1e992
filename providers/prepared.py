"""What a provider's validation of a message prepared, kept for the send of that very message.

A send checks each batch's message before its request (``tui.sending``), and may do so while the
previous batch's request is in flight, when the process would otherwise wait: the provider's
``validate_sms`` then builds the request it checked (form fields, an XML document) and keeps it
here, and ``send_sms`` of the same message object takes it instead of building it again. Only
the very same object matches (a message is immutable), and only once: a request retried after
a rate limit is built anew.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class LastPrepared(Generic[T]):
    """The request prepared for the last message validated, taken at most once."""

    __slots__ = ("_message", "_prepared")

    def __init__(self) -> None:
        self._message: object | None = None
        self._prepared: T | None = None

    def keep(self, message: object, prepared: T) -> T:
        self._message, self._prepared = message, prepared
        return prepared

    def take(self, message: object) -> T | None:
        """What was prepared for ``message`` itself (not an equal one), if anything; forgotten."""
        if self._message is not message:
            return None
        prepared = self._prepared
        self._message = self._prepared = None
        return prepared
