"""Shared fixtures: a private home per test and an in-memory keyring (never a desktop one)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings
from keyring.backends import fail

from tests.memory_keyring import HangingKeyring, MemoryKeyring

# Hypothesis's deadline and "too slow" health check time each example on the wall clock: on a
# loaded two-core CI machine they fail tests whose behaviour is right. Behaviour is what is tested.
settings.register_profile("porte-voix", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("porte-voix")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("PORTE_VOIX_HOME", str(home))
    for name in list(os.environ):
        if name.startswith("PORTE_VOIX_SECRET_") or name == "PORTE_VOIX_FILE_PASSPHRASE":
            monkeypatch.delenv(name)
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def hanging_keyring() -> Iterator[HangingKeyring]:
    """A keyring that never answers until released (released, and its threads joined, after)."""
    previous = keyring.get_keyring()
    backend = HangingKeyring()
    keyring.set_keyring(backend)
    yield backend
    backend.release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("keyring "):
            thread.join(5)
    keyring.set_keyring(previous)
