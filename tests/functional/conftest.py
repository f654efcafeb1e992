"""Pilot fixtures: the console in demo mode, its five sandboxes running inside the app's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tui.app import PorteVoixApp
from tui.session import Session


@pytest.fixture
def demo_app() -> PorteVoixApp:
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 20.0, what: str = ""
) -> None:
    """Let the app run until ``condition`` holds (bounded, so a test can never hang)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await pilot.pause(0.05)


def sandbox_requests(app: PorteVoixApp, name: str, path_part: str = "") -> int:
    cluster = app.session.cluster
    assert cluster is not None
    return sum(1 for r in cluster.sandboxes[name].requests if path_part in r.path)
