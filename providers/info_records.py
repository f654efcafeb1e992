"""The records a provider's ``INFO`` hooks and voice options speak in: its voice modes and
kinds of call (``VoiceMode``, ``VoiceType``), a text-to-speech verdict (``TtsCheck``), one
inbound callback (``CallbackRequest``).

Named from ``providers.base`` and defined here, loaded when first named (``__getattr__`` there,
PEP 562): an SMS-only provider's account, or a send that receives no callback, does not pay for
these dataclasses (about half a millisecond each at import).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class VoiceMode:
    """A kind of voice message a provider sends, as the composer offers it.

    ``key`` names the fields the message needs: ``voice_msg`` (a message recorded on the
    platform), ``tts`` (a text to speak), ``audio`` (an uploaded audio file) or ``template``.
    """

    key: str
    label: str


@dataclass(frozen=True)
class VoiceType:
    """A provider's own kind of call (CapitoleMobile AD / DD), as ``VoiceMessage.vms_type``."""

    key: str  # the value of ``VoiceMessage.vms_type`` ("AD", "DD")
    label: str  # what the composer shows
    #: Only mobiles can receive it (DD drops the message into a mobile's voicemail).
    mobile_only: bool = False


@dataclass(frozen=True)
class TtsCheck:
    """A text to speak, judged as the operator types (``ProviderInfo.check_tts``).

    ``problem`` is the message ``validate_voice`` would give for this text (None: the text
    itself would pass); ``seconds`` the estimated length of the speech, ``summary`` a line to
    show under the text ("≈ 24 s of speech..."). Cheap: no request, no account needed.
    """

    seconds: float
    summary: str
    problem: str | None = None


@dataclass(frozen=True)
class CallbackRequest:
    """One inbound callback, as a provider's parser reads it (``providers.callbacks``)."""

    method: str  # GET or POST
    query: Mapping[str, str]  # the URL's fields, already decoded
    body: bytes  # at most ``providers.callbacks.inputs.MAX_BODY_BYTES``
    media: str  # the Content-Type's media type, lower case ("" when absent)
    content_type: str  # the whole header: multipart needs its boundary
