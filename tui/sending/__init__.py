"""The one send orchestration, for the console and the CLI alike.

``deliver`` sends one message or several (a personalised text), ``resend`` sends a stored one
again knowingly (``plan_resend`` says what it would target), ``validate`` / ``validate_all``
run the provider's local checks first. Progress arrives as ``SendProgress`` events. The rules
(intent journalled before the request, unknown outcomes never retried, a group with the first
batch only) are written in ``tui.sending.orchestrate``.

Each name is loaded from its module when first named (``__getattr__``, PEP 562): importing
``tui.sending.recipients`` to stage the numbers does not load the orchestration, and a plain
send does not load the resend rules (nor the sending hours they check).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING

from providers.lazy import names_from

if TYPE_CHECKING:
    from tui.sending.dispatch import validate as validate
    from tui.sending.dispatch import validate_all as validate_all
    from tui.sending.events import ProgressSink as ProgressSink
    from tui.sending.events import SendProgress as SendProgress
    from tui.sending.orchestrate import send as send
    from tui.sending.personalised import Delivery as Delivery
    from tui.sending.personalised import deliver as deliver
    from tui.sending.resend import ResendPlan as ResendPlan
    from tui.sending.resend import group_in_resend as group_in_resend
    from tui.sending.resend import plan_resend as plan_resend
    from tui.sending.resend import resend as resend
    from tui.sending.run import SendOutcome as SendOutcome

#: Where each name is defined.
_MODULES = {
    "Delivery": "tui.sending.personalised",
    "ProgressSink": "tui.sending.events",
    "ResendPlan": "tui.sending.resend",
    "SendOutcome": "tui.sending.run",
    "SendProgress": "tui.sending.events",
    "deliver": "tui.sending.personalised",
    "group_in_resend": "tui.sending.resend",
    "plan_resend": "tui.sending.resend",
    "resend": "tui.sending.resend",
    "send": "tui.sending.orchestrate",
    "validate": "tui.sending.dispatch",
    "validate_all": "tui.sending.dispatch",
}

__all__ = sorted(_MODULES)


class _Package(types.ModuleType):
    """This package, keeping ``resend`` the function once its module ``tui.sending.resend`` is
    loaded: the import system names every loaded submodule on its package (``setattr``), which
    would otherwise hide the function behind the module of the same name."""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "resend" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__getattr__ = names_from(__name__, _MODULES)
