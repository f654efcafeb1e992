"""eCampaign manageTemplate: list, get, add, mod, del, pushMP3, getMP3 (audio or XML error)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from providers.ecampaign import EcampaignProvider
from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import Template, TemplateCreated, VoiceTemplateSettings
from tests.unit.test_ecampaign_support import Recorder, assert_post, make, reply

VOICE_SETTINGS = (
    "<voice><duration>120</duration><recorded>false</recorded>"
    "<interactive><enable>true</enable><intro>false</intro><ask_end>true</ask_end></interactive>"
    "<responder><enable>true</enable><custom>false</custom></responder></voice>"
)
# An MP3 frame header (MPEG-1 layer III, 128 kbit/s, 44.1 kHz) and an ID3v2 tag start.
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 60
MP3_ID3 = b"ID3\x04\x00\x00\x00\x00\x00\x21" + b"\x00" * 40


@pytest.mark.parametrize("kind", ["all", "sms", "mail", "voice"])
async def test_list_templates_request(kind: str) -> None:
    recorder = Recorder(reply("<templates/>"))
    assert await make(recorder).list_templates(kind) == ()
    assert_post(
        recorder.only,
        "/manageTemplate/list",
        f"<manageTemplate><listTemplates><type>{kind}</type></listTemplates></manageTemplate>",
    )


async def test_list_templates_reply() -> None:
    recorder = Recorder(
        reply(
            "<templates>"
            '<template id="11" type="sms" date_create="2016-01-02 03:04:05" '
            'date_update="2016-02-03 04:05:06">Promo été</template>'
            '<template id="12" type="voice" date_create="2016-03-01 00:00:00" '
            'date_update="">Rappel RDV</template>'
            "</templates>"
        )
    )
    templates = await make(recorder).list_templates()
    assert templates == (
        Template("11", "Promo été", "sms", "2016-01-02 03:04:05", "2016-02-03 04:05:06"),
        Template("12", "Rappel RDV", "voice", "2016-03-01 00:00:00", None),
    )


async def test_get_voice_template() -> None:
    recorder = Recorder(
        reply(
            "<type>voice</type><id>12</id><create_date>2016-03-01 00:00:00</create_date>"
            "<update_date>2016-03-02 00:00:00</update_date><name>Rappel RDV</name>"
            "<phonecode>4521</phonecode><templatereference>VX-12</templatereference>"
            "<recorded>TRUE</recorded><duration>60</duration>"
            "<interactive><enabled>TRUE</enabled><intro>FALSE</intro><ask_end>TRUE</ask_end>"
            "</interactive><responder><enabled>TRUE</enabled><custom>FALSE</custom></responder>"
        )
    )
    template = await make(recorder).get_template("12")
    assert_post(recorder.only, "/manageTemplate/12/get", "<manageTemplate/>")
    assert template == Template(
        id="12",
        name="Rappel RDV",
        type="voice",
        created="2016-03-01 00:00:00",
        updated="2016-03-02 00:00:00",
        voice=VoiceTemplateSettings(
            duration=60,
            recorded=True,
            interactive=True,
            intro=False,
            ask_end=True,
            responder=True,
            responder_custom=False,
        ),
        phone_code="4521",
        reference="VX-12",
    )


async def test_get_sms_template_has_no_voice_settings() -> None:
    recorder = Recorder(reply("<type>sms</type><id>11</id><name>Promo</name>"))
    template = await make(recorder).get_template("11")
    assert (template.id, template.type, template.name, template.voice) == (
        "11",
        "sms",
        "Promo",
        None,
    )


async def test_get_template_not_found() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=65))).get_template("11")
    assert (caught.value.code, caught.value.meaning) == ("65", "template not found")


async def test_add_sms_template() -> None:
    recorder = Recorder(reply("<templateid>77</templateid>"))
    created = await make(recorder).add_template(
        "Promo <été>", "sms", sms_message='-20 % & livraison "offerte"'
    )
    assert created == TemplateCreated("77")
    assert_post(
        recorder.only,
        "/manageTemplate/add",
        "<manageTemplate><addTemplate><name>Promo &lt;été&gt;</name><type>sms</type>"
        '<sms><message>-20 % &amp; livraison "offerte"</message></sms>'
        "</addTemplate></manageTemplate>",
    )


async def test_add_mail_template() -> None:
    recorder = Recorder(reply("<templateid>78</templateid>"))
    await make(recorder).add_template(
        "Lettre", "mail", mail_subject="Nouveautés", mail_message="<h1>Bonjour</h1>"
    )
    assert_post(
        recorder.only,
        "/manageTemplate/add",
        "<manageTemplate><addTemplate><name>Lettre</name><type>mail</type>"
        "<mail><message>&lt;h1&gt;Bonjour&lt;/h1&gt;</message><subject>Nouveautés</subject>"
        "</mail></addTemplate></manageTemplate>",
    )


async def test_add_voice_template_returns_recording_access() -> None:
    recorder = Recorder(
        reply(
            "<templateid>79</templateid><phonenumber>0170000000</phonenumber>"
            "<phonecode>8842</phonecode><reference>VX-79</reference>"
        )
    )
    settings = VoiceTemplateSettings(duration=120, interactive=True, ask_end=True, responder=True)
    created = await make(recorder).add_template("Rappel", "voice", voice=settings)
    assert created == TemplateCreated("79", "0170000000", "8842", "VX-79")
    assert_post(
        recorder.only,
        "/manageTemplate/add",
        "<manageTemplate><addTemplate><name>Rappel</name><type>voice</type>"
        f"{VOICE_SETTINGS}</addTemplate></manageTemplate>",
    )


async def test_add_template_without_id_in_reply_is_unknown() -> None:
    with pytest.raises(OutcomeUnknownError):
        await make(Recorder(reply())).add_template("x", "sms", sms_message="y")


async def test_mod_template_sends_the_whole_definition() -> None:
    recorder = Recorder(reply())
    settings = VoiceTemplateSettings(duration=120, interactive=True, ask_end=True, responder=True)
    await make(recorder).mod_template("79", "Rappel", "voice", voice=settings)
    assert_post(
        recorder.only,
        "/manageTemplate/79/mod",
        "<manageTemplate><addTemplate><name>Rappel</name><type>voice</type>"
        f"{VOICE_SETTINGS}</addTemplate></manageTemplate>",
    )


async def test_voice_template_defaults_every_flag_to_false() -> None:
    recorder = Recorder(reply("<templateid>80</templateid>"))
    await make(recorder).add_template("Vide", "voice")
    assert_post(
        recorder.only,
        "/manageTemplate/add",
        "<manageTemplate><addTemplate><name>Vide</name><type>voice</type>"
        "<voice><recorded>false</recorded><interactive><enable>false</enable>"
        "<intro>false</intro><ask_end>false</ask_end></interactive><responder>"
        "<enable>false</enable><custom>false</custom></responder></voice>"
        "</addTemplate></manageTemplate>",
    )


async def test_del_template_in_use() -> None:
    recorder = Recorder(reply(code=61, message="Modèle utilisé"))
    with pytest.raises(ProviderError) as caught:
        await make(recorder).del_template("79")
    assert_post(recorder.only, "/manageTemplate/79/del", "<manageTemplate/>")
    assert caught.value.code == "61"
    assert "scheduled campaign" in caught.value.meaning


async def test_push_mp3() -> None:
    recorder = Recorder(reply())
    await make(recorder).push_mp3("79", "ask_end_thanks", "https://cdn.example.fr/a.mp3?x=1&y=2")
    assert_post(
        recorder.only,
        "/manageTemplate/79/pushMP3",
        "<manageTemplate><pushMP3><messagetype>ask_end_thanks</messagetype>"
        "<url>https://cdn.example.fr/a.mp3?x=1&amp;y=2</url></pushMP3></manageTemplate>",
    )


@pytest.mark.parametrize("code", [68, 69, 70, 71, 72])
async def test_push_mp3_errors(code: int) -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=code))).push_mp3("79", "main", "http://x.fr/a.mp3")
    assert caught.value.code == str(code)
    assert caught.value.meaning.startswith("MP3 upload")


@pytest.mark.parametrize("audio", [MP3_FRAME, MP3_ID3])
async def test_get_mp3_returns_the_audio(audio: bytes) -> None:
    answer = httpx.Response(200, content=audio, headers={"Content-Type": "audio/mpeg"})
    recorder = Recorder(answer)
    assert await make(recorder).get_mp3("79", "main") == audio
    assert_post(
        recorder.only,
        "/manageTemplate/79/getMP3",
        "<manageTemplate><getMP3><messagetype>main</messagetype></getMP3></manageTemplate>",
    )


@pytest.mark.parametrize("content_type", ["audio/mpeg", "text/xml", "application/octet-stream"])
async def test_get_mp3_xml_error_whatever_the_content_type(content_type: str) -> None:
    answer = httpx.Response(
        200,
        content=reply(code=67, message="Fichier introuvable"),
        headers={"Content-Type": content_type},
    )
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer)).get_mp3("79", "intro")
    assert (caught.value.code, caught.value.original) == ("67", "Fichier introuvable")
    assert caught.value.meaning == "MP3 download: file not found"


async def test_get_mp3_invalid_type_code() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=66))).get_mp3("79", "responder")
    assert caught.value.code == "66"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"", headers={"Content-Type": "audio/mpeg"}),
        httpx.Response(200, content=b"RIFF....WAVEfmt ", headers={"Content-Type": "audio/mpeg"}),
        httpx.Response(200, content=reply(), headers={"Content-Type": "text/xml"}),
        httpx.Response(404, content=b"<html>Not Found</html>"),
        httpx.Response(200, content=b'<!DOCTYPE x [<!ENTITY e "e">]><ecampaign/>'),
    ],
)
async def test_get_mp3_neither_audio_nor_error(answer: httpx.Response) -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer)).get_mp3("79", "main")
    assert type(caught.value) is ProviderError
    assert caught.value.code in ("BAD_REPLY", "HTTP 404")


Call = Callable[[EcampaignProvider], Awaitable[Any]]
INVALID: list[tuple[Call, str]] = [
    (lambda p: p.list_templates("fax"), "type"),
    (lambda p: p.get_template("12a"), "template_id"),
    (lambda p: p.add_template("x", "fax"), "type"),
    (lambda p: p.add_template(" ", "sms", sms_message="x"), "name"),
    (lambda p: p.add_template("x", "sms"), "sms_message"),
    (lambda p: p.add_template("x", "mail", mail_subject="s"), "mail_message"),
    (lambda p: p.add_template("x", "sms", sms_message="a", voice=VoiceTemplateSettings()), "voice"),
    (lambda p: p.add_template("x", "voice", sms_message="a"), "sms_message"),
    (lambda p: p.add_template("x", "voice", voice=VoiceTemplateSettings(duration=90)), "duration"),
    (lambda p: p.mod_template("x", "n", "sms", sms_message="m"), "template_id"),
    (lambda p: p.del_template("../1"), "template_id"),
    (lambda p: p.push_mp3("1", "outro", "http://x.fr/a.mp3"), "message_type"),
    (lambda p: p.push_mp3("1", "main", "ftp://x.fr/a.mp3"), "url"),
    (lambda p: p.get_mp3("1", "MAIN"), "message_type"),
]


@pytest.mark.parametrize(("call", "field"), INVALID)
async def test_invalid_input_sends_nothing(call: Call, field: str) -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await call(make(recorder))
    assert caught.value.field == field
    assert recorder.requests == []
