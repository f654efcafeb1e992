"""The encrypted file store's passphrase, asked in a dialog.

Kept apart from the account form: the console hands this prompt to its session on start, and
the form (with its options' checks and their provider rules) loads only when it is opened.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from tui.accounts.credentials import PassphrasePrompt


def passphrase_prompt(app: App[Any]) -> PassphrasePrompt:
    """A ``PassphrasePrompt`` showing ``PassphraseDialog``; call it from a worker only."""

    async def ask(reason: str, creating: bool) -> str | None:
        from screens.dialogs.common import PassphraseDialog  # the dialog loads when shown

        dialog = PassphraseDialog(reason, confirm=creating)
        answer: str | None = await app.push_screen(dialog, wait_for_dismiss=True)
        return answer

    return ask
