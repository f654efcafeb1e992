"""How templates, blacklist entries, replies and look-ups are put into words (``tui.templates``,
``tui.feedback``): the same lines in the console and the CLI, outside text made visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.ecampaign import HlrResult
from providers.models import BlacklistEntry, InboundReply, Template, VoiceTemplateSettings
from tui import feedback
from tui import templates as tpl

HOSTILE = "Promo\x1b]0;pwned\x07\x9b2J"
SHOWN = "Promo\\x1b]0;pwned\\x07\\x9b2J"


def test_detail_rows_of_a_voice_template() -> None:
    voice = VoiceTemplateSettings(duration=120, interactive=True, responder=True)
    rows = dict(tpl.detail_rows(Template("2", "Annonce", "voice", voice=voice, phone_code="12")))
    assert rows["Longest message"] == "120 s"
    assert (rows["Interactive"], rows["Introduction"], rows["Answering machine"]) == (
        "yes",
        "no",
        "yes",
    )
    assert rows["Phone recording code"] == "12"


def test_detail_rows_say_when_the_text_was_not_returned() -> None:
    rows = dict(tpl.detail_rows(Template("1", "Rappel", "sms")))
    assert rows["SMS text"] == "(not returned by eCampaign)"
    rows = dict(tpl.detail_rows(Template("1", "Rappel", "sms", sms_message="")))
    assert rows["SMS text"] == ""


def test_outside_text_is_made_visible() -> None:
    template = Template("9", HOSTILE, "mail", mail_subject=HOSTILE, mail_message=HOSTILE)
    rows = dict(tpl.detail_rows(template))
    assert rows["Name"] == rows["Subject"] == rows["Message"] == SHOWN
    assert tpl.summary(template) == f"#9 e-mail  {SHOWN}"


def test_text_needed_only_when_the_text_is_unknown() -> None:
    assert tpl.text_needed(Template("1", "a", "sms")) is not None
    assert tpl.text_needed(Template("1", "a", "sms", sms_message="x")) is None
    assert tpl.text_needed(Template("3", "a", "mail")) is not None
    assert tpl.text_needed(Template("2", "a", "voice")) is None


def test_draft_of_keeps_every_voice_flag() -> None:
    voice = VoiceTemplateSettings(duration=60, recorded=True, intro=True)
    draft = tpl.draft_of(Template("2", "V", "voice", voice=voice))
    assert draft.voice == voice and draft.sms_message is None
    changed = tpl.changed_voice(voice, intro=False, responder=None, duration=180)
    assert changed == VoiceTemplateSettings(duration=180, recorded=True)


def test_matches_ids_and_names_ignoring_case() -> None:
    template = Template("12", "Rappel RDV", "sms")
    assert tpl.matches(template, "rdv") and tpl.matches(template, "12")
    assert tpl.matches(template, "  ") and not tpl.matches(template, "promo")


def test_save_recording_whole_or_not_at_all(tmp_path: Path) -> None:
    target = tmp_path / "main.mp3"
    assert tpl.save_recording(b"ID3data", target, overwrite=False) == target
    assert target.read_bytes() == b"ID3data"
    with pytest.raises(FileExistsError):
        tpl.save_recording(b"other", target, overwrite=False)
    assert target.read_bytes() == b"ID3data"
    tpl.save_recording(b"other", target, overwrite=True)
    assert target.read_bytes() == b"other"
    with pytest.raises(IsADirectoryError):
        tpl.save_recording(b"x", tmp_path, overwrite=True)
    with pytest.raises(FileNotFoundError):
        tpl.save_recording(b"x", tmp_path / "missing" / "a.mp3", overwrite=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.mp3"]  # no temporary left


@pytest.mark.parametrize("code", ["61", " 61 ", "62"])
def test_delete_refusals_are_explained(code: str) -> None:
    assert tpl.delete_refusal(code)


def test_other_refusals_have_no_extra_hint() -> None:
    assert tpl.delete_refusal("65") is None


# --------------------------------------------------------------------------- feedback


@pytest.mark.parametrize(
    "search", ["06 12 34 56 99", "0612345699", "612345699", "+3361234", "stop"]
)
def test_blacklist_search_finds_numbers_in_any_form(search: str) -> None:
    entry = BlacklistEntry("2026-01-01", "+33612345699", None, "STOP SMS")
    assert feedback.entry_matches(entry, search)


def test_blacklist_search_misses() -> None:
    entry = BlacklistEntry("2026-01-01", "+33612345699", None, "STOP SMS")
    assert not feedback.entry_matches(entry, "0700")
    mail = BlacklistEntry(None, None, "a@example.fr", None)
    assert feedback.entry_matches(mail, "EXAMPLE") and feedback.recipient_of(mail) == "a@example.fr"


def test_replies_are_marked_stop_by_the_callbacks_rule() -> None:
    replies = feedback.replies_of(
        (
            InboundReply("d", "+33612345699", "Stop."),
            InboundReply("d", "+33612345698", "arrêter svp"),
            InboundReply("d", "+33612345697", "stp rappelez-moi"),
        )
    )
    assert [reply.stop for reply in replies] == [True, True, False]
    assert [r.number for r in replies if feedback.reply_matches(r, "STOP")] == [
        "+33612345699",
        "+33612345698",
    ]


def test_hlr_rows_of_a_ported_number() -> None:
    result = HlrResult(
        number="+33612345679",
        status_code="0",
        status="delivered",
        error_code="0",
        error="valid number",
        mcc="208",
        mnc="20",
        ported=True,
        original_network="SFR",
        original_prefix="20810",
        original_country="33",
        ported_network="Bouygues Telecom",
        ported_country="33",
    )
    rows = dict(feedback.hlr_rows(result))
    assert rows["Operator"] == "Bouygues Telecom (MCC 208 MNC 20)"
    assert rows["Ported"] == "yes"
    assert rows["Original operator"] == "SFR (prefix 20810)"
    assert rows["Country"] == "FR (+33)"
    assert rows["Number state"] == "0: valid number"


def test_hlr_rows_of_an_unallocated_number() -> None:
    result = HlrResult(
        number="+33612345600",
        status_code="0",
        status="delivered",
        error_code="1",
        error="number not allocated",
        error_permanent=True,
        error_msg=HOSTILE,
    )
    rows = dict(feedback.hlr_rows(result))
    assert rows["Number state"] == "1: number not allocated (permanent)"
    assert (rows["Operator"], rows["Ported"], rows["Country"]) == ("—", "unknown", "—")
    assert rows["Provider said"] == SHOWN
    assert "Original operator" not in rows


def test_country_names() -> None:
    assert feedback.country_name("33") == "FR (+33)"
    assert feedback.country_name("+590") == "GP (+590)"
    assert feedback.country_name("France") == "France"
    assert feedback.country_name("999") == "999"
    assert feedback.country_name(None) == "—"
