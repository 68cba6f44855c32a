-- +goose Up
-- Marketplace (issue 8): catalog, agreements, subscriptions, orders and
-- their billing. Amounts are exact decimal text with their currency;
-- dates of subscriptions and billing periods are UTC midnights, periods
-- half-open [start, end).

-- mkt_vendors: who sells; program names the commercial rules followed
-- (general, adobe-vip, microsoft-nce). api_url and api_key (sealed with
-- the key vault) reach the vendor's ordering system; without them
-- operations users fulfil its orders by hand.
CREATE TABLE mkt_vendors (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    program    TEXT NOT NULL,
    api_url    TEXT NOT NULL DEFAULT '',
    api_key    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

CREATE TABLE mkt_products (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    vendor_id   TEXT NOT NULL,
    name        TEXT NOT NULL,
    category    TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, vendor_id, name),
    FOREIGN KEY (org_id, vendor_id) REFERENCES mkt_vendors (org_id, id)
);

-- mkt_items: what is bought (a SKU), priced per unit.
CREATE TABLE mkt_items (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    sku         TEXT NOT NULL,
    unit        TEXT NOT NULL DEFAULT 'licence',
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, sku),
    FOREIGN KEY (org_id, product_id) REFERENCES mkt_products (org_id, id)
);

-- mkt_item_prices: the price of one unit for one billing period of a
-- term (P1M, P1Y, P1Y-M), per currency.
CREATE TABLE mkt_item_prices (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    item_id    TEXT NOT NULL,
    term       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    unit_price TEXT NOT NULL,
    PRIMARY KEY (org_id, item_id, term, currency),
    FOREIGN KEY (org_id, item_id) REFERENCES mkt_items (org_id, id) ON DELETE CASCADE
);

-- mkt_buyers: the legal entities of the organisation that buy and are
-- invoiced, each in one currency.
CREATE TABLE mkt_buyers (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    currency   TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);

-- mkt_listings: a product offered to a buyer (NULL: to every buyer).
CREATE TABLE mkt_listings (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    product_id TEXT NOT NULL,
    buyer_id   TEXT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, product_id) REFERENCES mkt_products (org_id, id) ON DELETE CASCADE
);

-- mkt_agreements: one per purchase of a product by a buyer; anniversary
-- is the co-terming date of programmes that renew on it (set when the
-- purchase completes).
CREATE TABLE mkt_agreements (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    buyer_id    TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    po_number   TEXT NOT NULL DEFAULT '',
    anniversary TIMESTAMPTZ NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, buyer_id) REFERENCES mkt_buyers (org_id, id),
    FOREIGN KEY (org_id, product_id) REFERENCES mkt_products (org_id, id)
);
CREATE INDEX mkt_agreements_status ON mkt_agreements (org_id, status);

-- mkt_subscriptions: renews_on ends the current term; ended_on is set
-- when it is terminated or expires.
CREATE TABLE mkt_subscriptions (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    name         TEXT NOT NULL,
    status       TEXT NOT NULL,
    quantity     INTEGER NOT NULL,
    term         TEXT NOT NULL,
    unit_price   TEXT NOT NULL,
    currency     TEXT NOT NULL,
    auto_renew   BOOLEAN NOT NULL DEFAULT TRUE,
    po_number    TEXT NOT NULL DEFAULT '',
    purchased_at TIMESTAMPTZ NULL,
    starts_on    TIMESTAMPTZ NULL,
    renews_on    TIMESTAMPTZ NULL,
    ended_on     TIMESTAMPTZ NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, agreement_id) REFERENCES mkt_agreements (org_id, id),
    FOREIGN KEY (org_id, item_id) REFERENCES mkt_items (org_id, id)
);
CREATE INDEX mkt_subscriptions_agreement ON mkt_subscriptions (org_id, agreement_id);

-- mkt_orders: queue_no (given at submission, under the agreement's
-- lock) orders the agreement's queue: only the first open submitted
-- order of an agreement is with the vendor.
CREATE TABLE mkt_orders (
    org_id         TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    agreement_id   TEXT NOT NULL,
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    po_number      TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    query_message  TEXT NOT NULL DEFAULT '',
    status_note    TEXT NOT NULL DEFAULT '',
    vendor_ref     TEXT NOT NULL DEFAULT '',
    created_by     TEXT NOT NULL,
    queue_no       INTEGER NULL,
    submitted_at   TIMESTAMPTZ NULL,
    sent_at        TIMESTAMPTZ NULL,
    completed_at   TIMESTAMPTZ NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, agreement_id) REFERENCES mkt_agreements (org_id, id)
);
CREATE INDEX mkt_orders_agreement ON mkt_orders (org_id, agreement_id, status);

