"""Compose SMS with placeholders filled from a CSV: one message per distinct text."""

from __future__ import annotations

import pytest
from textual.widgets import Select, TextArea

from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.compose_helpers import THREE_CLIENTS, attach_csv, confirm, fill, last_send
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tui.app import PorteVoixApp


async def test_csv_import_personalises_each_message(demo_app: PorteVoixApp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from screens.dialogs.csv_import import CsvImportDialog

    csv_file = tmp_path / "clients.csv"
    csv_file.write_text(
        "prenom;mobile;ville\n"
        "Anne;06 11 22 33 44;Paris\nBruno;0622334455;Lyon\nChloé;0633445566;Nice\n",
        encoding="utf-8",
    )
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, CsvImportDialog)
        dialog = demo_app.screen
        dialog.query_one("#csv-path").value = str(csv_file)
        dialog.query_one("#csv-path").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.table is not None, what="CSV loaded")
        assert dialog.query_one("#csv-column").value == "mobile"  # detected from the header
        await click(pilot, "#import")
        await wait_for(pilot, lambda: demo_app.screen is compose)
        field = compose.query_one(RecipientsField)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 3, what="imported numbers")
        # The CSV's rows are indexed by number in a worker of their own.
        await wait_for(pilot, lambda: compose.rows_by_number is not None, what="CSV index")
        compose.query_one("#sms-text", TextArea).load_text(
            "Bonjour {prenom}, à bientôt à {ville} !"
        )

        def preview() -> str:
            return str(compose.query_one("#preview").render())

        await wait_for(pilot, lambda: "Bonjour Anne, à bientôt à Paris !" in preview())
        await confirm(demo_app, pilot)
        store = demo_app.session.store
        await wait_for(
            pilot,
            lambda: (
                len(store.list_sends(limit=5)) == 3
                and all(s.state != "sending" for s in store.list_sends(limit=5))
            ),
            what="three personalised sends",
        )
        bodies = [
            r.body.decode("latin-1")
            for r in demo_app.session.cluster.sandboxes["capitole_sms"].requests
        ]
        assert any("Bonjour%20Chlo%E9" in b or "Bonjour+Chlo%E9" in b for b in bodies)


async def test_personalised_text_refuses_a_recipient_without_a_csv_row(
    demo_app: PorteVoixApp, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    one_client = "prenom;mobile\nAnne;0611223344\n"
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        await attach_csv(pilot, compose, tmp_path / "clients.csv", one_client)
        await fill(demo_app, pilot, "0611223344\n0622334455", "Bonjour {prenom}")
        await pilot.press("ctrl+g")
        await pilot.pause(0.5)
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_sms") == 0


async def test_personalised_text_cannot_go_to_a_group(demo_app: PorteVoixApp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each distinct text is its own request: with a group, the group would get every one."""
    from providers.models import GroupTarget

    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        compose.query_one("#account", Select).value = "demo-ecampaign"
        await wait_for(pilot, lambda: compose.account is not None)
        await wait_for(pilot, lambda: compose.account.name == "demo-ecampaign", what="account")
        await attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        compose.group = GroupTarget("1")
        await fill(demo_app, pilot, "0611223344\n0622334455", "Bonjour {prenom}")
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: any("cannot be combined" in n.message for n in demo_app._notifications),
            what="the refusal",
        )
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert last_send(demo_app) is None
        assert sandbox_requests(demo_app, "ecampaign") == 0


async def test_a_failed_personalised_message_stops_the_rest_and_journals_them(
    demo_app: PorteVoixApp, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(status=500, count=1)
        await attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        await fill(demo_app, pilot, "0611223344\n0622334455\n0633445566", "Bonjour {prenom}")
        await confirm(demo_app, pilot)
        store = demo_app.session.store
        await wait_for(
            pilot,
            lambda: (
                len(store.list_sends(limit=5)) == 3
                and all(s.state != "sending" for s in store.list_sends(limit=5))
            ),
            what="one unknown send and two journalled as cancelled",
        )
        states = sorted(str(s.state) for s in store.list_sends(limit=5))
        assert states == ["cancelled", "cancelled", "unknown"]
        assert sandbox_requests(demo_app, "capitole_sms") == 1


async def test_a_personalised_message_that_began_is_not_journalled_twice(
    demo_app: PorteVoixApp, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The outbox refuses a batch part-way (e.g. another process recovered the send): that
    message keeps its own entry; only the messages never begun are journalled as not sent."""
    from tui.outbox.store import StoreError

    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        store = demo_app.session.store
        real_mark = store.mark_batch_sending
        marks: list[str] = []

        def second_message_refused(reference: str, *args: object, **kwargs: object) -> None:
            marks.append(reference)
            if len(marks) == 2:
                raise StoreError(f"send {reference} is unknown; nothing may be sent")
            real_mark(reference, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "mark_batch_sending", second_message_refused)
        await attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        await fill(demo_app, pilot, "0611223344\n0622334455\n0633445566", "Bonjour {prenom}")
        await confirm(demo_app, pilot)
        await wait_for(pilot, lambda: not compose.busy, what="the send to end")
        sends = store.list_sends(limit=10)
        assert len(sends) == 3, [(s.reference, s.state) for s in sends]
        by_reference = {s.reference: str(s.state) for s in sends}
        assert by_reference[marks[0]] == "accepted"
        assert by_reference[marks[1]] == "cancelled"  # began, refused before any request
        assert sandbox_requests(demo_app, "capitole_sms") == 1
