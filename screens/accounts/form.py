"""The account form (add and edit) and the passphrase prompt the console uses for the file store.

The form only collects and validates (option values included, ``tui.accounts.options``: an
Octopush sender with ``sms_type`` XXX is refused here); it returns an ``AccountDraft`` and the
Accounts screen stores it off the event loop. The secret field is masked; the draft's repr never
shows it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from providers.base import PROVIDER_KINDS, ProviderInfo, provider_info
from screens.accounts.passphrase import passphrase_prompt
from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import env_var_name, secret_from_env
from tui.accounts.options import OptionError, validate_settings
from tui.accounts.os_keyring import KeyringState
from tui.errors import describe_text

STORE_LABELS = {
    "keyring": "OS keyring",
    "file": "encrypted file (passphrase)",
    "env": "environment only (nothing stored)",
}


@dataclass(frozen=True)
class AccountDraft:
    """What the form returns: the account, and the secret typed (None: keep the stored one)."""

    account: Account
    secret: str | None = field(default=None, repr=False)
    make_default: bool = False


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _login_required(info: ProviderInfo) -> bool:
    # VoicePartner authenticates with the API key alone; its label says the login is unused.
    return "unused" not in info.login_label


class AccountForm(Dialog[AccountDraft | None]):
    """Add (``account=None``) or edit an account; per-provider options come from its INFO."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="AccountForm")
        + """
    AccountForm > Vertical { width: 96; height: 100%; max-height: 36; padding: 0 1; }
    AccountForm .dialog-title { margin-bottom: 0; }
    AccountForm #form-body { height: 1fr; }
    AccountForm .field { height: 1; margin-top: 1; }
    AccountForm #options .field { margin-top: 0; }
    AccountForm .field > Label { width: 24; color: $text-muted; }
    AccountForm .field > Input, AccountForm .field > Select { width: 1fr; }
    AccountForm #options { height: auto; }
    AccountForm .note { color: $text-muted; height: auto; padding-left: 24; }
    AccountForm Checkbox { border: none; height: 1; padding: 0; margin-top: 1; }
    AccountForm #form-error { color: $error; height: auto; }
    AccountForm .dialog-buttons { margin-top: 0; }
    """
    )

    def __init__(
        self,
        *,
        account: Account | None = None,
        existing: Collection[str] = (),
        keyring: KeyringState | None = None,
        is_default: bool = False,
    ) -> None:
        super().__init__()
        self.original = account
        self.existing = set(existing)
        self.keyring = keyring
        self.is_default = is_default
        self._choices: list[str] = []

    # -- layout -----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        account = self.original
        kind = account.provider if account else PROVIDER_KINDS[0]
        with Vertical():
            title = f"Edit account {account.name}" if account else "Add an account"
            yield Label(escape(title), classes="dialog-title")
            with VerticalScroll(id="form-body"):
                with Horizontal(classes="field"):
                    yield Label("Name")
                    yield Input(
                        account.name if account else "",
                        placeholder="letters, digits, . _ - (e.g. octopush-prod)",
                        id="name",
                        disabled=account is not None,
                        compact=True,
                    )
                with Horizontal(classes="field"):
                    yield Label("Provider")
                    yield Select[str](
                        [(provider_info(k).label, k) for k in PROVIDER_KINDS],
                        value=kind,
                        allow_blank=False,
                        id="provider",
                        disabled=account is not None,
                        compact=True,
                    )
                with Horizontal(classes="field"):
                    yield Label("", id="login-label")
                    yield Input(account.login if account else "", id="login", compact=True)
                with Horizontal(classes="field"):
                    yield Label("", id="secret-label")
                    yield Input(password=True, id="secret", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Secret kept in")
                    choices = self._store_choices(account.name if account else "")
                    self._choices = choices
                    yield Select[str](
                        [(STORE_LABELS[c], c) for c in choices],
                        value=self._preferred_store(choices, None),
                        allow_blank=False,
                        id="store",
                        compact=True,
                    )
                yield Static("", id="store-note", classes="note")
                yield Vertical(id="options")
                yield Checkbox("Default account", self.is_default, id="default")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")

    async def on_mount(self) -> None:
        await self._provider_changed()
        self._fill_stores()
        self.query_one("#login" if self.original else "#name", Input).focus()

    # -- reactions --------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return str(self.query_one("#provider", Select).value)

    @property
    def name_value(self) -> str:
        return self.query_one("#name", Input).value.strip()

    async def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "provider":
            await self._provider_changed()
        elif event.select.id == "store":
            self._store_changed()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "name":
            self._fill_stores()

    async def _provider_changed(self) -> None:
        info = provider_info(self.kind)
        self.query_one("#login-label", Label).update(escape(_first_upper(info.login_label)))
        login = self.query_one("#login", Input)
        login.placeholder = "" if _login_required(info) else "may stay blank"
        self.query_one("#secret-label", Label).update(escape(_first_upper(info.secret_label)))
        secret = self.query_one("#secret", Input)
        secret.placeholder = "blank: keep the stored one" if self.original else ""
        current = self.original.options if self.original else {}
        widgets: list[Widget] = []
        for spec in info.options:
            required = " *" if spec.required else ""
            widgets.append(
                Horizontal(
                    Label(escape(spec.key + required)),
                    Input(
                        current.get(spec.key, ""),
                        placeholder=spec.default or "",
                        id=f"opt-{spec.key}",
                        compact=True,
                    ),
                    classes="field",
                )
            )
            widgets.append(Static(escape(spec.description), classes="note"))
        options = self.query_one("#options", Vertical)
        await options.remove_children()
        await options.mount_all(widgets)

    def _store_choices(self, name: str) -> list[str]:
        """The keyring when there is one, the file always, the environment when it is set."""
        choices: list[str] = []
        if self.keyring is None or self.keyring.available:
            choices.append("keyring")
        choices.append("file")
        original = self.original.secret_store if self.original else None
        if (name and secret_from_env(name)) or original == "env":
            choices.append("env")
        if original and original not in choices:
            choices.insert(0, original)  # e.g. the keyring is gone: still shown as it is
        return choices

    def _preferred_store(self, choices: list[str], previous: str | None) -> str:
        original = self.original.secret_store if self.original else None
        # "env" is only offered when the variable is set (or already the account's store).
        for candidate in (previous, original, "env"):
            if candidate in choices:
                return candidate
        return choices[0]

    def _fill_stores(self) -> None:
        choices = self._store_choices(self.name_value)
        if choices == self._choices:
            return self._store_changed()
        self._choices = choices
        select: Select[str] = self.query_one("#store", Select)
        previous = select.value if isinstance(select.value, str) else None
        select.set_options([(STORE_LABELS[c], c) for c in choices])
        select.value = self._preferred_store(choices, previous)
        self._store_changed()

    def _store_changed(self) -> None:
        store = self._store()
        name = self.name_value
        secret = self.query_one("#secret", Input)
        secret.disabled = store == "env"
        notes: list[str] = []
        if name and secret_from_env(name):
            notes.append(
                f"{env_var_name(name)} is set: it is used, and takes precedence over any "
                "stored secret (read-only here)."
            )
        if store == "env":
            notes.append(f"The secret is read from {env_var_name(name or 'NAME')} only.")
            if self.original and self.original.secret_store in ("keyring", "file"):
                notes.append("Saving deletes the stored secret.")
        elif store == "file":
            notes.append("The file store's passphrase is asked once per session.")
        if self.keyring is not None and not self.keyring.available:
            notes.append(_first_upper(self.keyring.description) + ".")
        self.query_one("#store-note", Static).update(escape(" ".join(notes)))

    def _store(self) -> str:
        value = self.query_one("#store", Select).value
        return value if isinstance(value, str) else "file"

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self._save()
        else:
            self.dismiss(None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._save()

    # -- validation -------------------------------------------------------------------------------
    def _refuse(self, message: str, focus: str | None = None) -> None:
        self.query_one("#form-error", Static).update(escape(message))
        if focus is not None:
            self.query_one(focus).focus()

    def _save(self) -> None:
        info = provider_info(self.kind)
        name = self.name_value
        if not name:
            return self._refuse("Give the account a name.", "#name")
        if self.original is None and name in self.existing:
            return self._refuse(f"An account named {name} exists already.", "#name")
        login = self.query_one("#login", Input).value.strip()
        if not login and _login_required(info):
            return self._refuse(f"The {info.login_label} is required.", "#login")
        options: dict[str, str] = {}
        for spec in info.options:
            value = self.query_one(f"#opt-{spec.key}", Input).value.strip()
            if value:
                options[spec.key] = value
            elif spec.required and not spec.default:
                return self._refuse(f"The option {spec.key} is required.", f"#opt-{spec.key}")
        store = self._store()
        secret: str | None = self.query_one("#secret", Input).value
        if store == "env" or not secret:
            secret = None
        was_stored = self.original is not None and self.original.secret_store != "env"
        if store != "env" and secret is None and not was_stored:
            # Never copy an environment secret into a store behind the operator's back.
            return self._refuse(f"Type the {info.secret_label} to store it.", "#secret")
        if secret is not None and (secret != secret.strip() or not secret.isprintable()):
            return self._refuse(
                f"The {info.secret_label} has leading or trailing blanks or control characters.",
                "#secret",
            )
        original = self.original
        unchanged = (
            original is not None
            and secret is None
            and (login, options) == (original.login, dict(original.options))
        )
        # The last check stays only while nothing it depended on has changed.
        last_check = original.last_check if original is not None and unchanged else None
        account = Account(name, info.kind, login, options, store, last_check)
        try:
            validate_settings(account)  # option values too: refused now, not at the first send
        except OptionError as exc:
            return self._refuse(describe_text(exc), f"#opt-{exc.key}")
        except ConfigError as exc:
            return self._refuse(describe_text(exc))
        make_default = self.query_one("#default", Checkbox).value
        self.dismiss(AccountDraft(account, secret, make_default))


__all__ = ["AccountDraft", "AccountForm", "passphrase_prompt"]
