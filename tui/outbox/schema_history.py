"""Schema 4's additions: balances per account and channel or route, their history and
thresholds (``tui.outbox.balances``), the History screen's indexes (``tui.outbox.history``),
getCDR rows as read (``tui.outbox.cdr_store``). Schema 5's: the members of eCampaign group
sends (``tui.outbox.group_deliveries``).

Appended to ``schema.DDL`` and run the same way: statement by statement (split on ";", so no
";" in a comment), every one ``IF NOT EXISTS`` or ``OR IGNORE``, so running it again on an
outbox that has them changes nothing.
"""

from __future__ import annotations

HISTORY_DDL = """
-- Schema 4 (tui.outbox.balances): one balance per account and channel or route ('' when
-- the provider names none), source 'api' (a balance call) or 'send' (a send reply).
CREATE TABLE IF NOT EXISTS balance_lines (
    account TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL DEFAULT '',
    provider TEXT NOT NULL,
    label TEXT NOT NULL,
    amount TEXT NOT NULL,
    unit TEXT NOT NULL,
    expires TEXT,
    overdraft TEXT,
    source TEXT NOT NULL,
    reference TEXT,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (account, channel, route)
);
-- A balance seen before schema 4 kept its figure, not its channel: it stays until replaced.
INSERT OR IGNORE INTO balance_lines
    (account, channel, route, provider, label, amount, unit, source, seen_at)
    SELECT account, '', '', provider, 'balance', amount, 'credits', 'send', seen_at
    FROM balances WHERE amount IS NOT NULL;
CREATE TABLE IF NOT EXISTS balance_history (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL DEFAULT '',
    amount TEXT NOT NULL,
    unit TEXT NOT NULL,
    source TEXT NOT NULL,
    reference TEXT,
    spent TEXT,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS balance_history_line
    ON balance_history(account, channel, route, seen_at);
CREATE TABLE IF NOT EXISTS balance_thresholds (
    account TEXT NOT NULL,
    channel TEXT NOT NULL DEFAULT '',
    route TEXT NOT NULL DEFAULT '',
    threshold TEXT NOT NULL,
    PRIMARY KEY (account, channel, route)
);

-- The History screen (tui.outbox.history) walks sends newest first and, in each, its recipients
-- in rowid order: these let a filter on a recipient's state stay a look-up per send.
CREATE INDEX IF NOT EXISTS history_send_rows ON send_recipients(reference);
CREATE INDEX IF NOT EXISTS history_send_delivery ON send_recipients(reference, delivery_state);
CREATE INDEX IF NOT EXISTS history_provider ON sends(provider);

-- getCDR rows as read (tui.outbox.cdr_store): campaign_id is the campaign a drill-down read
-- them under, '' for the account's listing.
CREATE TABLE IF NOT EXISTS cdr_fetches (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    started_at TEXT NOT NULL,
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    options_json TEXT NOT NULL DEFAULT '{}',
    rows INTEGER NOT NULL DEFAULT 0,
    done_through TEXT,
    finished_at TEXT,
    error TEXT
);
CREATE TABLE IF NOT EXISTS cdr_rows (
    id INTEGER PRIMARY KEY,
    fetch_id INTEGER NOT NULL REFERENCES cdr_fetches(id) ON DELETE CASCADE,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    cdr_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL DEFAULT '',
    channel TEXT,
    date_init TEXT,
    sender TEXT,
    from_api INTEGER,
    credits TEXT,
    number TEXT,
    mail_recipient TEXT,
    mail_subject TEXT,
    status_code TEXT,
    state TEXT,
    status_date TEXT,
    status_meaning TEXT,
    content TEXT,
    message_ref TEXT,
    group_member_id TEXT,
    recipients_count INTEGER,
    group_id TEXT,
    template_id TEXT,
    UNIQUE (account, kind, campaign_id, cdr_id)
);
CREATE INDEX IF NOT EXISTS cdr_rows_fetch ON cdr_rows(fetch_id, id);
"""

GROUP_DDL = """
-- Schema 5 (tui.outbox.group_deliveries): one row per group member a group send's reply
-- listed, found again by its message id when its delivery report comes.
CREATE TABLE IF NOT EXISTS group_deliveries (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL REFERENCES sends(reference) ON DELETE CASCADE,
    batch INTEGER NOT NULL,
    number TEXT NOT NULL,
    member_id TEXT,
    message_id TEXT,
    state TEXT NOT NULL,
    error TEXT,
    delivery_state TEXT,
    delivery_code TEXT,
    delivery_at TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS group_deliveries_send ON group_deliveries (reference, state);
CREATE INDEX IF NOT EXISTS group_deliveries_message
    ON group_deliveries (message_id) WHERE message_id IS NOT NULL;
"""
