"""Amounts and counts read from provider replies, as ``Decimal``.

Every provider writes numbers its own way: JSON numbers (read with ``parse_float=Decimal``),
integers, or text such as ``"12.5"``, ``"7,20"`` or ``"1 234.50"``. One reader serves them all,
so that a balance never depends on which provider wrote it.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

#: Spaces that group thousands: ASCII, no-break (U+00A0) and narrow no-break (U+202F).
_GROUP_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")
#: Beyond 10^18 (or below 10^-18) a figure is no credit or price: refusing it also keeps a
#: hostile exponent (1e99999999) from making a later ``int()`` take ages.
MAX_EXPONENT = 18


def to_decimal(value: object) -> Decimal | None:
    """``value`` as a finite ``Decimal``, or ``None`` when it is not a plain amount.

    Accepted: a ``Decimal``, an ``int``, a ``float`` (by its shortest text, so 0.1 is 0.1) or
    text, stripped, with spaces grouping thousands removed and a decimal comma read as a point.
    ``None``, booleans (JSON ``true`` is not 1 credit), empty or unreadable text, NaN,
    infinities and non-zero magnitudes beyond ``MAX_EXPONENT`` give ``None``: the caller
    decides whether a missing amount is an error.
    """
    if value is None or isinstance(value, bool):
        return None
    if not isinstance(value, Decimal | int | float | str):
        return None
    text = str(value).strip().translate(_GROUP_SEPARATORS).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or (number and abs(number.adjusted()) > MAX_EXPONENT):
        return None
    return number
