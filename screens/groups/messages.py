"""What the Groups screens' workers tell them: small dataclasses, posted, never callbacks.

A worker fetches from the provider and posts one of these; the screen updates its widgets when
it handles the message. Import progress says "this is where it stands now": a newer report
replaces one still waiting in the queue, so a fast import costs one redraw per frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from providers.models import Group, Member
from tui.groups.csv_members import CsvFile, ImportPlan
from tui.groups.import_spool import ImportRecord
from tui.groups.importer import ImportProgress, ImportReport
from tui.groups.provider_import import ImportEndpoints
from tui.groups.service import MemberList


@dataclass
class GroupsLoaded(Message, bubble=False):
    """The account's groups, or why they could not be read."""

    account: str
    groups: tuple[Group, ...] = ()
    error: Exception | None = None


@dataclass
class GroupLoaded(Message, bubble=False):
    """A group's details (its fields), or why they could not be read."""

    group: Group | None
    error: Exception | None = None


@dataclass
class MembersLoaded(Message, bubble=False):
    """The group's members, or a search's matches; ``where`` is the search (empty: all)."""

    members: MemberList | None
    where: tuple[tuple[str, str], ...] = ()
    error: Exception | None = None


@dataclass
class GroupChanged(Message, bubble=False):
    """A change was made (``done``, for the status line); what shows the group reloads."""

    done: str
    group_gone: bool = False


@dataclass
class ImportProgressed(Message, bubble=False):
    progress: ImportProgress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ImportProgressed)


@dataclass
class ImportFinished(Message, bubble=False):
    """The import ended (``report.stopped`` says when it ended early)."""

    report: ImportReport


@dataclass
class MemberChanged(Message, bubble=False):
    """A member was added or edited (as the provider now has it), or deleted (``gone``)."""

    member: Member
    gone: bool = False


@dataclass
class CsvRead(Message, bubble=False):
    """The import's file, read (or why it could not be)."""

    source: CsvFile | None
    error: Exception | None = None


@dataclass
class ImportChecked(Message, bubble=False):
    """Every row of the file checked against the group's fields (or why it could not be)."""

    plan: ImportPlan | None
    error: Exception | None = None


@dataclass
class ImportEndpointsFound(Message, bubble=False):
    """Where eCampaign can fetch an import file and post its report; None: it cannot here."""

    endpoints: ImportEndpoints | None


@dataclass
class ProviderImportSubmitted(Message, bubble=False):
    """The file was handed to eCampaign (``record``), or why not (``error``; ``record`` then
    says what became of the file, when one was written)."""

    record: ImportRecord | None
    error: Exception | None = None


@dataclass
class ImportRecordRead(Message, bubble=False):
    """An import handed to eCampaign, as its record now stands (its report once it came)."""

    record: ImportRecord

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ImportRecordRead)
