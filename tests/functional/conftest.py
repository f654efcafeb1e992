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


async def wait_for_screen(pilot: Pilot[Any], screen_type: type[Any], timeout: float = 20.0) -> None:
    """Wait until the current screen is a ``screen_type`` AND mounted.

    A pushed screen is ``app.screen`` before its ``on_mount`` has run: checking its focus or its
    effects then races the app (seen under load). Mounted means composed and set up, the parts
    a composer mounts after its first paint too (its collapsed options: ``options_mounted``).
    """

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, screen_type)
            and screen.is_mounted
            and getattr(screen, "options_mounted", True)
        )

    await wait_for(pilot, ready, timeout, what=f"{screen_type.__name__} on screen")


async def click(pilot: Pilot[Any], selector: str) -> None:
    """Click a widget of the current screen once it is laid out, and fail if the click missed.

    A screen just pushed is the current screen before its widgets have a place on it; a click
    then lands on whatever is underneath and silently does nothing (seen on a loaded CI machine).
    """

    def placed() -> bool:
        found = pilot.app.screen.query(selector)
        return bool(found) and found.first().region.area > 0

    await wait_for(pilot, placed, what=f"{selector} on screen")
    assert await pilot.click(selector), f"the click on {selector} landed elsewhere"


def sandbox_requests(app: PorteVoixApp, name: str, path_part: str = "") -> int:
    cluster = app.session.cluster
    assert cluster is not None
    return sum(1 for r in cluster.sandboxes[name].requests if path_part in r.path)
