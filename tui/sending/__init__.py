"""The one send orchestration, for the console and the CLI alike.

``deliver`` sends one message or several (a personalised text), ``resend`` sends a stored one
again knowingly (``plan_resend`` says what it would target), ``validate`` / ``validate_all``
run the provider's local checks first. Progress arrives as ``SendProgress`` events. The rules
(intent journalled before the request, unknown outcomes never retried, a group with the first
batch only) are written in ``tui.sending.orchestrate``.
"""

from tui.sending.dispatch import validate, validate_all
from tui.sending.events import ProgressSink, SendProgress
from tui.sending.orchestrate import send
from tui.sending.personalised import Delivery, deliver
from tui.sending.resend import ResendPlan, group_in_resend, plan_resend, resend
from tui.sending.run import SendOutcome

__all__ = [
    "Delivery",
    "ProgressSink",
    "ResendPlan",
    "SendOutcome",
    "SendProgress",
    "deliver",
    "group_in_resend",
    "plan_resend",
    "resend",
    "send",
    "validate",
    "validate_all",
]
