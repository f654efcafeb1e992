"""Compose SMS: account, recipients, text with a live counter, options, confirmation, sending."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, Select, Static, TextArea

from providers import text as sms_text
from providers.base import Capability
from providers.errors import InputError
from providers.models import Channel, Route, SmsMessage
from providers.phone import normalise
from screens.compose.common import ComposeScreen
from screens.compose.form import option_row, schedule_text
from screens.widgets.counter import SegmentCounter
from screens.widgets.deferred import DeferredCollapsible
from screens.widgets.recipients import RecipientsField
from tui.schedule import parse_schedule

if TYPE_CHECKING:  # a type only: the CSV reader loads with its dialog, on the first import
    from tui.csv_import import Table

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")
PREVIEW_COUNT = 3
#: The route field's first value, and the route until the options are mounted.
FIRST_ROUTE = Route.NOTIFICATION


class ComposeSmsScreen(ComposeScreen[SmsMessage]):
    MODE_TITLE = "Compose SMS"
    CAPABILITY = Capability.SMS
    DEFAULT_CSS = """
    ComposeSmsScreen #sms-text { height: 6; }
    ComposeSmsScreen #preview { height: auto; padding: 0 1; color: $text-muted; }
    ComposeSmsScreen .row { height: auto; }
    """
    BINDINGS = [
        Binding("ctrl+t", "transliterate", "Transliterate", id="sms.transliterate", show=False),
        Binding("ctrl+o", "import_csv", "Import CSV", id="sms.import", show=False),
        Binding("ctrl+l", "pick_group", "Group", id="sms.group", show=False),
    ]

    table: Table | None = None
    #: number (E.164) -> its CSV row, built once per import, for personalised texts.
    rows_by_number: dict[str, dict[str, str]] | None = None

    def compose_form(self) -> ComposeResult:
        yield Label(
            "Recipients (one per line, or separated by commas or spaces)", classes="field-label"
        )
        yield RecipientsField(id="recipients", channel=Channel.SMS)
        with Horizontal(classes="row"):
            yield Button("Import CSV… (ctrl+o)", id="import-csv")
            yield Button("Group… (ctrl+l)", id="pick-group")
        yield Static("", id="target-info", classes="hint")
        yield Label("Message", classes="field-label")
        yield TextArea(id="sms-text", soft_wrap=True)
        yield SegmentCounter(id="counter")
        yield Static("", id="preview")
        # Collapsed: its fields are mounted after the first paint (``options_ready``).
        with DeferredCollapsible(title="Options", id="options"):
            yield option_row("Sender", Input(placeholder="up to 11 characters", id="sender"))
            yield option_row(
                "Route",
                Select(
                    [("notification route", "notification"), ("marketing route", "marketing")],
                    value=FIRST_ROUTE.value,
                    allow_blank=False,
                    id="route",
                ),
                "route-row",
            )
            yield option_row(
                "Schedule", Input(placeholder="YYYY-MM-DD HH:MM, Paris time", id="schedule")
            )
            yield option_row(
                "Campaign", Input(placeholder="campaign id", id="campaign-id"), "campaign-row"
            )
            yield option_row(
                "Template", Input(placeholder="template id", id="template"), "template-row"
            )
            yield Checkbox("long SMS", id="long")
            # Commercial: the French sending hours apply (screens.dialogs.compliance).
            yield Checkbox("promotional (commercial sending hours)", id="promotional")

    # -- reactions -----------------------------------------------------------------------------
    def account_changed(self) -> None:
        """Offer only what the account's provider has: the others' options are hidden."""
        info = self.provider_info()
        caps = info.capabilities if info else Capability(0)
        self.query_one("#pick-group", Button).display = bool(caps & Capability.GROUPS)
        if self.options_mounted:  # otherwise fitted when they are (``options_ready``)
            long = self.query_one("#long", Checkbox)
            long.display = bool(caps & Capability.LONG_SMS)
            longest = info.text_profile.max_segments_long if info else None
            long.label = f"long SMS (up to {longest} SMS)" if longest else "long SMS"
            self.query_one("#route-row").display = bool(caps & Capability.ROUTE)
            self.query_one("#campaign-row").display = bool(caps & Capability.CAMPAIGN_ID)
            self.query_one("#template-row").display = bool(caps & Capability.TEMPLATES)
        self.refresh_counter()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "sms-text":
            self.refresh_counter()

    def on_select_changed(self, event: Select.Changed) -> None:
        # The account list is ComposeForm's: Textual calls its handler too, after this one.
        if event.select.id == "route":
            self.refresh_counter()

    def on_checkbox_changed(self, _event: Checkbox.Changed) -> None:
        self.refresh_counter()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "import-csv":
            self.action_import_csv()
        elif event.button.id == "pick-group":
            self.action_pick_group()

    def on_recipients_field_changed(self, _event: RecipientsField.Changed) -> None:
        self.refresh_counter()

    def target_changed(self) -> None:
        self.refresh_counter()

    # -- the counter and the personalised preview ----------------------------------------------
    # Until the options are mounted, their fields hold their first values: nothing could
    # change them (a preset or a send mounts them first).
    def _route(self) -> Route:
        if not self.options_mounted:
            return FIRST_ROUTE
        return Route(str(self.query_one("#route", Select).value))

    def _long(self) -> bool:
        if not self.options_mounted:
            return False  # unticked, as made
        checkbox = self.query_one("#long", Checkbox)
        return checkbox.value and checkbox.display

    def refresh_counter(self) -> None:
        info = self.provider_info()
        kind = info.kind if info else None
        texts = self.rendered_texts()
        sample = max(texts.values(), key=len) if texts else self.message_text()
        count = sms_text.count_sms(sample, kind, self._route(), long=self._long())
        self.query_one(SegmentCounter).show_count(count, info.label if info else None)
        self._show_preview(texts)

    def message_text(self) -> str:
        text: str = self.query_one("#sms-text", TextArea).text
        return text

    def placeholders(self) -> list[str]:
        return PLACEHOLDER.findall(self.message_text())

    def rendered_texts(self) -> dict[str, str]:
        """Recipient → its own text, when the text has placeholders filled from the CSV."""
        if self.rows_by_number is None or not self.placeholders():
            return {}
        template = self.message_text()
        return {number: fill(template, row) for number, row in self.rows_by_number.items()}

    def _show_preview(self, texts: dict[str, str]) -> None:
        preview = self.query_one("#preview", Static)
        unknown = [
            name for name in self.placeholders() if not self.table or name not in self.table.columns
        ]
        lines = []
        if unknown:
            lines.append(
                "[red]Unknown placeholder(s): "
                + ", ".join("{" + escape(name) + "}" for name in unknown)
                + " (import a CSV with these columns)[/red]"
            )
        for number, text in list(texts.items())[:PREVIEW_COUNT]:
            lines.append(f"[b]{escape(number)}[/b]: {escape(text)}")
        if len(texts) > PREVIEW_COUNT:
            lines.append(f"… {len(texts) - PREVIEW_COUNT} more personalised messages")
        preview.update("\n".join(lines))

    # -- actions -------------------------------------------------------------------------------
    def action_transliterate(self) -> None:
        area = self.query_one("#sms-text", TextArea)
        self.transliterate(area)
        info = self.provider_info()
        left = sms_text.count_sms(area.text, info.kind if info else None).unencodable
        if left:
            self.notify(
                "No replacement for: " + " ".join(left) + " — remove them.", severity="warning"
            )

    def action_import_csv(self) -> None:
        from screens.dialogs.csv_import import CsvImportDialog

        def imported(table: Table | None) -> None:
            if table is None or table.number_column is None:
                return
            self.table = table
            self.rows_by_number = None
            self._index_rows(table)
            self.query_one(RecipientsField).set_numbers(table.values(table.number_column))
            columns = ", ".join("{" + c + "}" for c in table.columns if c != table.number_column)
            self.query_one("#target-info", Static).update(
                f"{len(table.rows)} rows imported; "
                f"placeholders available: {escape(columns) or 'none'}"
            )

        self.app.push_screen(CsvImportDialog(), imported)

    @work(thread=True, exclusive=True, group="csv-index")
    def _index_rows(self, table: Table) -> None:
        """Normalise the CSV's numbers once, off the event loop (10 000 rows take a moment)."""
        column = table.number_column or ""
        index: dict[str, dict[str, str]] = {}
        for row in table.rows:
            try:
                index.setdefault(normalise(row.get(column, "")), row)
            except InputError:
                continue
        self.app.call_from_thread(self._indexed, table, index)

    def _indexed(self, table: Table, index: dict[str, dict[str, str]]) -> None:
        if table is self.table:
            self.rows_by_number = index
            self.refresh_counter()

    def fill_message(self, message: SmsMessage) -> None:
        """The stored text is the one sent (placeholders already filled): no CSV behind it."""
        self.table = None
        self.rows_by_number = None
        self.query_one("#sms-text", TextArea).load_text(message.text)
        fields = {
            "#sender": message.sender,
            "#schedule": schedule_text(message.schedule),
            "#campaign-id": message.campaign_id,
            "#template": message.template_id,
        }
        for selector, value in fields.items():
            self.query_one(selector, Input).value = value or ""
        if self.query_one("#route-row").display:
            self.query_one("#route", Select).value = message.route.value
        self.query_one("#long", Checkbox).value = message.long
        if any(fields.values()) or message.long or message.route is Route.MARKETING:
            self.query_one("#options", Collapsible).collapsed = False  # in sight, not hidden
        self.refresh_counter()

    # -- building the messages -----------------------------------------------------------------
    def build_messages(self) -> list[SmsMessage]:
        """One message, or one per distinct personalised text. Raises InputError."""
        recipients = self.validated_recipients(allow_empty=self.group is not None)
        info = self.provider_info()
        caps = info.capabilities if info else Capability(0)
        base = SmsMessage(
            text=self.message_text(),
            recipients=recipients,
            sender=self.optional("#sender"),
            route=self._route() if caps & Capability.ROUTE else Route.NOTIFICATION,
            long=self._long(),
            schedule=parse_schedule(self.query_one("#schedule", Input).value),
            campaign_id=self.optional("#campaign-id") if caps & Capability.CAMPAIGN_ID else None,
            template_id=self.optional("#template") if caps & Capability.TEMPLATES else None,
            group=self.group if caps & Capability.GROUPS else None,
        )
        unknown = [n for n in self.placeholders() if not self.table or n not in self.table.columns]
        if unknown:
            raise InputError("text", "unknown placeholder(s): " + ", ".join(unknown))
        texts = self.rendered_texts()
        if not texts:
            return [base]
        if base.group is not None:
            # Each distinct text is its own request, and each would go to the whole group.
            raise InputError(
                "recipients",
                "placeholders from a CSV cannot be combined with an eCampaign group: the group "
                "would receive every distinct text; clear the group or the placeholders",
            )
        orphans = [number for number in recipients if number not in texts]
        if orphans:
            # They would receive the raw template, "{prenom}" and all.
            raise InputError(
                "recipients",
                f"{len(orphans)} recipient(s) have no row in the imported CSV to fill the "
                f"placeholders, e.g. {orphans[0]}: remove them or add them to the file",
            )
        by_text: dict[str, list[str]] = {}
        for number in recipients:
            by_text.setdefault(texts[number], []).append(number)
        return [
            replace(base, text=text, recipients=tuple(numbers)) for text, numbers in by_text.items()
        ]

    def _counts(self, messages: Sequence[SmsMessage]) -> list[sms_text.SmsCount]:
        info = self.provider_info()
        kind = info.kind if info else None
        return [sms_text.count_sms(m.text, kind, m.route, m.long) for m in messages]

    def message_parts(self, messages: Sequence[SmsMessage]) -> int:
        counts = self._counts(messages)
        return sum(c.segments * len(m.recipients) for c, m in zip(counts, messages, strict=True))

    def summary_lines(self, messages: Sequence[SmsMessage]) -> list[tuple[str, str]]:
        from screens.compose.confirm import excerpt  # with the confirmation

        counts = self._counts(messages)
        recipients = sum(len(m.recipients) for m in messages)
        segments = max(c.segments for c in counts)
        total = self.message_parts(messages)
        default = self.account.options.get("sender") if self.account else None
        sender = messages[0].sender or (
            f"{default} (the account's)" if default else "the provider's default"
        )
        lines = [("Sender", sender)]
        if messages[0].template_id:
            lines.append(("Template", messages[0].template_id))
        if len(messages) > 1:
            example = excerpt(messages[0].text, 100)
            lines.append(("Text", f"{len(messages)} personalised texts, e.g. {example}"))
        else:
            lines.append(("Text", excerpt(messages[0].text)))
        lines.append(("Segments", f"{segments} per message ({counts[0].encoding})"))
        if recipients:
            lines.append(("Estimated use", f"{total} SMS ({segments} × {recipients} recipients)"))
        return lines

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            *super().palette_commands(),
            (
                "Transliterate (ctrl+t)",
                "Replace characters the provider cannot carry",
                self.action_transliterate,
            ),
            (
                "Import recipients from CSV (ctrl+o)",
                "Pick a file and its number column",
                self.action_import_csv,
            ),
            (
                "Target a group (ctrl+l)",
                "Send to a group's members, with filters",
                self.action_pick_group,
            ),
        ]


def fill(template: str, row: dict[str, str]) -> str:
    """``template`` with each ``{column}`` filled from the CSV row; unknown ones stay as typed."""

    def cell(match: re.Match[str]) -> str:
        return row.get(match.group(1), match.group(0))

    return PLACEHOLDER.sub(cell, template)
