"""The sandboxes' control API used by the benchmarks: balance, arrivals, forgetting requests."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from providers.sandbox import SandboxCluster
from providers.sandbox.capitole import CapitoleSmsSandbox
from providers.sandbox.common import RunningSandbox
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.sandbox.octopush import OctopushSandbox
from providers.sandbox.voicepartner import VoicePartnerSandbox


async def test_balance_is_set_in_each_sandbox_own_unit() -> None:
    async with SandboxCluster(callback_delay=0.0) as cluster, httpx.AsyncClient() as client:
        for name in cluster.running:
            reply = await client.post(
                cluster.url(name) + "/_sandbox/balance", json={"amount": "123456789"}
            )
            assert reply.status_code == 200
            assert reply.json() == {"balance": "123456789"}
        sandboxes = cluster.sandboxes
        assert isinstance(sandboxes["capitole_sms"], CapitoleSmsSandbox)
        assert sandboxes["capitole_sms"].balance == Decimal(123456789)
        assert isinstance(sandboxes["octopush"], OctopushSandbox)
        assert sandboxes["octopush"].wallet == Decimal(123456789)
        assert isinstance(sandboxes["voicepartner"], VoicePartnerSandbox)
        assert sandboxes["voicepartner"].credit == Decimal(123456789)
        ecampaign = sandboxes["ecampaign"]
        assert isinstance(ecampaign, EcampaignSandbox)
        assert {r.credits for r in ecampaign.state.routes.values()} == {Decimal(123456789)}


@pytest.mark.parametrize("amount", ["-1", "NaN", "lots", None])
async def test_a_balance_that_is_not_a_positive_number_is_refused(amount: object) -> None:
    sandbox = CapitoleSmsSandbox()
    async with RunningSandbox(sandbox) as running, httpx.AsyncClient() as client:
        reply = await client.post(running.base_url + "/_sandbox/balance", json={"amount": amount})
    assert reply.status_code == 400
    assert sandbox.balance == Decimal(1000)


async def test_arrivals_time_every_request_and_forgetting_clears_them() -> None:
    sandbox = CapitoleSmsSandbox()
    async with RunningSandbox(sandbox) as running, httpx.AsyncClient() as client:
        url = running.base_url + sandbox.api_path
        before = time.time()
        await client.post(url, data={"XML": "<SMS/>"})
        await client.post(url + "_test", content=b"XML=x")
        after = time.time()
        arrivals = (await client.get(running.base_url + "/_sandbox/arrivals")).json()
        assert [(a[2], a[3], a[4], a[5]) for a in arrivals] == [
            ("POST", "/api/sendsms/xml", len("XML=%3CSMS%2F%3E"), 200),
            ("POST", "/api/sendsms/xml_test", 5, 200),
        ]
        for arrived, answered, *_ in arrivals:
            assert before <= arrived <= answered <= after
        recorded = (await client.get(running.base_url + "/_sandbox/requests")).json()
        assert recorded[0]["content_type"] == "application/x-www-form-urlencoded"
        await client.delete(running.base_url + "/_sandbox/requests")
        assert (await client.get(running.base_url + "/_sandbox/arrivals")).json() == []
        assert (await client.get(running.base_url + "/_sandbox/requests")).json() == []
