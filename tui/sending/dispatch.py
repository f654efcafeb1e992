"""The one place that tells an SMS from a voice message when talking to a provider."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence

from providers.base import Provider
from providers.models import Message, SendReceipt, SmsMessage, VoiceMessage
from tui.sending.recipients import StagedNumbers


def validate(provider: Provider, message: Message) -> None:
    """The provider's local checks (``InputError`` naming what is wrong); nothing is sent.

    Staged numbers (``tui.sending.recipients``) were parsed at the edge, hold no duplicate, and
    are ``phone.Number`` objects, on which a provider's rules decide by the number's kind alone
    (country code and line type): the message is checked with the first number of each kind,
    in the order given (so a refusal names the first number refused), never with the whole
    list. They are checked once: checked again by the same provider for the same message (the
    command line, then the send), they pass at once."""
    numbers = message.recipients
    if isinstance(numbers, StagedNumbers) and numbers:
        bare = dataclasses.replace(message, recipients=())
        if numbers.checked is not None and numbers.checked == (provider, bare):
            return
        _validate(provider, dataclasses.replace(message, recipients=numbers.representatives()))
        numbers.checked = (provider, bare)
        return
    _validate(provider, message)


def _validate(provider: Provider, message: Message) -> None:
    if isinstance(message, SmsMessage):
        provider.validate_sms(message)
    elif isinstance(message, VoiceMessage):
        provider.validate_voice(message)
    else:
        raise TypeError(f"cannot send a {type(message).__name__}")


async def validate_all(provider: Provider, messages: Sequence[Message]) -> None:
    """``validate`` each message off the event loop: 10 000 numbers take a moment to check."""
    for message in messages:
        await asyncio.to_thread(validate, provider, message)


async def request(provider: Provider, message: Message, dry_run: bool) -> SendReceipt:
    """The provider's send call for this kind of message."""
    if isinstance(message, SmsMessage):
        return await provider.send_sms(message, dry_run=dry_run)
    return await provider.send_voice(message, dry_run=dry_run)
