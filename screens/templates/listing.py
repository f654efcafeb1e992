"""The Templates tab: the account's templates by type, with search, and every action on them.

The list comes whole from the provider (one request) and is filtered here, by type and by a
search on the id and the name. Enter shows a template's details, from which it can be used in
Compose, edited, deleted, or (voice) have its recordings pushed or downloaded; each of those
also has its own key. Names come from the provider: cells are ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from providers.base import Capability
from providers.models import Template
from screens.compose.form import ComposeForm
from screens.dialogs.common import ConfirmDialog
from screens.host import host_app
from screens.templates.detail import TemplateDetail
from screens.templates.form import Saver, TemplateForm
from screens.templates.messages import ActionDone, TemplateRead, TemplatesListed
from screens.templates.pane import AccountPane
from screens.templates.recordings import RecordingsDialog, ServiceOpener
from tui import templates as tpl
from tui.errors import visible

TYPE_CHOICES = [("all types", "all"), ("SMS", "sms"), ("voice", "voice"), ("e-mail", "mail")]
KEYS = "Enter details · n new · e edit · Del delete · u use · r recordings · / search"
#: The composer that sends each type of template (e-mail has none).
COMPOSER = {"sms": "sms", "voice": "voice"}


class TemplatesPane(AccountPane):
    CAPABILITY = Capability.TEMPLATES
    WHAT = "templates"
    BINDINGS = [
        Binding("n", "new_template", "New", id="templates.new"),
        Binding("e", "edit_template", "Edit", id="templates.edit"),
        Binding("delete", "delete_template", "Delete", id="templates.delete", key_display="Del"),
        Binding("u", "use_template", "Use", id="templates.use"),
        Binding("r", "recordings", "Recordings", id="templates.recordings", show=False),
        Binding("slash", "search", "Search", id="templates.search", show=False),
        Binding("ctrl+r", "reload", "Reload", id="templates.reload", show=False),
    ]

    templates: tuple[Template, ...] = ()

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-row"):
            yield Select(TYPE_CHOICES, value="all", allow_blank=False, id="template-type")
            yield Input(placeholder="search ids and names (/)", id="template-search")
        yield Static(KEYS, classes="pane-keys")
        yield DataTable[Text](id="templates-table", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="pane-status")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Id", "Type", "Updated", "Name"):
            table.add_column(label, key=label.lower())

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            (
                "New template (n)",
                "Create an SMS, e-mail or voice template",
                self.action_new_template,
            ),
            ("Template details (Enter)", "Settings of the selected template", self.show_detail),
            ("Edit template (e)", "Change the selected template", self.action_edit_template),
            ("Delete template (Del)", "Delete the selected template", self.action_delete_template),
            ("Use template in Compose (u)", "Compose with it", self.action_use_template),
            ("Voice recordings (r)", "Push or download MP3s", self.action_recordings),
            ("Reload templates (ctrl+r)", "Fetch the list again", self.action_reload),
        ]

    # -- the list --------------------------------------------------------------------------------
    def clear(self) -> None:
        self.templates = ()
        self.query_one(DataTable).clear()

    def reload(self) -> None:
        if self.account is not None and self.supported():
            self.status("Loading the templates…")
            self.list_templates(self.account)

    @work(exclusive=True, group="templates-list")
    async def list_templates(self, account: str) -> None:
        try:
            service = tpl.template_service(await self.provider(), account)
            found = await service.list_templates()
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, "Templates not loaded", exc)
            return
        self.post_message(TemplatesListed(account, found))

    def on_templates_listed(self, event: TemplatesListed) -> None:
        if self.mine(event.account):
            self.loaded_for = event.account
            self.templates = event.templates
            self.fill()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "template-type":
            self.fill()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "template-search":
            self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "template-search":
            self.query_one(DataTable).focus()

    def fill(self) -> None:
        kind = self.query_one("#template-type", Select).value
        search = self.query_one("#template-search", Input).value
        shown = [
            t
            for t in self.templates
            if (kind == "all" or t.type == kind) and tpl.matches(t, search)
        ]
        table = self.query_one(DataTable)
        selected = self.selected()
        table.clear()
        for template in shown:
            table.add_row(
                Text(visible(template.id)),
                Text(tpl.TYPE_LABELS.get(template.type, visible(template.type))),
                Text(visible(template.updated or template.created or "")),
                Text(visible(template.name)),
                key=template.id,
            )
        ids = [t.id for t in shown]
        if selected is not None and selected.id in ids:
            table.move_cursor(row=ids.index(selected.id))
        total = len(self.templates)
        self.status(f"{len(shown)} of {total} template(s) shown." if total else "No template yet.")

    def selected(self) -> Template | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.templates if t.id == key), None)

    def _selected_or_warn(self) -> Template | None:
        template = self.selected()
        if template is None:
            self.notify("Select a template first (or press n to create one).", severity="warning")
        return template

    # -- actions ---------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_search(self) -> None:
        self.query_one("#template-search", Input).focus()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        template = self._selected_or_warn()
        if template is not None:
            self.read_template(template.id, "detail")

    def action_edit_template(self) -> None:
        template = self._selected_or_warn()
        if template is not None:
            self.read_template(template.id, "edit")

    @work(exclusive=True, group="templates-read")
    async def read_template(self, template_id: str, purpose: str) -> None:
        account = self.account
        if account is None:
            return
        self.status(f"Reading template {template_id}…")
        try:
            service = tpl.template_service(await self.provider(), account)
            template = await service.get_template(template_id)
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, f"Template {template_id} not read", exc)
            return
        self.post_message(TemplateRead(account, template, purpose))

    def on_template_read(self, event: TemplateRead) -> None:
        if not self.mine(event.account):
            return
        self.status("")
        if event.purpose == "edit":
            self.open_form(event.template)
            return

        def chosen(action: str | None) -> None:
            if action == "edit":
                self.open_form(event.template)
            elif action == "delete":
                self.confirm_delete(event.template)
            elif action == "use":
                self.use(event.template)
            elif action == "recordings":
                self.open_recordings(event.template)

        self.app.push_screen(TemplateDetail(event.template), chosen)

    def action_new_template(self) -> None:
        if self.account is None or not self.supported():
            self.notify("Choose an eCampaign account first.", severity="warning")
            return
        self.open_form(None)

    def open_form(self, template: Template | None) -> None:
        account = self.account
        if account is None:
            return
        saver = self._saver(account, template)

        def saved(message: str | None) -> None:
            if message:
                self.post_message(ActionDone(account, message))

        self.app.push_screen(TemplateForm(template, saver), saved)

    def _saver(self, account: str, template: Template | None) -> Saver:
        async def save(draft: tpl.TemplateDraft) -> str:
            service = tpl.template_service(await self.session.provider(account), account)
            if template is not None:
                await service.mod_template(template.id, draft.name, draft.type, **draft.fields())
                return f"Template {template.id} saved."
            created = await service.add_template(draft.name, draft.type, **draft.fields())
            message = f"Template {created.id} created."
            if created.phone_number:
                code = f", code {created.phone_code}" if created.phone_code else ""
                message += (
                    f" Record its messages by calling {created.phone_number}{code}, or push "
                    "MP3 files (r)."
                )
            return message

        return save

    def action_delete_template(self) -> None:
        template = self._selected_or_warn()
        if template is not None:
            self.confirm_delete(template)

    def confirm_delete(self, template: Template) -> None:
        account = self.account
        if account is None:
            return
        dialog = ConfirmDialog(
            f"Delete the template {template.name}?",
            [
                ("Id", template.id),
                ("Type", tpl.TYPE_LABELS.get(template.type, template.type)),
                ("Account", account),
            ],
            [("delete", "Delete", "error")],
            warning="eCampaign refuses (code 61) while a scheduled campaign uses the template.",
        )

        def confirmed(choice: str | None) -> None:
            if choice == "delete":
                self.delete_template(account, template)

        self.app.push_screen(dialog, confirmed)

    @work(group="templates-change")
    async def delete_template(self, account: str, template: Template) -> None:
        self.status(f"Deleting template {template.id}…")
        try:
            service = tpl.template_service(await self.session.provider(account), account)
            await service.del_template(template.id)
        except Exception as exc:  # a worker's exception would close the console
            code = getattr(exc, "code", None)
            hint = tpl.delete_refusal(code) if isinstance(code, str) else None
            self.failed(account, f"Template {template.id} not deleted", exc, hint)
            return
        self.post_message(ActionDone(account, f"Template {template.id} deleted."))

    def action_use_template(self) -> None:
        template = self._selected_or_warn()
        if template is not None:
            self.use(template)

    @work(group="templates-use")
    async def use(self, template: Template) -> None:
        account = self.account
        mode = COMPOSER.get(template.type)
        if account is None:
            return
        if mode is None:
            self.notify(
                "Compose sends SMS and voice messages: use an e-mail template from eCampaign's "
                "web interface.",
                title="Not an SMS or voice template",
                severity="warning",
            )
            return
        # The account first: a composer opened for the first time then starts on it, rather
        # than on the previous account and then being switched while its own choice is queued.
        host_app(self).current_account = account
        await self.app.switch_mode(mode)
        composer = self.app.screen
        if isinstance(composer, ComposeForm):
            await composer.preset_template(account, template.id)
            self.notify(
                f"Template {template.id} is in Compose's template field: add the recipients, "
                "then send.",
                title=tpl.summary(template),
                markup=False,
            )

    def action_recordings(self) -> None:
        template = self._selected_or_warn()
        if template is not None:
            self.open_recordings(template)

    def open_recordings(self, template: Template) -> None:
        account = self.account
        if account is None:
            return
        if template.type != "voice":
            self.notify("Only voice templates have recordings.", severity="warning")
            return
        self.app.push_screen(RecordingsDialog(template, self._recordings_service(account)))

    def _recordings_service(self, account: str) -> ServiceOpener:
        async def service() -> tpl.TemplateService:
            return tpl.template_service(await self.session.provider(account), account)

        return service
