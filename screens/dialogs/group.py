"""Target an eCampaign group: pick the group, its destination field, and optional filters.

Group and field names come from the provider: they are shown as ``Text`` (never markup) with
their control characters made visible; the values the dialog returns stay as the provider wrote
them, since they go back to it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from providers.errors import InputError, ProviderError
from providers.models import FilterCriterion, Group, GroupTarget
from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.accounts.credentials import CredentialError
from tui.errors import describe, visible

if TYPE_CHECKING:
    from tui.session import Session

OPERATORS = (
    ("=", "equals"),
    ("!=", "differs from"),
    ("LIKE", "contains"),
    ("NOTLIKE", "does not contain"),
    ("BEGIN", "begins with"),
    ("NOTBEGIN", "does not begin with"),
    ("END", "ends with"),
    ("NOTEND", "does not end with"),
    ("NOTNULL", "is filled"),
    ("NULL", "is empty"),
)
FILTER_ROWS = 2
#: Errors a provider lookup is expected to raise; anything else is logged with its traceback.
EXPECTED = (ProviderError, CredentialError, InputError)

log = logging.getLogger(__name__)


def _error_text(exc: Exception) -> Text:
    """One line for the dialog: describe()'s title and message, as text (never markup)."""
    if not isinstance(exc, EXPECTED):
        log.exception("group lookup failed")
    described = describe(exc)
    return Text(f"{described.title}: {described.message}", style="red")


class GroupTargetDialog(Dialog[GroupTarget | None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="GroupTargetDialog")
        + """
    GroupTargetDialog Select { margin-bottom: 1; }
    GroupTargetDialog .filters-label { color: $text-muted; }
    GroupTargetDialog .filter-row { height: auto; margin-bottom: 1; }
    GroupTargetDialog .filter-row Select { width: 1fr; margin: 0 1 0 0; }
    GroupTargetDialog .filter-row Input { width: 1fr; }
    """
    )

    def __init__(self, session: Session, account: str) -> None:
        super().__init__()
        self.session = session
        self.account = account
        self.groups: dict[str, Group] = {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Send to an eCampaign group", classes="dialog-title")
            yield Static("Loading the groups…", id="group-info", classes="hint")
            # Compact widgets, one line each: with its buttons the dialog fits 24 rows.
            yield Select[str]([], prompt="group", id="group", compact=True)
            yield Select[str]([], prompt="destination field (phone)", id="field", compact=True)
            yield Label("Filters (optional)", classes="filters-label")
            yield Select[str](
                [("all criteria (AND)", "AND"), ("any criterion (OR)", "OR")],
                value="AND",
                allow_blank=False,
                id="global-operator",
                compact=True,
            )
            for index in range(FILTER_ROWS):
                with Horizontal(classes="filter-row"):
                    yield Select[str](
                        [], prompt="filter field", id=f"filter-field-{index}", compact=True
                    )
                    yield Select[str](
                        [(label, op) for op, label in OPERATORS],
                        prompt="operator",
                        id=f"filter-op-{index}",
                        compact=True,
                    )
                    yield Input(placeholder="value", id=f"filter-value-{index}", compact=True)
            yield Static("", id="group-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Use this group", id="use", variant="primary", disabled=True, compact=True
                )
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.load_groups()

    @work(exclusive=True, group="groups")
    async def load_groups(self) -> None:
        info = self.query_one("#group-info", Static)
        try:
            provider: Any = await self.session.provider(self.account)
            groups = await provider.list_groups()
        except Exception as exc:  # a worker's exception would close the console
            info.update(_error_text(exc))
            return
        self.groups = {group.id: group for group in groups}
        self.query_one("#group", Select).set_options(
            [(Text(visible(f"{group.name} (#{group.id})")), group.id) for group in groups]
        )
        info.update(f"{len(groups)} group(s)." if groups else "This account has no group.")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "group" and isinstance(event.value, str):
            self.load_fields(event.value)

    @work(exclusive=True, group="fields")
    async def load_fields(self, group_id: str) -> None:
        try:
            provider: Any = await self.session.provider(self.account)
            group: Group = await provider.get_group(group_id)
        except Exception as exc:  # a worker's exception would close the console
            self.query_one("#group-error", Static).update(_error_text(exc))
            return
        phone_fields = [f.name for f in group.fields if f.type in ("mobile", "fixe", "fax")]
        self.query_one("#field", Select).set_options(
            [(Text(visible(name)), name) for name in phone_fields]
        )
        if phone_fields:
            self.query_one("#field", Select).value = phone_fields[0]
        for index in range(FILTER_ROWS):
            self.query_one(f"#filter-field-{index}", Select).set_options(
                [(Text(visible(f.name)), f.name) for f in group.fields]
            )
        self.query_one("#use", Button).disabled = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "use":
            self.dismiss(None)
            return
        group_id = self.query_one("#group", Select).value
        field = self.query_one("#field", Select).value
        if not isinstance(group_id, str) or not isinstance(field, str):
            self.query_one("#group-error", Static).update("Choose a group and its phone field.")
            return
        criteria = []
        for index in range(FILTER_ROWS):
            name = self.query_one(f"#filter-field-{index}", Select).value
            operator = self.query_one(f"#filter-op-{index}", Select).value
            value = self.query_one(f"#filter-value-{index}", Input).value.strip()
            if isinstance(name, str) and isinstance(operator, str):
                criteria.append(FilterCriterion(name, operator, value))
        global_operator = self.query_one("#global-operator", Select).value
        self.dismiss(
            GroupTarget(
                group_id,
                (field,),
                str(global_operator) if criteria else None,
                tuple(criteria),
            )
        )
