"""Add or edit a member: one input per field, every value checked before the dialog closes.

It returns the values to send, already in the provider's form (``MemberValue``): for a new
member the fields filled in, for an edit the fields changed (an emptied field is sent empty, so
the provider clears it). Values from the provider are shown as typed text, never as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label

from providers.errors import InputError
from providers.models import Group, Member, MemberValue
from screens.dialogs.common import DIALOG_CSS
from screens.groups.forms import FORM_CSS, FormDialog
from tui.errors import visible
from tui.groups.values import FIELD_TYPES, member_values

PLACEHOLDERS = {
    "mobile": "06 12 34 56 78 or +33 6 12 34 56 78",
    "fixe": "01 23 45 67 89",
    "fax": "01 23 45 67 89",
    "mail": "name@example.fr",
    "planif": "YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
}


class MemberForm(FormDialog[tuple[MemberValue, ...]]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="MemberForm")
        + FORM_CSS.format(name="MemberForm")
        + "MemberForm VerticalScroll { max-height: 14; }"
    )

    def __init__(self, group: Group, member: Member | None = None) -> None:
        super().__init__()
        self.group = group
        self.member = member

    def compose(self) -> ComposeResult:
        title = (
            f"Member {self.member.id} of {self.group.name}"
            if self.member
            else f"New member of {self.group.name}"
        )
        with Vertical():
            yield Label(Text(visible(title)), classes="dialog-title")
            with VerticalScroll():
                for index, field in enumerate(self.group.fields):
                    what = FIELD_TYPES.get(field.type, field.type)
                    yield Label(Text(visible(f"{field.name} ({what})")), classes="field-label")
                    yield Input(
                        self._current(field.name),
                        placeholder=PLACEHOLDERS.get(field.type, ""),
                        id=f"member-value-{index}",
                        compact=True,
                        classes="wide",
                    )
            yield from self.buttons("Save" if self.member else "Add")

    def _current(self, name: str) -> str:
        """The value as stored; a phone number with its dialling code, so it reads as typed."""
        return self.member.values.get(name, "") if self.member else ""

    def submit(self) -> None:
        typed = {
            field.name: self.query_one(f"#member-value-{index}", Input).value
            for index, field in enumerate(self.group.fields)
        }
        if self.member is None:
            self.dismiss(member_values(self.group, typed))
            return
        changed = {
            name: value
            for name, value in typed.items()
            if value.strip() != self._current(name).strip()
        }
        if not changed:
            raise InputError("values", "nothing was changed")
        self.dismiss(member_values(self.group, changed, keep_empty=True))
