"""History at scale, headless: exports streamed from the outbox, getCDR fetched into it, and the
words the console and the CLI share for a history row (``tui.outbox.history`` reads the rows)."""