-- mkt_order_lines: action new (buy an item), change (a subscription's
-- new quantity, auto-renew or PO number) or terminate.
CREATE TABLE mkt_order_lines (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    order_id        TEXT NOT NULL,
    line_no         INTEGER NOT NULL,
    action          TEXT NOT NULL,
    item_id         TEXT NOT NULL,
    subscription_id TEXT NULL,
    quantity        INTEGER NOT NULL,
    old_quantity    INTEGER NOT NULL DEFAULT 0,
    term            TEXT NOT NULL,
    unit_price      TEXT NOT NULL,
    auto_renew      BOOLEAN NULL,
    po_number       TEXT NULL,
    PRIMARY KEY (org_id, order_id, line_no),
    FOREIGN KEY (org_id, order_id) REFERENCES mkt_orders (org_id, id) ON DELETE CASCADE
);

-- mkt_status_history: every status change of every marketplace object,
-- never updated.
CREATE TABLE mkt_status_history (
    org_id      TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, object_id, seq)
);

-- mkt_charges: what is billed, per subscription and service period.
-- billed_on's month decides the invoice; dedup_key makes generating a
-- charge twice (two workers, a rerun) a no-op. A charge is invoiced
-- through a statement (statement_id) or credited (credit_memo_id).
-- kind: purchase, renewal, recurring, proration, return.
CREATE TABLE mkt_charges (
    org_id          TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id              TEXT NOT NULL,
    dedup_key       TEXT NOT NULL,
    buyer_id        TEXT NOT NULL,
    agreement_id    TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    order_id        TEXT NULL,
    item_id         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    quantity        INTEGER NOT NULL,
    unit_price      TEXT NOT NULL,
    amount          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    period_start    TIMESTAMPTZ NOT NULL,
    period_end      TIMESTAMPTZ NOT NULL,
    billed_on       TIMESTAMPTZ NOT NULL,
    statement_id    TEXT NULL,
    credit_memo_id  TEXT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, dedup_key)
);
CREATE INDEX mkt_charges_unbilled ON mkt_charges (org_id, billed_on) WHERE statement_id IS NULL AND credit_memo_id IS NULL;
CREATE INDEX mkt_charges_statement ON mkt_charges (org_id, statement_id);
CREATE INDEX mkt_charges_order ON mkt_charges (org_id, order_id);

-- mkt_invoices: one consolidated document per buyer and issue; its
-- statements group its charges per agreement (with the agreement's PO
-- number as printed then).
CREATE TABLE mkt_invoices (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    buyer_id     TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL,
    currency     TEXT NOT NULL,
    total        TEXT NOT NULL,
    issued_at    TIMESTAMPTZ NOT NULL,
    due_on       TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX mkt_invoices_buyer ON mkt_invoices (org_id, buyer_id, period_start);

CREATE TABLE mkt_statements (
    org_id       TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id           TEXT NOT NULL,
    invoice_id   TEXT NOT NULL,
    agreement_id TEXT NOT NULL,
    buyer_id     TEXT NOT NULL,
    period_start TIMESTAMPTZ NOT NULL,
    period_end   TIMESTAMPTZ NOT NULL,
    currency     TEXT NOT NULL,
    total        TEXT NOT NULL,
    po_number    TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, invoice_id) REFERENCES mkt_invoices (org_id, id)
);
CREATE INDEX mkt_statements_invoice ON mkt_statements (org_id, invoice_id);

-- mkt_credit_memos: returns; invoice_id is the invoice that billed what
-- is returned ('' when it was not invoiced yet).
CREATE TABLE mkt_credit_memos (
    org_id     TEXT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    buyer_id   TEXT NOT NULL,
    order_id   TEXT NOT NULL,
    invoice_id TEXT NOT NULL DEFAULT '',
    currency   TEXT NOT NULL,
    total      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    issued_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- +goose Down
DROP TABLE mkt_credit_memos;
DROP TABLE mkt_statements;
DROP TABLE mkt_invoices;
DROP TABLE mkt_charges;
DROP TABLE mkt_status_history;
DROP TABLE mkt_order_lines;
DROP TABLE mkt_orders;
DROP TABLE mkt_subscriptions;
DROP TABLE mkt_agreements;
DROP TABLE mkt_listings;
DROP TABLE mkt_buyers;
DROP TABLE mkt_item_prices;
DROP TABLE mkt_items;
DROP TABLE mkt_products;
DROP TABLE mkt_vendors;
