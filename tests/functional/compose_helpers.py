"""What the Compose SMS tests share: filling the form, confirming, reading the outbox."""

from __future__ import annotations

from textual.widgets import TextArea

from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import PorteVoixApp


async def type_into(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(selector).focus()
    await pilot.press(*text)


async def fill(app: PorteVoixApp, pilot, recipients: str, text: str) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    screen.query_one("#recipients-input", TextArea).load_text(recipients)
    screen.query_one(RecipientsField).revalidate()
    screen.query_one("#sms-text", TextArea).load_text(text)
    await pilot.pause()


async def confirm(app: PorteVoixApp, pilot, button: str = "send") -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+g")
    # Up to 10 000 numbers are checked again before the dialog opens: generous on a busy machine.
    await wait_for_screen(pilot, ConfirmDialog, timeout=60)
    await click(pilot, f"#{button}")


THREE_CLIENTS = "prenom;mobile\nAnne;0611223344\nBruno;0622334455\nChloé;0633445566\n"


async def attach_csv(pilot, compose: ComposeSmsScreen, path, content: str) -> None:  # type: ignore[no-untyped-def]
    """Give the composer an imported CSV (as the import dialog does) and wait for its index."""
    from tui.csv_import import read_table

    path.write_text(content, encoding="utf-8")
    table = read_table(path)
    compose.table = table
    compose._index_rows(table)
    await wait_for(pilot, lambda: compose.rows_by_number is not None, what="CSV index")


def last_send(app: PorteVoixApp):  # type: ignore[no-untyped-def]
    sends = app.session.store.list_sends(limit=1)
    return sends[0] if sends else None
