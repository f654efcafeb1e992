"""Resend to the undelivered: a new Compose holding a send's message and the numbers it did not
reach (refused, never sent, or reported not delivered).

Nothing is sent from here: the composer opens filled in (``ComposeForm.preset_message``, on the
send's account, made the console's current one), and the operator sends it like any other
message, through the same confirmation, sending hours, opt-out list and duplicate guard. A
number whose outcome is unknown is not among them: it may have received the message. Nor is
the send's eCampaign group: its members had their chance with the first request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from providers.models import Channel
from screens.compose.form import ComposeForm
from screens.host import HostApp


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
    stored = store.message_of(reference, states=())
    message = replace(stored, recipients=tuple(numbers), group=None)
    await app.switch_mode("voice" if send.channel is Channel.VOICE else "sms")
    screen = app.screen
    if not isinstance(screen, ComposeForm):  # pragma: no cover - both modes are composers
        return False
    await screen.preset_message(send.account, message)
    app.notify(
        f"Compose holds {len(numbers)} undelivered number(s) of {reference} and its message: "
        "check it, then send it (ctrl+g). The sending hours, the opt-out list and the "
        "duplicate guard apply as for any send.",
        title="Resend to the undelivered",
        markup=False,
        timeout=12,
    )
    return True
