"""A send's stored error read back as a name (``sends show --json``): names everywhere, the
provider's code in its own field (issue 9, item 11)."""

from __future__ import annotations

import pytest

from tui.errors import stored_code_name


@pytest.mark.parametrize(
    ("code", "unknown", "name"),
    [
        ("BAD_URL", False, "configuration"),
        ("CONNECTION_FAILED", False, "connection"),
        ("NO_ANSWER", False, "connection"),
        ("RATE_LIMITED", False, "rate_limited"),
        ("HTTP 429", False, "rate_limited"),
        ("UNKNOWN", False, "unknown_outcome"),
        ("BAD_REPLY", True, "unknown_outcome"),
        ("3", False, "provider"),
        ("INVALID_VOICE_MSG", False, "provider"),
    ],
)
def test_a_stored_code_reads_back_as_a_name(code: str, unknown: bool, name: str) -> None:
    assert stored_code_name(code, unknown) == name
