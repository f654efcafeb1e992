"""The Groups dialogs that define a group: create it, rename it, lock it, add and remove fields.

Each returns what the operator chose through ``dismiss()`` (None: cancelled) and sends nothing
itself; the screen's worker does. Names typed here are checked (``tui.groups.values``) before the
dialog closes. Group and field names from the provider are shown as ``Text``, controls visible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, SelectionList, Static

from providers.errors import InputError
from providers.models import Group, GroupField
from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.errors import describe_text, visible
from tui.groups.values import check_field_name, check_new_fields

FORM_CSS = """
{name} .field-row {{ height: auto; }}
{name} .field-row Input {{ width: 1fr; }}
{name} .field-row Select {{ width: 22; }}
{name} .field-row Checkbox {{ width: auto; }}
{name} VerticalScroll {{ height: auto; max-height: 12; }}
{name} Input.wide {{ width: 1fr; }}
"""
T = TypeVar("T")
#: Short enough for one line in a 22-column select.
TYPE_OPTIONS = [
    ("mobile", "mobile"),
    ("fixe · landline", "fixe"),
    ("fax", "fax"),
    ("mail · e-mail", "mail"),
    ("planif · date", "planif"),
    ("custom · text", "custom"),
]


def _compact(*widgets: Input | Select[str] | Checkbox | Button) -> None:
    for widget in widgets:
        widget.compact = True


class FieldRows(Vertical):
    """Rows of (name, type, no duplicates), and a button that adds one."""

    DEFAULT_CSS = "FieldRows { height: auto; }"

    def __init__(self, rows: int = 1, *, first: GroupField | None = None, id: str | None = None):
        super().__init__(id=id)
        self.initial = rows
        self.first = first
        self.count = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="field-rows"):
            for index in range(self.initial):
                yield self._row(self.first if index == 0 else None)
        add = Button("+ another field", id="add-field-row")
        _compact(add)
        yield add

    def _row(self, spec: GroupField | None = None) -> Horizontal:
        index = self.count
        self.count += 1
        name = Input(spec.name if spec else "", placeholder="field name", id=f"field-name-{index}")
        kind = Select[str](
            TYPE_OPTIONS,
            value=spec.type if spec else "custom",
            allow_blank=False,
            id=f"field-type-{index}",
        )
        unique = Checkbox("no duplicates", bool(spec and spec.unique), id=f"field-unique-{index}")
        _compact(name, kind, unique)
        return Horizontal(name, kind, unique, classes="field-row")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "add-field-row":
            event.stop()
            row = self._row()
            self.query_one("#field-rows", VerticalScroll).mount(row)
            row.query_one(Input).focus()

    def fields(self) -> list[GroupField]:
        """The rows with a name (``InputError`` for a bad one); empty rows are ignored."""
        fields = []
        for index in range(self.count):
            name = self.query_one(f"#field-name-{index}", Input).value
            if not name.strip():
                continue
            kind = self.query_one(f"#field-type-{index}", Select).value
            unique = self.query_one(f"#field-unique-{index}", Checkbox).value
            fields.append(GroupField(check_field_name(name), str(kind), True if unique else None))
        return fields


@dataclass(frozen=True)
class NewGroup:
    name: str
    fields: tuple[GroupField, ...]
    locked_structure: bool = False
    locked_content: bool = False


class FormDialog(Dialog[T]):
    """A title, the form, an error line, the buttons; ``submit()`` checks and dismisses."""

    def error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(visible(message)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            try:
                self.submit()
            except InputError as exc:
                self.error(describe_text(exc))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.on_button_pressed(Button.Pressed(self.query_one("#ok", Button)))

    def submit(self) -> None:
        raise NotImplementedError

    def buttons(self, label: str) -> ComposeResult:
        yield Static("", id="form-error", classes="error-text")
        with Horizontal(classes="dialog-buttons"):
            yield Button(label, id="ok", variant="primary", compact=True)
            yield Button("Cancel", id="cancel", compact=True)


class GroupForm(FormDialog[NewGroup]):
    """Create a group: its name, its locks and its fields."""

    DEFAULT_CSS = DIALOG_CSS.format(name="GroupForm") + FORM_CSS.format(name="GroupForm")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("New group", classes="dialog-title")
            name = Input(placeholder="group name", id="group-name", classes="wide")
            structure = Checkbox("lock its fields (structure)", id="lock-structure")
            content = Checkbox("lock its members (content)", id="lock-content")
            _compact(name, structure, content)
            yield name
            yield Horizontal(structure, content, classes="field-row")
            yield Label("Fields (at least one)", classes="field-label")
            yield FieldRows(3, first=GroupField("mobile", "mobile", True))
            yield from self.buttons("Create")

    def submit(self) -> None:
        name = self.query_one("#group-name", Input).value.strip()
        if not name:
            raise InputError("name", "give the group a name")
        fields = self.query_one(FieldRows).fields()
        if not fields:
            raise InputError("fields", "give at least one field")
        check_new_fields(fields)
        self.dismiss(
            NewGroup(
                name,
                tuple(fields),
                self.query_one("#lock-structure", Checkbox).value,
                self.query_one("#lock-content", Checkbox).value,
            )
        )


class RenameDialog(FormDialog[str]):
    DEFAULT_CSS = DIALOG_CSS.format(name="RenameDialog") + FORM_CSS.format(name="RenameDialog")

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(visible(f"Rename {self.group.name}")), classes="dialog-title")
            name = Input(self.group.name, placeholder="new name", id="group-name", classes="wide")
            _compact(name)
            yield name
            yield from self.buttons("Rename")

    def submit(self) -> None:
        name = self.query_one("#group-name", Input).value.strip()
        if not name:
            raise InputError("name", "give the group a name")
        self.dismiss(name)


class LocksDialog(FormDialog[tuple[bool, bool]]):
    """Returns ``(locked_structure, locked_content)``."""

    DEFAULT_CSS = DIALOG_CSS.format(name="LocksDialog") + FORM_CSS.format(name="LocksDialog")

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(visible(f"Locks of {self.group.name}")), classes="dialog-title")
            yield Static(
                "Locked parts cannot be changed on eCampaign's web interface.", classes="hint"
            )
            structure = Checkbox(
                "structure (fields)", self.group.locked_structure, id="lock-structure"
            )
            content = Checkbox("content (members)", self.group.locked_content, id="lock-content")
            _compact(structure, content)
            yield structure
            yield content
            yield from self.buttons("Apply")

    def submit(self) -> None:
        self.dismiss(
            (
                self.query_one("#lock-structure", Checkbox).value,
                self.query_one("#lock-content", Checkbox).value,
            )
        )


@dataclass(frozen=True)
class FieldChanges:
    added: tuple[GroupField, ...] = ()
    removed: tuple[str, ...] = ()


class FieldsDialog(FormDialog["FieldChanges"]):
    """Mark fields to remove, and add new ones."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="FieldsDialog")
        + FORM_CSS.format(name="FieldsDialog")
        + "FieldsDialog SelectionList { height: auto; max-height: 8; }"
    )

    def __init__(self, group: Group) -> None:
        super().__init__()
        self.group = group

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(visible(f"Fields of {self.group.name}")), classes="dialog-title")
            yield Label("Tick the fields to remove (their values go with them)", classes="hint")
            yield SelectionList[str](
                *(
                    (Text(visible(f"{f.name} · {f.type}")), f.name, False)
                    for f in self.group.fields
                ),
                id="remove-fields",
                compact=True,
            )
            yield Label("Fields to add", classes="field-label")
            yield FieldRows(1)
            yield Static(
                "eCampaign does not say which existing fields refuse duplicates.", classes="hint"
            )
            yield from self.buttons("Apply")

    def submit(self) -> None:
        removed = tuple(self.query_one(SelectionList).selected)
        added = tuple(self.query_one(FieldRows).fields())
        check_new_fields(added, [f.name for f in self.group.fields])
        if len(removed) == len(self.group.fields) and not added:
            raise InputError("fields", "a group keeps at least one field")
        if not removed and not added:
            raise InputError("fields", "nothing to change")
        self.dismiss(FieldChanges(added, removed))
