-- +goose Up
-- Budgets and notification channels (issue 7).
--
-- budgets: an amount per period (monthly, quarterly, yearly or a custom
-- half-open [start_date, end_date)) for a scope: the organisation, a
-- custom group (with its descendants), a provider or a subscription /
-- account. amount is an exact decimal text; thresholds and recipients are
-- JSON lists.
CREATE TABLE budgets (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    name          TEXT NOT NULL,
    scope_kind    TEXT NOT NULL,
    scope_value   TEXT NOT NULL DEFAULT '',
    period        TEXT NOT NULL,
    start_date    TIMESTAMP NULL,
    end_date      TIMESTAMP NULL,
    amount        TEXT NOT NULL,
    currency      TEXT NOT NULL,
    metric        TEXT NOT NULL,
    thresholds    TEXT NOT NULL DEFAULT '[]',
    recipients    TEXT NOT NULL DEFAULT '[]',
    notify_owners BOOLEAN NOT NULL DEFAULT FALSE,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- budget_threshold_events: a threshold that fired in a budget period.
-- The primary key makes it fire once per period whatever number of
-- workers evaluate at once: only the transaction that inserts the row
-- enqueues the notifications. A threshold is identified by its percent
-- and basis (threshold is only its position), so editing a threshold
-- makes a new one that may fire, and reordering fires nothing again.
CREATE TABLE budget_threshold_events (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    budget_id    TEXT NOT NULL,
    period_start TIMESTAMP NOT NULL,
    threshold    INTEGER NOT NULL,
    percent      TEXT NOT NULL,
    basis        TEXT NOT NULL,
    amount       TEXT NOT NULL,
    spent        TEXT NOT NULL,
    forecast     TEXT NOT NULL,
    currency     TEXT NOT NULL,
    fired_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, budget_id, period_start, percent, basis)
);

-- budget_changes: the history of a budget's amount and settings.
CREATE TABLE budget_changes (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    budget_id   TEXT NOT NULL,
    at          TIMESTAMP NOT NULL,
    actor_email TEXT NOT NULL,
    action      TEXT NOT NULL,
    old_amount  TEXT NOT NULL DEFAULT '',
    new_amount  TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, id)
);
CREATE INDEX budget_changes_budget ON budget_changes (org_id, budget_id, at);

-- budget_change_requests: a request for a different amount, pending
-- until an approver accepts or rejects it.
CREATE TABLE budget_change_requests (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    budget_id       TEXT NOT NULL,
    requested_by    TEXT NOT NULL,
    requested_email TEXT NOT NULL,
    current_amount  TEXT NOT NULL,
    amount          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL,
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_email   TEXT NOT NULL DEFAULT '',
    comment         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    decided_at      TIMESTAMP NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX budget_change_requests_budget ON budget_change_requests (org_id, budget_id, created_at);

-- webhook_endpoints: where an organisation's notifications are POSTed;
-- secret is sealed with the key vault; events is a JSON list of kinds
-- (empty: every kind).
CREATE TABLE webhook_endpoints (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL,
    events     TEXT NOT NULL DEFAULT '[]',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- webhook_deliveries: one row per delivery attempt.
CREATE TABLE webhook_deliveries (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    event_kind  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL DEFAULT '',
    ok          BOOLEAN NOT NULL,
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (org_id, endpoint_id, at);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE budget_change_requests;
DROP TABLE budget_changes;
DROP TABLE budget_threshold_events;
DROP TABLE budgets;
