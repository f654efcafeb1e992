"""The last line of defence at every provider's boundary: no secret, no stray exception.

Provider replies are copied into errors (``ProviderError.original``) so the operator sees what
the provider said; a reply can echo the request (a pre-production echo, a proxy's error page, a
redirect), and with it the password or API key, raw or encoded. ``guard_provider`` wraps every
public coroutine of a provider class so that:

* every ``ProviderError`` leaving it has the account's secret scrubbed from its texts, in every
  form it may travel in (raw, URL-encoded, HTML/XML-escaped, JSON-escaped, MD5);
* so has every ``SendReceipt`` it returns (warnings, per-recipient errors, a dry run's echo):
  they are shown, journalled and printed in ``--json``;
* any other exception raised by a garbled reply (``ValueError``, ``OverflowError``,
  ``RecursionError``...) becomes a ``ProviderError``, or an ``OutcomeUnknownError`` for an
  operation with an effect, since its request may have been processed.

``InputError`` (local validation) and cancellation pass through untouched.

This module is the one scrubber: providers call ``scrub`` (or ``excerpt``, which scrubs a reply
*before* cutting it, so that a secret straddling the cut cannot survive in part) rather than
keeping rules of their own.
"""

from __future__ import annotations

import functools
import hashlib
import html
import inspect
import json
import re
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import RecipientResult, SendReceipt

MASK = "***"
#: Shorter secrets would blank ordinary words; their element or field is blanked instead.
MIN_SCRUBBED_LENGTH = 4
#: Characters of a reply kept in an error (``excerpt``): enough to recognise a page or a message.
EXCERPT_CHARS = 300
#: Method name prefixes of operations that change something at the provider.
EFFECTFUL_PREFIXES = (
    "send_",
    "cancel_",
    "del_",
    "mod_",
    "add_",
    "push_",
    "empty_",
    "import_",
    "rename_",
)

C = TypeVar("C", bound=type)


def secret_forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in a reply that echoes our request."""
    if len(secret) < MIN_SCRUBBED_LENGTH:
        return set()
    forms = {
        secret,
        html.escape(secret, quote=False),
        html.escape(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
        hashlib.md5(secret.encode("utf-8")).hexdigest(),
    }
    for encoding in ("iso-8859-15", "utf-8"):
        try:
            forms.add(urllib.parse.quote_plus(secret, encoding=encoding))
            forms.add(urllib.parse.quote(secret, safe="", encoding=encoding))
        except UnicodeEncodeError:
            continue
    return {form for form in forms if form}


def scrub(text: str, secret: str, *, elements: Iterable[str] = ()) -> str:
    """``text`` without ``secret`` in any of its forms (``secret_forms``).

    ``elements`` names XML elements whose content is blanked whatever it is, raw or
    HTML-escaped (``<password>…</password>``): that covers secrets too short to be scrubbed as
    text, and a password the provider echoes transformed.
    """
    for tag in elements:
        text = _element(tag).sub(lambda m: m[1] + MASK + m[3], text)
    return _scrub_forms(text, _ordered_forms(secret))


def excerpt(raw: bytes | str, secret: str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a reply, for an error: scrubbed FIRST, then cut to ``limit`` characters.

    Cutting first would leave the head of a secret that straddles the cut, which no scrubbing
    can recognise any more. Only as much of ``raw`` is decoded (UTF-8, bad bytes replaced) and
    scrubbed as the cut needs: a window longer than ``limit`` by the longest form of the
    secret, grown until the scrubbed window still reaches that far or holds the whole reply.
    """
    forms = _ordered_forms(secret)
    margin = max((len(form) for form in forms), default=0) + 1
    size = limit + margin
    while True:
        window = raw[:size]
        text = window.decode("utf-8", errors="replace") if isinstance(window, bytes) else window
        scrubbed = _scrub_forms(text, forms)
        # A form cut by the window's end lies in its last ``margin`` characters: past the cut.
        if len(window) >= len(raw) or len(scrubbed) >= limit + margin:
            return scrubbed[:limit]
        size *= 2


def _element(tag: str) -> re.Pattern[str]:
    name = re.escape(tag)
    return re.compile(
        rf"(<{name}>|&lt;{name}&gt;)(.*?)(</{name}>|&lt;/{name}&gt;)", re.DOTALL | re.IGNORECASE
    )


