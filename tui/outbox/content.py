"""What makes two sends "the same": a hash of their content, and the request id of a batch.

``content_hash`` covers the account and everything the recipients would read or hear (text or
voice content, sender, schedule, route, campaign...), not the recipients: two sends with the
same hash that share a number would give that person the same message twice. The outbox
stores it with each send (``sends.content_hash``, indexed with the account), so that a new send
overlapping an unfinished one is found by one indexed look-up and one join on the numbers.

``batch_request_id`` is the duplicate guard's id of one batch (Octopush's ``request_id``): the
content and the batch's numbers, nothing drawn at random, so the same batch sent twice by any
path (a re-run command, a resend of every number) carries the same id and the provider itself
refuses the repeat.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable

from providers.models import Message, SmsMessage
from tui.outbox.codec import encode_message

#: Hex digits of a batch request id: letters and digits only (Octopush), well under its cap.
REQUEST_ID_LENGTH = 40


def content_hash(account: str, message: Message) -> str:
    """SHA-256 (hex) of the account and the message without its recipients or request id."""
    bare = dataclasses.replace(message, recipients=())
    if isinstance(bare, SmsMessage):
        bare = dataclasses.replace(bare, request_id=None)
    facts = json.dumps([account, encode_message(bare)], ensure_ascii=False)
    return hashlib.sha256(facts.encode("utf-8")).hexdigest()


def batch_request_id(content: str, numbers: Iterable[str], *, dry_run: bool = False) -> str:
    """The id of the batch of ``numbers`` of a send whose ``content_hash`` is ``content``.

    The order of the numbers does not matter. A dry run gets other ids than the real send, so
    that a provider remembering a simulation's id never takes the real send for a repeat.
    """
    facts = "\n".join(["simulation" if dry_run else "send", content, *sorted(numbers)])
    return hashlib.sha256(facts.encode("utf-8")).hexdigest()[:REQUEST_ID_LENGTH]
