"""The App base class screens type against, so no screen imports the app that assembles them.

``tui.app`` imports every screen to build its modes; if a screen imported ``tui.app`` back to
reach the session or the current account, the two would form a circle. Screens and widgets ask
``host_app(node)`` instead and see only what is declared here; ``tui.app.PorteVoixApp`` subclasses
this class and adds the modes, the key table and the command palette.
"""

from __future__ import annotations

from textual.app import App
from textual.dom import DOMNode
from textual.reactive import reactive

from tui.session import Session


class HostApp(App[None]):
    """What a screen may rely on from the running console: its session and current account."""

    #: The account the screens act for; a screen follows it with ``watch``.
    current_account: reactive[str | None] = reactive(None)
    #: Bumped whenever a balance is recorded, so the account bar refreshes.
    balance_version: reactive[int] = reactive(0)

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def balance_changed(self) -> None:
        """A screen recorded a balance in the session: let whoever shows it redraw."""
        self.balance_version += 1


def host_app(node: DOMNode) -> HostApp:
    """The console ``node`` runs in.

    Raises ``TypeError`` when the app is not a ``HostApp`` (a screen mounted in a bare test
    app), which says more than the ``AttributeError`` a blind cast would raise later.
    """
    app = node.app
    if not isinstance(app, HostApp):
        raise TypeError(f"{type(node).__name__} needs a HostApp, not {type(app).__name__}")
    return app
