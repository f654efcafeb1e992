"""eCampaign iter_cdr: periods split on code 80 without losing or repeating a day, the options
as the spec names them, streamed replies over HTTP (no 5 MB cap, hostile ones refused), errors.

The platform is played by a MockTransport that reads each request as eCampaign would and
answers 80 beyond 31 days, like the sandbox (the spec states no limit)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest

from providers.ecampaign import tracking
from providers.ecampaign.cdr import CdrRow
from providers.ecampaign.provider import EcampaignProvider
from providers.errors import InputError, ProviderError, RateLimitedError
from providers.models import CdrCampaign, CdrRecord
from providers.xml import parse
from tests.unit.test_ecampaign_support import SECRET, Recorder, form_xml, make, reply

START = date(2024, 1, 1)
STOP = date(2024, 3, 31)  # 91 days: a quarter
LONGEST = 31  # days between start and stop the platform accepts


class Platform:
    """Answers getCDR: one message per day of the period asked (its id the day), or 80."""

    def __init__(self, *, no_result: set[date] | None = None) -> None:
        self.periods: list[tuple[date, date]] = []
        self.no_result = no_result or set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = parse(form_xml(request)).find("tracking/getCDR")
        assert query is not None
        first = date.fromisoformat(query.findtext("startdate") or "")
        last = date.fromisoformat(query.findtext("stopdate") or "")
        self.periods.append((first, last))
        if (last - first).days > LONGEST:
            return answer(reply(code=80, message="L'écart … est trop important"))
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        days = [day for day in days if day not in self.no_result]
        if not days:
            return answer(reply(code=81, message="Aucun résultat"))
        rows = "".join(
            f'<message id="{day}" channel="sms"><date_init>{day} 10:00:00</date_init>'
            "<status_id>4</status_id></message>"
            for day in days
        )
        return answer(reply(f"<getCDR>{rows}</getCDR>"))


def answer(body: bytes, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "text/xml", **headers})


async def collect(provider: EcampaignProvider, *args: date, **kwargs: object) -> list[CdrRow]:
    async with contextlib.aclosing(provider.iter_cdr(*args, **kwargs)) as rows:  # type: ignore[arg-type]
        return [row async for row in rows]


def every_day(first: date, last: date) -> list[str]:
    return [str(first + timedelta(days=n)) for n in range((last - first).days + 1)]


# -- periods ----------------------------------------------------------------------------------


async def test_a_quarter_returns_every_day_once_in_order() -> None:
    platform = Platform()
    done: list[tuple[date, date]] = []
    rows = await collect(make(platform), START, STOP, on_period=lambda a, b: done.append((a, b)))  # type: ignore[arg-type]

    assert [row.id for row in rows] == every_day(START, STOP)
    # The whole quarter first, then halves until accepted, then periods of that length.
    assert platform.periods[:3] == [
        (START, STOP),
        (START, date(2024, 2, 15)),
        (START, date(2024, 1, 23)),
    ]
    accepted = [p for p in platform.periods if (p[1] - p[0]).days <= LONGEST]
    assert accepted == done
    # The accepted periods tile the quarter: each starts the day after the previous one ended.
    assert done[0][0] == START and done[-1][1] == STOP
    assert all(b[0] == a[1] + timedelta(days=1) for a, b in itertools.pairwise(done))
    assert len(platform.periods) == 6  # 91 → 46 → 23 days, then three more of 23 or less


async def test_a_year_and_a_short_range() -> None:
    platform = Platform()
    year = await collect(make(platform), date(2023, 1, 1), date(2023, 12, 31))
    assert [row.id for row in year] == every_day(date(2023, 1, 1), date(2023, 12, 31))

    platform = Platform()
    week = await collect(make(platform), START, START + timedelta(days=6))
    assert len(week) == 7 and platform.periods == [(START, START + timedelta(days=6))]


async def test_periods_without_result_are_skipped() -> None:
    empty = {START + timedelta(days=n) for n in range(40)}  # the first 40 days: code 81
    rows = await collect(make(Platform(no_result=empty)), START, STOP)
    assert [row.id for row in rows] == every_day(START + timedelta(days=40), STOP)


async def test_code_80_for_a_single_day_is_an_error() -> None:
    recorder = Recorder(reply(code=80, message="invalide"))
    with pytest.raises(ProviderError) as caught:
        await collect(make(recorder), START, START + timedelta(days=3))
    assert caught.value.code == "80"
    assert "too long or invalid" in caught.value.meaning
    # 4 days, then 2, then 1: refused each time.
    assert len(recorder.requests) == 3


async def test_an_error_after_some_periods_keeps_the_rows_already_given() -> None:
    platform = Platform()

    def failing(request: httpx.Request) -> httpx.Response:
        if len(platform.periods) >= 4:
            return answer(reply(code=82, message="Campagne non trouvée"))
        return platform(request)

    seen: list[CdrRow] = []
    done: list[tuple[date, date]] = []
    with pytest.raises(ProviderError) as caught:
        async for row in make(failing).iter_cdr(
            START, STOP, on_period=lambda a, b: done.append((a, b))
        ):
            seen.append(row)
    assert caught.value.code == "82"
    # Resuming the day after the last period done loses nothing and repeats nothing.
    assert [row.id for row in seen] == every_day(START, done[-1][1])


# -- options ----------------------------------------------------------------------------------


async def test_options_are_sent_as_the_spec_names_them() -> None:
    recorder = Recorder(reply("<getCDR/>"))
    await collect(
        make(recorder),
        START,
        START,
        channel="voice",
        campaign="2002",
        campaigns_only=True,
        api_only=True,
        content=True,
    )
    query = parse(form_xml(recorder.only)).find("tracking/getCDR")
    assert query is not None
    assert [(child.tag, child.text) for child in query] == [
        ("startdate", "2024-01-01"),
        ("stopdate", "2024-01-01"),
        ("channel", "voice"),
        ("campaignonly", "true"),
        ("apionly", "true"),
        ("campaignid", "2002"),
        ("showcontent", "true"),
    ]

    recorder = Recorder(reply("<getCDR/>"))
    await collect(make(recorder), START, START)
    query = parse(form_xml(recorder.only)).find("tracking/getCDR")
    assert query is not None and [child.tag for child in query] == ["startdate", "stopdate"]


async def test_a_campaign_drill_down_takes_the_channel_asked() -> None:
    body = reply('<getCDR><message id="7"><group_member_id>3</group_member_id></message></getCDR>')
    (row,) = await collect(make(Recorder(body)), START, START, campaign="12", channel="mail")
    assert isinstance(row, CdrRecord) and (row.channel, row.group_member_id) == ("mail", "3")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "vsms"}, "channel"),
        ({"campaign": "12-3"}, "campaign_id"),
        ({"campaign": "../1"}, "campaign_id"),
    ],
)
async def test_wrong_arguments_send_nothing(kwargs: dict[str, str], field: str) -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await collect(make(recorder), START, STOP, **kwargs)
    assert caught.value.field == field
    with pytest.raises(InputError) as reversed_:
        await collect(make(recorder), STOP, START)
    assert reversed_.value.field == "stop"
    assert recorder.requests == []


# -- streamed replies -------------------------------------------------------------------------


def trickled(data: bytes, size: int) -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    return httpx.Response(200, content=body(), headers={"Content-Type": "text/xml"})


def big_reply(count: int) -> bytes:
    row = (
        '<message id="{}" channel="sms"><phone_code>33</phone_code>'
        "<phone_number>612345678</phone_number><status_id>4</status_id>"
        "<content>" + "x" * 200 + "</content></message>"
    )
    campaign = '<campaign id="c" channel="voice" recipients_count="2"/>'
    return reply("<getCDR>" + "".join(row.format(i) for i in range(count)) + campaign + "</getCDR>")


async def test_a_reply_beyond_5_mb_streams_through() -> None:
    data = big_reply(30_000)
    assert len(data) > 6 * 1024 * 1024
    rows = await collect(make(lambda _: trickled(data, 65_536)), START, START)
    assert len(rows) == 30_001 and isinstance(rows[-1], CdrCampaign)
    report = await make(lambda _: trickled(data, 1_000_000)).get_cdr(START, START)
    assert (len(report.messages), len(report.campaigns)) == (30_000, 1)


async def test_the_cap_applies_while_streaming(monkeypatch: pytest.MonkeyPatch) -> None:
    data = big_reply(1000)
    monkeypatch.setattr(tracking, "MAX_CDR_BYTES", len(data) // 2)
    seen: list[CdrRow] = []
    with pytest.raises(ProviderError) as caught:
        async for row in make(lambda _: trickled(data, 4096)).iter_cdr(START, START):
            seen.append(row)
    assert caught.value.code == "REPLY_TOO_LARGE"
    assert 0 < len(seen) < 1000


async def test_hostile_replies_are_refused_with_the_secret_scrubbed() -> None:
    utf16 = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY a "a">]>'
        f"<ecampaign><code>0</code><message>{SECRET}</message><getCDR/></ecampaign>"
    ).encode("utf-16")
    echo = f"<ecampaign><!DOCTYPE x><password>{SECRET}</password></ecampaign>".encode()
    for body in (utf16, echo):
        with pytest.raises(ProviderError) as caught:
            await collect(make(lambda _, b=body: trickled(b, 16)), START, START)  # type: ignore[misc]
        assert caught.value.code == "BAD_REPLY"
        assert "DOCTYPE" in caught.value.meaning or "malformed" in caught.value.meaning
        assert SECRET not in caught.value.original and SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("response", "code"),
    [
        (answer(b"<html>moved</html>", 302, Location="http://x/"), "HTTP 302"),
        (answer(b"<html>no</html>", 404), "HTTP 404"),
        (answer(b"oops", 503), "HTTP 503"),
        (answer(reply(code=3, message="Mauvais mot de passe"), 401), "3"),
        (answer(b"<html>ok?</html>"), "BAD_REPLY"),
    ],
)
async def test_http_and_platform_errors(response: httpx.Response, code: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await collect(make(Recorder(response)), START, START)
    assert caught.value.code == code


async def test_rate_limited() -> None:
    with pytest.raises(RateLimitedError):
        await collect(
            make(Recorder(answer(b"slow down", 429, **{"Retry-After": "7"}))), START, START
        )


class Body(httpx.AsyncByteStream):
    """A reply body that records how far it was read and whether it was closed."""

    def __init__(self, data: bytes, size: int) -> None:
        self.chunks = [data[i : i + size] for i in range(0, len(data), size)]
        self.read = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            self.read += 1
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


async def test_leaving_early_closes_the_reply_unread() -> None:
    body = Body(big_reply(2000), 1000)
    provider = make(lambda _: httpx.Response(200, stream=body))
    async with contextlib.aclosing(provider.iter_cdr(START, STOP)) as rows:
        async for _row in rows:
            break
    assert body.closed and body.read < len(body.chunks) // 2
