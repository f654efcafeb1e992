"""What keeps a send within the rules: the opt-out list on every send (``optout``) and the
French sending-hours rules (``hours``), with their one setting (``settings``)."""
