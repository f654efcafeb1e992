"""The console's side of the rules (``tui.compliance``): before the confirmation of a send.

``within_rules`` is called by the composers once the messages are built and validated:

* a commercial send (an SMS on the marketing route, or a message marked promotional with the
  composer's ``#promotional`` checkbox) outside the French sending hours is refused in a
  dialog naming the rule, why, and the next allowed time; ``s`` (or its button) schedules the
  send there, and the confirmation follows; Escape sends nothing. Where the provider cannot
  schedule this kind of message (``hours.schedulable``: CapitoleMobile's voice API has no date
  field), nothing is offered but to cancel: the dialog says the send must wait for that time;
* a send whose every number is on the opt-out list is refused before any question.

``optout_lines`` gives the confirmation its line: how many numbers the opt-out list leaves out
(the send path leaves them out whatever the screen does), and ``optout_notes`` the result's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.markup import escape
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Checkbox

from providers.base import Provider, provider_info
from providers.errors import InputError
from providers.models import SmsMessage, VoiceMessage
from screens.dialogs.common import ConfirmDialog
from tui.compliance import hours
from tui.compliance.optout import opted_out_in
from tui.compliance.settings import load_settings
from tui.errors import describe_text
from tui.sending import validate_all

if TYPE_CHECKING:
    from tui.outbox.store import Store
    from tui.sending import Delivery

M = TypeVar("M", SmsMessage, VoiceMessage)
SCHEDULE = "schedule-allowed"
SHOWN = 5


class HoursDialog(ConfirmDialog):
    """A commercial send outside its hours: why, and the next allowed time; ``s`` schedules
    it there when the provider can schedule this message (``can_schedule``), otherwise the
    dialog says it must wait and offers nothing but to cancel."""

    BINDINGS = [
        Binding("s", "schedule", "Schedule at the next allowed time", id="hours.schedule"),
    ]

    def __init__(self, verdict: hours.HoursCheck, *, can_schedule: bool = True) -> None:
        rule = hours.RULES[verdict.purpose]
        when = verdict.next_allowed
        lines = [
            ("Rule", f"{verdict.purpose}: {rule.text} ({rule.basis})"),
            ("Why not", verdict.reason or ""),
            ("Places", ", ".join(place.name for place in verdict.places)),
            (
                "Next allowed",
                f"{hours.paris_text(when)} (Paris)" if when else "none within a month",
            ),
        ]
        offered = when is not None and can_schedule
        buttons = (
            [(SCHEDULE, f"Schedule at {hours.paris_text(when)} (s)", "primary")]
            if offered and when is not None
            else []
        )
        if when is None:
            warning = "These recipients share no allowed hour: send to each place apart."
        elif can_schedule:
            warning = "Notifications are not restricted; a commercial message waits for its hours."
        else:
            # Offering a schedule the provider then refuses would only end in another refusal.
            warning = (
                "This provider cannot schedule this message: it must wait until "
                f"{hours.paris_text(when)} (Paris) to be sent. It can only be cancelled now."
            )
        super().__init__("Outside the sending hours: not sent", lines, buttons, warning=warning)
        self.verdict = verdict
        self.can_schedule = offered

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden from the footer, and inert, when there is nothing to schedule.
        if action == "schedule":
            return self.can_schedule
        return True

    def action_schedule(self) -> None:
        if self.can_schedule:
            self.dismiss(SCHEDULE)


def marked_promotional(screen: Screen[Any]) -> bool:
    """Whether the composer's ``#promotional`` checkbox is ticked (absent: not promotional)."""
    return any(
        box.value and not box.disabled for box in screen.query("#promotional").results(Checkbox)
    )


async def within_rules(
    screen: Screen[Any], store: Store, provider: Provider, messages: list[M]
) -> list[M] | None:
    """The messages to confirm (scheduled at the next allowed time when the operator chose
    it), or None when nothing may go now (the operator was told why)."""
    settings = await asyncio.to_thread(load_settings)
    verdict = hours.check_messages(
        messages,
        promotional=marked_promotional(screen),
        alsace_moselle=settings.alsace_moselle,
    )
    if not verdict.allowed:
        can_schedule = hours.schedulable(provider_info(provider.kind), messages)
        choice = await screen.app.push_screen_wait(HoursDialog(verdict, can_schedule=can_schedule))
        if choice != SCHEDULE or verdict.next_allowed is None:
            return None
        moved = hours.scheduled_at(messages, verdict.next_allowed)
        try:
            await validate_all(provider, moved)
        except InputError as exc:  # e.g. a provider that cannot schedule this kind of message
            screen.notify(escape(describe_text(exc)), title="Not sent", severity="error")
            return None
        messages = moved
    listed = await asyncio.to_thread(opted_out_in, store, messages)
    everyone = {number for message in messages for number in message.recipients}
    if listed and len(listed) == len(everyone) and not any(m.group for m in messages):
        screen.notify(
            f"Every recipient ({len(listed)}) is on the opt-out list: nothing to send.",
            title="Not sent",
            severity="error",
        )
        return None
    return messages


async def message_within_rules(
    screen: Screen[Any], store: Store, provider: Provider, message: SmsMessage | VoiceMessage
) -> SmsMessage | VoiceMessage | None:
    """``within_rules`` for one message of either kind (a knowing resend's)."""
    if isinstance(message, SmsMessage):
        sms = await within_rules(screen, store, provider, [message])
        return sms[0] if sms else None
    voice = await within_rules(screen, store, provider, [message])
    return voice[0] if voice else None


def optout_lines(
    store: Store, messages: Sequence[SmsMessage | VoiceMessage]
) -> list[tuple[str, str]]:
    """The confirmation's line: the numbers the opt-out list leaves out of this send."""
    listed = opted_out_in(store, messages)
    if not listed:
        return []
    shown = ", ".join(listed[:SHOWN]) + (
        f" and {len(listed) - SHOWN} more" if len(listed) > SHOWN else ""
    )
    return [("Opted out", f"{len(listed)} left out (on the opt-out list): {shown}")]


def optout_notes(delivery: Delivery) -> list[str]:
    """The result's note naming the numbers the send left out."""
    numbers = [
        *delivery.opted_out,
        *(n for outcome in delivery.outcomes for n in outcome.opted_out),
    ]
    if not numbers:
        return []
    shown = ", ".join(numbers[:SHOWN]) + (
        f" and {len(numbers) - SHOWN} more" if len(numbers) > SHOWN else ""
    )
    return [f"{len(numbers)} number(s) left out, on the opt-out list (status opted_out): {shown}"]
