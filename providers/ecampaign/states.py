"""eCampaign delivery-state codes (annex "États de remise") mapped to ``DeliveryState``.

The same codes arrive in the asynchronous state callback (``<state>``) and in getCDR
(``<status_id>``). The provider's code always travels alongside the normalised state, so the
choices below decide what the operator sees at a glance, never what is kept.

Choices the annex leaves open, decided with "a final state never goes back" in mind
(``models.FINAL_STATES``: a temporary condition must not be final, or the real outcome that
follows it would be ignored):

* 7 "operator unavailable" is a temporary network condition after which the platform still
  reports the outcome (4 or 8-10): QUEUED, not final.
* 44 "destination network saturated" ends that call attempt as surely as 43 "busy" does, and
  43 is final (BUSY), so 44 is FAILED; a later retry's outcome is final too and may replace it.
* 45 "answering machine detected, call hung up": the machine answered and nothing was left on
  it, so no one heard the message: NO_ANSWER, not VOICEMAIL (13 is the code for a message
  actually recorded on the machine).
* 46 "human detected, call hung up": a person did pick up (the campaign was set to leave
  messages on machines only): ANSWERED, and the description says the message was not played.
* 51 "temporary problem" (mail soft bounce) is retried by the platform: QUEUED.
* 52 "auto-reply received" proves the mail reached a mailbox: DELIVERED.
* 53 "complaint received" (marked as spam) obliges the sender to stop mailing the address,
  which is the consequence of an unsubscription: UNSUBSCRIBED. Mail engagement states (OPENED,
  CLICKED, UNSUBSCRIBED) are not final: they follow a delivery rather than replace it.
* 64 "Remise partielle ou impossible" (fax, partial or impossible delivery) is final and FAILED:
  a fax that arrived only in part did not carry its message.
* Any number not in the annex is UNKNOWN: guessing a meaning for an undocumented code could
  hide a failure.
"""

from __future__ import annotations

from collections.abc import Mapping

from providers.models import DeliveryState

ALL = "all"
SMS = "sms"
VOICE = "voice"
MAIL = "mail"
FAX = "fax"

#: Channel names as eCampaign and porte-voix spell them, mapped to the annex's channel groups.
#: getCDR reports voice messages to landlines as "vsms" ("SMS vocal"): they are calls.
_CHANNEL_ALIASES: Mapping[str, str] = {
    "sms": SMS,
    "vsms": VOICE,
    "voice": VOICE,
    "call": VOICE,
    "calls": VOICE,
    "mail": MAIL,
    "email": MAIL,
    "e-mail": MAIL,
    "fax": FAX,
}

_CHANNEL_WORDS: Mapping[str, str] = {ALL: "all", VOICE: "calls", MAIL: "e-mail", FAX: "fax"}

