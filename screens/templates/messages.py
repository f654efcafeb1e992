"""What the workers of the Templates screen (templates, blacklists, replies, look-ups) post.

Small dataclasses, as in ``screens.messages``: a worker never writes into a table itself, it
posts what it fetched, tagged with the account (and channel) it fetched it for, so that an
answer arriving after the operator switched account is dropped instead of shown under the
wrong name. Each is posted to the pane that started the worker (``bubble=False``).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from providers.ecampaign import HlrResult
from providers.models import BlacklistEntry, Template
from tui.feedback import Reply


@dataclass
class TemplatesListed(Message, bubble=False):
    account: str
    templates: tuple[Template, ...]


@dataclass
class TemplateRead(Message, bubble=False):
    """A template's details, read for ``purpose`` (``detail``, ``edit``, ``use``...)."""

    account: str
    template: Template
    purpose: str


@dataclass
class BlacklistListed(Message, bubble=False):
    account: str
    channel: str
    entries: tuple[BlacklistEntry, ...]


@dataclass
class RepliesListed(Message, bubble=False):
    account: str
    channel: str
    replies: list[Reply]


@dataclass
class NumberLookedUp(Message, bubble=False):
    account: str
    result: HlrResult


@dataclass
class ActionDone(Message, bubble=False):
    """A change went through (saved, deleted, removed): say so and reload."""

    account: str
    message: str


@dataclass
class ActionFailed(Message, bubble=False):
    """A call failed: ``title`` says what did not happen; ``error`` is worded by describe()."""

    account: str
    title: str
    error: Exception
    #: What the operator can do about it, beyond the error's own words (code 61...).
    hint: str | None = None
