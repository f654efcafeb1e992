"""The XML file eCampaign's ``importMembers`` fetches, written from a checked ``ImportPlan``.

The spec's structure (manageGroup, "Structure du fichier XML à mettre à disposition")::

    <?xml version="1.0"?>
    <groupMembers>
      <member>
        <mobile><value>612345678</value><indicatif>+33</indicatif></mobile>
        <ville><value>Paris</value></ville>
      </member>
    </groupMembers>

Each field is an element named after the field, so a field whose name is not an XML element
name (``first name``, ``2e ville``) cannot be carried: ``check_field_names`` refuses it before
anything is written or sent. Values come from the plan, so every one was already checked and
normalised by ``plan_import`` (phone numbers as the national number without its trunk 0, their
dialling code apart, written ``+33`` as the spec shows); lxml escapes ``<``, ``&`` and quotes.
The file is streamed (``etree.xmlfile``): a million members never sit in memory as one tree.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import BinaryIO

from lxml import etree

from providers.errors import InputError
from tui.errors import visible
from tui.groups.csv_members import ImportPlan, ReadyRow

#: An XML element name without namespace: a letter or '_' first, then letters, digits, '_',
#: '-' or '.'. (The XML grammar allows a few more marks; the platform's field names do not.)
_ELEMENT_NAME = re.compile(r"^[^\W\d][\w.\-]*$")
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def xml_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an element of the import file, or None."""
    if not _ELEMENT_NAME.match(name):
        return "an XML element name starts with a letter or '_' and holds no space"
    if name[:3].casefold() == "xml":
        return "XML reserves the names that begin with 'xml'"
    return None


def check_field_names(names: Iterable[str]) -> None:
    """``InputError`` naming every field that cannot travel in the import file."""
    problems = [
        f"{visible(name)!r} ({reason})"
        for name in names
        if (reason := xml_name_problem(name)) is not None
    ]
    if problems:
        raise InputError(
            "field",
            "eCampaign's own import carries each field as an XML element, and these field "
            f"names cannot be one: {'; '.join(problems)}. Import member by member instead "
            "(without --via-provider), or rename the field.",
        )


def _member(row: ReadyRow) -> etree._Element:
    member = etree.Element("member")
    for value in row.values:
        field = etree.SubElement(member, value.name)
        etree.SubElement(field, "value").text = value.value
        if value.code is not None:
            etree.SubElement(field, "indicatif").text = f"+{value.code}"
    return member


def write_members_xml(plan: ImportPlan, out: BinaryIO) -> int:
    """Write the plan's ready rows to ``out`` (UTF-8); returns the members written."""
    check_field_names(plan.mapping.values())
    written = 0
    out.write(DECLARATION)
    with etree.xmlfile(out, encoding="utf-8") as document, document.element("groupMembers"):
        document.write("\n")
        for row in plan.ready:
            document.write(_member(row), "\n")
            written += 1
    return written


def members_xml(plan: ImportPlan) -> bytes:
    """The whole file as bytes (tests, small imports)."""
    buffer = io.BytesIO()
    write_members_xml(plan, buffer)
    return buffer.getvalue()
