"""Groups (F3): eCampaign sending groups, their fields and members, and CSV imports into them.

``screen`` lists the groups; ``detail`` shows one (its members a page at a time, through
``members_table``) and makes every change through ``changes``; the dialogs are ``forms``
(group, fields, locks), ``member_form`` and ``import_dialog``. Workers post ``messages``.
"""
