"""Delivery states from the providers to the outbox, and from the outbox to the Live screen.

``daemon`` (``porte-voix listen``) serves the receiver (``tui.receiver``) for every account;
``writer`` is its one writer task (group commit); ``tokens``, ``routes`` and ``settings`` say
which URL each account has and where it is reachable; ``status`` whether the daemon runs;
``stops`` puts STOP replies on the opt-out list; ``poller`` reads eCampaign's getCDR where no
callback can arrive; ``console`` is the console's side of all this; ``live`` the Live screen's
reading of the outbox.
"""
