-- +goose Up
-- Each organisation reports in one currency.
ALTER TABLE orgs ADD COLUMN reporting_currency TEXT NOT NULL DEFAULT 'USD';

-- Daily exchange rates per organisation: 1 base = rate quote on day.
-- Rates are exact decimal strings; day is 'YYYY-MM-DD'.
CREATE TABLE fx_rates (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    base       TEXT NOT NULL,
    quote      TEXT NOT NULL,
    rate       TEXT NOT NULL,
    source     TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (org_id, base, quote, day)
);

-- Every rate ever set or corrected, oldest first.
CREATE TABLE fx_rate_history (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    base       TEXT NOT NULL,
    quote      TEXT NOT NULL,
    rate       TEXT NOT NULL,
    previous   TEXT NULL,
    source     TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by TEXT NOT NULL
);
CREATE INDEX fx_rate_history_pair ON fx_rate_history (org_id, base, quote, day);

-- +goose Down
DROP TABLE fx_rate_history;
DROP TABLE fx_rates;
ALTER TABLE orgs DROP COLUMN reporting_currency;
