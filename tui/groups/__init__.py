"""Sending groups (eCampaign's ``manageGroup``) for the Groups screen and ``porte-voix groups``.

``service`` types the web services and finds groups and members; ``values`` checks and
normalises what an operator types for a field (phone numbers to the provider's form);
``csv_members`` reads a CSV file and maps its columns to the group's fields, every row checked
before anything is sent; ``importer`` adds the checked rows and reports, row by row, what went in.

Group names, field names and member values come from the provider or from a file: whatever
this package puts into words for a person is made ``visible``.
"""
