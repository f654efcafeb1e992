"""How many SMS a text takes on the network, for the simulated platforms' counts and prices.

Written for the sandboxes from the network standard (3GPP TS 23.038 alphabet, TS 23.040
concatenation), not taken from ``providers.text``: the client's counter is one of the things
the sandboxes exist to check.

A text made only of GSM-7 characters travels in septets (an extension character takes two):
160 in one SMS, 153 per part once split. Any other character makes the whole text UCS-2: 70
UTF-16 units in one SMS, 67 per part (a character outside the BMP takes two units). A handset
cannot rebuild a character cut between two parts, so parts are filled greedily and a
two-unit character that does not fit starts the next part.
"""

from __future__ import annotations

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def sms_parts(text: str) -> int:
    """The number of SMS ``text`` takes (0 for an empty text)."""
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
        single, part = UCS2_SINGLE, UCS2_PART
    total = sum(sizes)
    if total <= single:
        return 1 if sizes else 0
    parts, used = 1, 0
    for size in sizes:
        if used + size > part:
            parts += 1
            used = 0
        used += size
    return parts
