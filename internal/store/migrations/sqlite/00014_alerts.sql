-- +goose Up
-- Consumption alerts (issue 7) and the Azure reservations they watch.
--
-- alert_rules: what to watch. kind spike (a day's cost against its
-- trailing average; scope_dim/scope_value narrow the costs, split_by
-- evaluates each value of a dimension on its own), overage (a budget's
-- actual or forecast spend over 100 %, budget_id) or reservation
-- (utilisation below threshold percent; subject '' is every reservation).
-- Amounts and percentages are exact decimals as text; recipients is a
-- JSON list of the e-mail addresses told of each new alert.
CREATE TABLE alert_rules (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    enabled      BOOLEAN NOT NULL,
    scope_dim    TEXT NOT NULL DEFAULT '',
    scope_value  TEXT NOT NULL DEFAULT '',
    split_by     TEXT NOT NULL DEFAULT '',
    sensitivity  TEXT NOT NULL DEFAULT '',
    min_amount   TEXT NOT NULL DEFAULT '0',
    budget_id    TEXT NOT NULL DEFAULT '',
    basis        TEXT NOT NULL DEFAULT '',
    threshold    TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    recipients   TEXT NOT NULL DEFAULT '[]',
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- alerts: the inbox. One alert per rule, day and subject (the dimension
-- value or reservation it is about): the unique key makes evaluating a
-- day twice, or on two workers at once, store it once.
CREATE TABLE alerts (
    org_id        TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    rule_id       TEXT NOT NULL,
    rule_name     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    day           TIMESTAMP NOT NULL,
    subject_dim   TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL DEFAULT '',
    subject_label TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL,
    status        TEXT NOT NULL,
    message       TEXT NOT NULL,
    amount        TEXT NOT NULL DEFAULT '',
    baseline      TEXT NOT NULL DEFAULT '',
    currency      TEXT NOT NULL DEFAULT '',
    link          TEXT NOT NULL DEFAULT '',
    acked_by      TEXT NOT NULL DEFAULT '',
    acked_at      TIMESTAMP NULL,
    created_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, rule_id, day, subject)
);
CREATE INDEX alerts_by_status ON alerts (org_id, status, day);

-- alert_mutes: silence a rule (rule_id) or a subject (subject_dim and
-- subject, any rule) until a time, or until removed (until_at NULL).
CREATE TABLE alert_mutes (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    rule_id     TEXT NOT NULL DEFAULT '',
    subject_dim TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    until_at    TIMESTAMP NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- alert_settings: per organisation, the UTC hour of the daily evaluation
-- (NULL: the installation's CANOPY_ALERTS_HOUR) and the last day the
-- scheduler claimed, so one evaluation runs per day cluster-wide.
CREATE TABLE alert_settings (
    org_id       TEXT NOT NULL PRIMARY KEY REFERENCES orgs (id) ON DELETE CASCADE,
    hour         INTEGER NULL,
    last_run_day TIMESTAMP NULL
);

-- reservations: Azure reservations a connection's sync read, and their
-- daily utilisation (hours and percentages exact as sent).
CREATE TABLE reservations (
    org_id             TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    connection_id      TEXT NOT NULL,
    id                 TEXT NOT NULL,
    order_id           TEXT NOT NULL,
    name               TEXT NOT NULL,
    sku                TEXT NOT NULL DEFAULT '',
    location           TEXT NOT NULL DEFAULT '',
    quantity           INTEGER NOT NULL DEFAULT 0,
    term               TEXT NOT NULL DEFAULT '',
    billing_plan       TEXT NOT NULL DEFAULT '',
    applied_scope_type TEXT NOT NULL DEFAULT '',
    expiry             TIMESTAMP NULL,
    synced_at          TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE TABLE reservation_days (
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    reservation_id TEXT NOT NULL,
    day            TIMESTAMP NOT NULL,
    reserved_hours TEXT NOT NULL DEFAULT '',
    used_hours     TEXT NOT NULL DEFAULT '',
    avg_percent    TEXT NOT NULL DEFAULT '',
    min_percent    TEXT NOT NULL DEFAULT '',
    max_percent    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, reservation_id, day)
);

-- +goose Down
DROP TABLE reservation_days;
DROP TABLE reservations;
DROP TABLE alert_settings;
DROP TABLE alert_mutes;
DROP TABLE alerts;
DROP TABLE alert_rules;
