"""Compose SMS driven end to end against the sandboxes, as an operator would."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import Button, DataTable, Select, TextArea

from providers.sandbox.common import Faults
from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.counter import SegmentCounter
from screens.widgets.recipients import RecipientsField
from screens.widgets.send_panel import SendPanel
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tui.app import PorteVoixApp
from tui.sending.orchestrate import SendProgress


async def _type(pilot, selector: str, text: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(selector).focus()
    await pilot.press(*text)


async def _fill(app: PorteVoixApp, pilot, recipients: str, text: str) -> None:  # type: ignore[no-untyped-def]
    screen = app.screen
    screen.query_one("#recipients-input", TextArea).load_text(recipients)
    screen.query_one(RecipientsField).revalidate()
    screen.query_one("#sms-text", TextArea).load_text(text)
    await pilot.pause()


async def _confirm(app: PorteVoixApp, pilot, button: str = "send") -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+g")
    # Up to 10 000 numbers are checked again before the dialog opens: generous on a busy machine.
    await wait_for_screen(pilot, ConfirmDialog, timeout=60)
    await click(pilot, f"#{button}")


THREE_CLIENTS = "prenom;mobile\nAnne;0611223344\nBruno;0622334455\nChloé;0633445566\n"


async def _attach_csv(pilot, compose: ComposeSmsScreen, path, content: str) -> None:  # type: ignore[no-untyped-def]
    """Give the composer an imported CSV (as the import dialog does) and wait for its index."""
    from tui.csv_import import read_table

    path.write_text(content, encoding="utf-8")
    table = read_table(path)
    compose.table = table
    compose._index_rows(table)
    await wait_for(pilot, lambda: compose.rows_by_number is not None, what="CSV index")


def _last_send(app: PorteVoixApp):  # type: ignore[no-untyped-def]
    sends = app.session.store.list_sends(limit=1)
    return sends[0] if sends else None


async def test_typing_validates_numbers_and_counts_text(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _type(pilot, "#recipients-input", "0611223344, 0611223344 0622334455 abc")
        field = demo_app.screen.query_one(RecipientsField)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 2, what="validation")
        assert field.parsed.duplicates == 1
        assert [bad.raw for bad in field.parsed.invalid] == ["abc"]
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Prix: 10 €")
        await pilot.pause()
        counter = str(demo_app.screen.query_one(SegmentCounter).render())
        assert "10 chars" in counter and "GSM-7" in counter and "1/1 SMS" in counter


async def test_send_sms_end_to_end_with_delivery_reports(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _fill(demo_app, pilot, "06 11 22 33 44\n06 22 33 44 00", "Votre RDV est confirmé.")
        await _confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        send = _last_send(demo_app)
        assert send.state == "accepted" and send.accepted == 2
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 1
        table = demo_app.screen.query_one(SendPanel).query_one(DataTable)
        assert table.row_count == 2
        # The sandbox reports delivery (and failure for numbers ending in 00) through the receiver.
        store = demo_app.session.store

        def delivered() -> bool:
            rows = store.recipients(send.reference)
            return all(row.delivery_state is not None for row in rows)

        table.move_cursor(row=1)  # the operator reads the second result meanwhile
        await wait_for(pilot, delivered, what="delivery reports")
        states = {row.number: str(row.delivery_state) for row in store.recipients(send.reference)}
        assert states == {"+33611223344": "delivered", "+33622334400": "failed"}

        def shown_states() -> list[str]:
            return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]

        await wait_for(pilot, lambda: shown_states() == ["delivered", "failed"], what="table")
        await pilot.pause(1.6)  # at least one more refresh of the table
        assert table.cursor_row == 1, "a refresh moved the operator's cursor"
        assert "balance 998" in str(demo_app.screen.query_one("#account-bar").render())


async def test_unencodable_character_is_refused_before_any_request(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _fill(demo_app, pilot, "0611223344", "Merci 🙂 à bientôt")
        counter = str(demo_app.screen.query_one(SegmentCounter).render())
        assert "Cannot be sent" in counter and "U+1F642" in counter
        compose = demo_app.screen
        assert isinstance(compose, ComposeSmsScreen)
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: any("Not sent" in n.title for n in demo_app._notifications),
            what="the refusal",
        )
        await wait_for(pilot, lambda: not compose.busy, what="the refused send to end")
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert _last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_sms") == 0
        # The typographic apostrophe has a transliteration: ctrl+t fixes it, the emoji stays named.
        demo_app.screen.query_one("#sms-text", TextArea).load_text("C’est l’heure…")
        await pilot.press("ctrl+t")
        assert demo_app.screen.query_one("#sms-text", TextArea).text == "C'est l'heure..."
        # The refusal's toast does not cover the confirmation of the corrected text.
        assert any("Not sent" in n.title for n in demo_app._notifications)
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert not list(demo_app._notifications)


async def test_cancel_in_the_dialog_sends_nothing(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _fill(demo_app, pilot, "0611223344", "Bonjour")
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert demo_app.screen.focused is not None and demo_app.screen.focused.id == "cancel"
        await pilot.press("enter")  # Enter by habit lands on Cancel
        await pilot.pause(0.2)
        assert _last_send(demo_app) is None
        assert sandbox_requests(demo_app, "capitole_sms") == 0


async def test_dry_run_uses_the_pre_production_echo(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await _fill(demo_app, pilot, "0611223344", "Bonjour")
        await _confirm(demo_app, pilot, "dry-run")
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        assert _last_send(demo_app).state == "dry-run"
        assert sandbox_requests(demo_app, "capitole_sms", "xml_test") == 1
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 1


async def test_the_providers_remarks_are_shown_with_the_result(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        compose.query_one("#account", Select).value = "demo-ecampaign"
        await wait_for(pilot, lambda: getattr(compose.account, "name", "") == "demo-ecampaign")
        await _fill(demo_app, pilot, "0611223344", "Bonjour")
        await _confirm(demo_app, pilot, "dry-run")
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        assert _last_send(demo_app).state == "dry-run"
        status = str(compose.query_one("#send-status").render())
        assert "warning: dry run: checked locally (eCampaign has no test mode)" in status
        assert sandbox_requests(demo_app, "ecampaign") == 0


async def test_ten_thousand_recipients_show_progress(demo_app: PorteVoixApp) -> None:
    numbers = [f"06 12 {i // 100:02d} {i % 100:02d} 11" for i in range(10_000)]
    seen: list[SendProgress] = []
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].balance = Decimal(50_000)  # type: ignore[attr-defined]
        cluster.set_callback_url("capitole", None)  # 10 000 delivery reports are not the point here
        panel = demo_app.screen.query_one(SendPanel)
        original = panel.show_progress

        def record(progress: SendProgress) -> None:
            seen.append(progress)
            original(progress)

        panel.show_progress = record  # type: ignore[method-assign]
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(
            pilot, lambda: len(field.parsed.valid) == 10_000, timeout=60, what="validation"
        )
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await _confirm(demo_app, pilot)
        await wait_for(
            pilot,
            lambda: (s := _last_send(demo_app)) is not None and s.state != "sending",
            timeout=60,
        )
        send = _last_send(demo_app)
        assert send.state == "accepted" and send.accepted == 10_000
        assert sandbox_requests(demo_app, "capitole_sms", "/api/sendsms/xml") == 20
        assert [p.batches_done for p in seen][-1] == 20
        done = [p.done for p in seen]
        assert done == sorted(done) and done[-1] == 10_000
        assert any(0 < p.remaining < 10_000 for p in seen)


async def test_cancelling_stops_between_requests(demo_app: PorteVoixApp) -> None:
    numbers = [f"06 13 {i // 100:02d} {i % 100:02d} 22" for i in range(2_000)]
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        # Every request takes a moment, so the operator has time to cancel.
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=0.3, count=-1)
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 2_000)
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await _confirm(demo_app, pilot)
        await wait_for(pilot, lambda: sandbox_requests(demo_app, "capitole_sms") >= 1)
        await pilot.press("escape")
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        send = _last_send(demo_app)
        assert send.state == "cancelled"
        assert 0 < send.accepted < 2_000
        assert send.cancelled == 2_000 - send.accepted
        assert sandbox_requests(demo_app, "capitole_sms") == send.accepted // 500


async def test_unknown_outcome_is_shown_and_never_resent(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=2.0, count=1)
        await _fill(demo_app, pilot, "0611223344", "Bonjour")
        await _confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        assert _last_send(demo_app).state == "unknown"
        await pilot.pause(2.5)  # the hung request completes on the sandbox side meanwhile
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        assert demo_app.screen.query_one("#resend", Button).display
        status = str(demo_app.screen.query_one("#send-status").render())
        assert "unknown" in status.lower() and "Nothing was resent" in status
        # Resending asks again, saying it may duplicate; declining sends nothing.
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ConfirmDialog)
        assert "twice" in str(demo_app.screen.query_one(".warning").render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        assert len(demo_app.session.store.list_sends(limit=10)) == 1


async def test_after_an_unknown_batch_only_the_never_sent_can_be_resent(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "0.5")
    numbers = [f"06 14 {i // 100:02d} {i % 100:02d} 33" for i in range(1_000)]  # two requests
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        cluster = demo_app.session.cluster
        assert cluster is not None
        cluster.sandboxes["capitole_sms"].faults = Faults(hang_seconds=2.0, count=1)
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(numbers)
        await wait_for(pilot, lambda: len(field.parsed.valid) == 1_000, what="validation")
        demo_app.screen.query_one("#sms-text", TextArea).load_text("Soldes")
        await _confirm(demo_app, pilot)
        await wait_for(
            pilot, lambda: (s := _last_send(demo_app)) is not None and s.state != "sending"
        )
        first = _last_send(demo_app)
        assert (first.state, first.unknown, first.cancelled) == ("unknown", 500, 500)
        await pilot.pause(2.5)  # the hung request completes on the sandbox side meanwhile
        assert sandbox_requests(demo_app, "capitole_sms") == 1
        await pilot.press("ctrl+r")
        await wait_for_screen(pilot, ConfirmDialog)
        dialog = demo_app.screen
        assert isinstance(dialog, ConfirmDialog)
        summary = dict(dialog.lines)
        assert summary["Recipients"] == "1000 not known to be accepted"
        assert summary["Never sent"].startswith("500 never requested or refused")
        await click(pilot, "#resend-unsent")
        store = demo_app.session.store
        await wait_for(
            pilot,
            lambda: (
                (s := _last_send(demo_app)) is not None
                and s.reference != first.reference
                and s.state != "sending"
            ),
            what="the resend",
        )
        again = _last_send(demo_app)
        assert (again.state, again.accepted, again.resend_of) == ("accepted", 500, first.reference)
        resent = {r.number for r in store.recipients(again.reference, limit=1_000)}
        never_sent = {
            r.number
            for r in store.recipients(first.reference, limit=1_000)
            if r.state == "cancelled"
        }
        assert resent == never_sent and len(resent) == 500
        assert sandbox_requests(demo_app, "capitole_sms") == 2


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
        await _confirm(demo_app, pilot)
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
        await _attach_csv(pilot, compose, tmp_path / "clients.csv", one_client)
        await _fill(demo_app, pilot, "0611223344\n0622334455", "Bonjour {prenom}")
        await pilot.press("ctrl+g")
        await pilot.pause(0.5)
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert _last_send(demo_app) is None
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
        await _attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        compose.group = GroupTarget("1")
        await _fill(demo_app, pilot, "0611223344\n0622334455", "Bonjour {prenom}")
        await pilot.press("ctrl+g")
        await wait_for(
            pilot,
            lambda: any("cannot be combined" in n.message for n in demo_app._notifications),
            what="the refusal",
        )
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert _last_send(demo_app) is None
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
        await _attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        await _fill(demo_app, pilot, "0611223344\n0622334455\n0633445566", "Bonjour {prenom}")
        await _confirm(demo_app, pilot)
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
        await _attach_csv(pilot, compose, tmp_path / "clients.csv", THREE_CLIENTS)
        await _fill(demo_app, pilot, "0611223344\n0622334455\n0633445566", "Bonjour {prenom}")
        await _confirm(demo_app, pilot)
        await wait_for(pilot, lambda: not compose.busy, what="the send to end")
        sends = store.list_sends(limit=10)
        assert len(sends) == 3, [(s.reference, s.state) for s in sends]
        by_reference = {s.reference: str(s.state) for s in sends}
        assert by_reference[marks[0]] == "accepted"
        assert by_reference[marks[1]] == "cancelled"  # began, refused before any request
        assert sandbox_requests(demo_app, "capitole_sms") == 1
