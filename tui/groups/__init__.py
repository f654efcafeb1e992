"""Sending groups (eCampaign's ``manageGroup``) for the Groups screen and ``porte-voix groups``.

``service`` types the web services and finds groups and members; ``values`` checks and
normalises what an operator types for a field (phone numbers to the provider's form);
``csv_members`` reads a CSV file and maps its columns to the group's fields, every row checked
before anything is sent; ``importer`` adds the checked rows and reports, row by row, what went in.
eCampaign's own import (``importMembers``) takes the same checked rows: ``xml_import`` writes
them as the file it fetches, ``import_spool`` serves that file once and keeps the report, and
``provider_import`` says where eCampaign reaches porte-voix and makes the request.

Group names, field names and member values come from the provider or from a file: whatever
this package puts into words for a person is made ``visible``.
"""
