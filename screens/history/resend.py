"""Resend to the undelivered: a new Compose holding a send's message and the numbers it did not
reach (refused, never sent, or reported not delivered).

Nothing is sent from here: the composer opens filled in, and the operator sends it like any
other message, through the same confirmation, opt-out list and duplicate guard. A number whose
outcome is unknown is not among them: it may have received the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual.screen import Screen
from textual.widgets import Input, TextArea

from providers.models import Channel, Message, SmsMessage
from screens.host import HostApp
from screens.widgets.recipients import RecipientsField


async def open_compose(app: HostApp, reference: str, numbers: Sequence[str]) -> bool:
    """Switch to the composer of the send's channel, filled in; False when it cannot be."""
    store = app.session.store
    send = store.get_send(reference)
    if send is None or not numbers:
        return False
    if send.account not in app.session.accounts:
        app.notify(
            f"{send.account} is no longer an account here: add it (F8) to resend.",
            severity="warning",
            markup=False,
        )
        return False
    message = replace(store.message_of(reference, states=()), recipients=tuple(numbers))
    await app.switch_mode("voice" if send.channel is Channel.VOICE else "sms")
    screen = app.screen
    preset = getattr(screen, "preset_message", None)
    if preset is not None:
        preset(send.account, message)
    else:
        _fill(app, screen, send.account, message)
    app.notify(
        f"Compose holds {len(numbers)} undelivered number(s) of {reference} and its message: "
        "check it, then send it (ctrl+g). The opt-out list and the duplicate guard apply as "
        "for any send.",
        title="Resend to the undelivered",
        markup=False,
        timeout=12,
    )
    return True


def _fill(app: HostApp, screen: Screen[object], account: str, message: Message) -> None:
    """What the composers show, filled through their public fields."""
    app.current_account = account
    preset_template = getattr(screen, "preset_template", None)
    if message.template_id and preset_template is not None:
        preset_template(account, message.template_id)
    screen.query_one(RecipientsField).set_numbers(list(message.recipients))
    if isinstance(message, SmsMessage):
        if not message.template_id:
            screen.query_one("#sms-text", TextArea).load_text(message.text)
        return
    if message.tts:
        screen.query_one("#tts", TextArea).load_text(message.tts)
    if message.voice_msg:
        screen.query_one("#voice-msg", Input).value = message.voice_msg