@functools.lru_cache(maxsize=8)
def _ordered_forms(secret: str) -> tuple[str, ...]:
    """What scrubbing replaces, in order: each form longest first (so that a form containing
    another is replaced whole), each followed by its lower case when that differs.

    Worked out once per secret, not for every reply and receipt: a send scrubs each of its
    batches with the same one. The few secrets kept here are the ones the providers in this
    process hold anyway; nothing here is ever written out.
    """
    replacements: list[str] = []
    for form in sorted(secret_forms(secret), key=len, reverse=True):
        replacements.append(form)
        if form.lower() != form:
            replacements.append(form.lower())
    return tuple(replacements)


def _scrub_forms(text: str, forms: tuple[str, ...]) -> str:
    for form in forms:
        text = text.replace(form, MASK)
    return text


def scrub_receipt(receipt: SendReceipt, secret: str) -> SendReceipt:
    """The receipt with the secret gone from every text that came from the provider.

    A batch's 500 results share a handful of error texts: each distinct one is scrubbed once,
    and a receipt with nothing to scrub is returned as it is.
    """
    forms = _ordered_forms(secret)
    if not forms:
        return receipt
    warnings = tuple(_scrub_forms(w, forms) for w in receipt.warnings)
    echo = None if receipt.echo is None else _scrub_forms(receipt.echo, forms)
    clean: dict[str, str] = {}
    recipients: list[RecipientResult] | None = None  # a copy, made at the first change
    for index, result in enumerate(receipt.recipients):
        error = result.error
        if not error:
            continue
        scrubbed = clean.get(error)
        if scrubbed is None:
            scrubbed = clean[error] = _scrub_forms(error, forms)
        if scrubbed != error:
            if recipients is None:
                recipients = list(receipt.recipients)
            recipients[index] = replace(result, error=scrubbed)
    if recipients is None and warnings == receipt.warnings and echo == receipt.echo:
        return receipt
    return replace(
        receipt,
        warnings=warnings,
        recipients=receipt.recipients if recipients is None else tuple(recipients),
        echo=echo,
    )


def scrub_error(error: ProviderError, secret: str) -> ProviderError:
    error.meaning = scrub(error.meaning, secret)
    error.original = scrub(error.original, secret)
    error.args = (f"{error.provider} {error.code}: {error.meaning}",)
    return error


def _guard(
    method: Callable[..., Awaitable[Any]], name: str, kind: str
) -> Callable[..., Awaitable[Any]]:
    effectful = name.startswith(EFFECTFUL_PREFIXES)

    @functools.wraps(method)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        secret = str(getattr(self, "_secret", "") or "")
        try:
            result = await method(self, *args, **kwargs)
        except InputError:
            raise
        except ProviderError as exc:
            raise scrub_error(exc, secret) from None
        except Exception as exc:  # a garbled reply broke a parser: never let it escape raw
            meaning = f"unreadable answer from the provider ({type(exc).__name__})"
            if effectful:
                raise OutcomeUnknownError(
                    kind, meaning + "; the request may have been processed"
                ) from None
            raise ProviderError(kind, "BAD_REPLY", meaning, retryable=True) from None
        return scrub_receipt(result, secret) if isinstance(result, SendReceipt) else result

    return guarded


def guard_provider(cls: C) -> C:
    """Wrap every public coroutine method of a provider class (see the module docstring)."""
    kind = str(getattr(cls, "kind", cls.__name__))
    # Inherited ones too: eCampaign assembles its provider from one mixin per web-service family.
    for name, member in inspect.getmembers(cls, inspect.iscoroutinefunction):
        if name.startswith("_"):
            continue
        setattr(cls, name, _guard(member, name, kind))
    # Streams (eCampaign's iter_cdr) too: each step is guarded as a coroutine would be.
    for name, member in inspect.getmembers(cls, inspect.isasyncgenfunction):
        if name.startswith("_"):
            continue
        setattr(cls, name, _guard_stream(member, kind))
    return cls


def _guard_stream(
    method: Callable[..., AsyncGenerator[Any, None]], kind: str
) -> Callable[..., AsyncIterator[Any]]:
    """``_guard`` for an async generator of reads: every step's errors scrubbed or mapped."""

    @functools.wraps(method)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        secret = str(getattr(self, "_secret", "") or "")
        stream = method(self, *args, **kwargs)
        try:
            while True:
                try:
                    item = await anext(stream)
                except StopAsyncIteration:
                    return
                except InputError:
                    raise
                except ProviderError as exc:
                    raise scrub_error(exc, secret) from None
                except Exception as exc:
                    meaning = f"unreadable answer from the provider ({type(exc).__name__})"
                    raise ProviderError(kind, "BAD_REPLY", meaning, retryable=True) from None
                yield item
        finally:
            await stream.aclose()

    return guarded
