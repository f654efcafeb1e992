"""VoicePartner: voicemail drops and text-to-speech calls."""

from providers.voicepartner.provider import INFO, VoicePartnerProvider

__all__ = ["INFO", "VoicePartnerProvider"]