#: code -> (state, English description, annex channel group)
STATE_CODES: Mapping[int, tuple[DeliveryState, str, str]] = {
    1: (DeliveryState.SENT, "message handed to the operator", ALL),
    2: (DeliveryState.QUEUED, "message waiting for delivery on the network", ALL),
    3: (DeliveryState.QUEUED, "message waiting for delivery on the network", ALL),
    4: (DeliveryState.DELIVERED, "message delivered to the recipient", ALL),
    7: (
        DeliveryState.QUEUED,
        "operator unavailable (temporary; the final outcome is reported later)",
        ALL,
    ),
    8: (DeliveryState.FAILED, "delivery impossible", ALL),
    9: (DeliveryState.FAILED, "delivery impossible", ALL),
    10: (DeliveryState.FAILED, "delivery impossible", ALL),
    11: (DeliveryState.ANSWERED, "call answered", VOICE),
    12: (DeliveryState.ANSWERED, "call answered; introduction: no choice made", VOICE),
    13: (DeliveryState.VOICEMAIL, "answering machine: message recorded", VOICE),
    14: (DeliveryState.ANSWERED, "call answered; started listening to the message", VOICE),
    15: (DeliveryState.ANSWERED, "call answered; message deleted", VOICE),
    16: (DeliveryState.ANSWERED, "call answered; message listened to", VOICE),
    17: (DeliveryState.ANSWERED, "call answered; no answer to the question", VOICE),
    **{
        20 + choice: (DeliveryState.ANSWERED, f"call answered; choice {choice}", VOICE)
        for choice in range(10)
    },
    40: (DeliveryState.FAILED, "line out of service", VOICE),
    41: (DeliveryState.FAILED, "line out of service", VOICE),
    42: (DeliveryState.NO_ANSWER, "call not answered", VOICE),
    43: (DeliveryState.BUSY, "line busy", VOICE),
    44: (DeliveryState.FAILED, "destination network saturated", VOICE),
    45: (
        DeliveryState.NO_ANSWER,
        "answering machine detected; call hung up without leaving the message",
        VOICE,
    ),
    46: (
        DeliveryState.ANSWERED,
        "a person answered; call hung up as set (machines only), message not played",
        VOICE,
    ),
    50: (DeliveryState.FAILED, "e-mail delivery impossible", MAIL),
    51: (DeliveryState.QUEUED, "e-mail: temporary problem, delivery will be retried", MAIL),
    52: (DeliveryState.DELIVERED, "e-mail delivered: automatic reply received", MAIL),
    53: (
        DeliveryState.UNSUBSCRIBED,
        "e-mail complaint received (marked as spam); do not mail this address again",
        MAIL,
    ),
    54: (DeliveryState.SENT, "e-mail sent", MAIL),
    55: (DeliveryState.FAILED, "e-mail sending error", MAIL),
    56: (DeliveryState.OPENED, "e-mail delivered and opened (read / images loaded)", MAIL),
    57: (DeliveryState.UNSUBSCRIBED, "e-mail: unsubscription requested", MAIL),
    58: (DeliveryState.CLICKED, "e-mail: link clicked", MAIL),
    59: (DeliveryState.CLICKED, "e-mail: web (mirror) version clicked", MAIL),
    60: (DeliveryState.FAILED, "fax delivery impossible", FAX),
    61: (DeliveryState.FAILED, "fax delivery impossible", FAX),
    62: (DeliveryState.BUSY, "fax line busy", FAX),
    63: (DeliveryState.NO_ANSWER, "fax not answered", FAX),
    64: (DeliveryState.FAILED, "fax delivered only in part, or not at all", FAX),
}

_MAX_CODE_DIGITS = 3


def channel_group(channel: str | None) -> str | None:
    """The annex's channel group (sms, voice, mail, fax) for an eCampaign channel name."""
    if channel is None:
        return None
    return _CHANNEL_ALIASES.get(channel.strip().lower())


def delivery_state(code: str, channel: str | None = None) -> tuple[DeliveryState, str]:
    """Normalised state and English description of an eCampaign state code.

    Never raises: a code that is not a number of the annex gives ``UNKNOWN``. When ``channel``
    is given and the annex documents the code for another channel, the state is kept and the
    description says so, since it hints at a mix-up worth showing rather than hiding.
    """
    text = code.strip() if isinstance(code, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_CODE_DIGITS:
        shown = text if len(text) <= 16 else text[:16] + "…"
        return DeliveryState.UNKNOWN, f"unknown state code {shown!r}"
    number = int(text)
    entry = STATE_CODES.get(number)
    if entry is None:
        return DeliveryState.UNKNOWN, f"unknown state code {number}"
    state, description, group = entry
    given = channel_group(channel)
    if given is not None and group not in (ALL, given):
        description = f"{description} (code documented for {_CHANNEL_WORDS[group]}, not {given})"
    return state, description


def describe_delivery(code: str) -> str:
    """A delivery-state code in English (``ProviderInfo.describe_delivery``): the annex's
    meaning, the same in callbacks and getCDR. Never raises."""
    return delivery_state(code)[1]
