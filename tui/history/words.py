"""A history row put into words the same way on screen, in the CLI and in exports."""

from __future__ import annotations

import functools

from providers.base import PROVIDER_KINDS, provider_info
from tui.errors import visible


@functools.lru_cache(maxsize=4096)
def code_meaning(provider: str, code: str | None) -> str:
    """``"4: message delivered to the recipient"``: a delivery code with its meaning ("" when
    there is no code). Provider text: shown with its control characters made visible."""
    if not code:
        return ""
    if provider not in PROVIDER_KINDS:
        return visible(code)
    return visible(provider_info(provider).describe_code(code))


def outside(text: str | None) -> str:
    """Text that came from outside (a provider's reply, an error it gave), safe to print."""
    if not text:
        return ""
    return text if text.isprintable() else visible(text)
