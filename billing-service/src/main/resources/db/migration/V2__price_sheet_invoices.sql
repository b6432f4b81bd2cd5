-- Issue 6: an effective-dated price sheet, issued invoices with adjustments, and the time each ledger row was
-- (last) written, so that usage recorded after a month was invoiced becomes an adjustment on the next invoice.

-- One version of the price sheet per effective date (UTC day): it applies from that day until the next version.
-- rates is the version's JSON document (storage per type and region, egress per geography pair), validated by the
-- service before it is stored: complete (no gaps), no duplicates, no negative prices.
CREATE TABLE price_sheet_version (
    effective_from date PRIMARY KEY,
    currency       text        NOT NULL,
    rates          text        NOT NULL,
    created_at     timestamptz NOT NULL,
    created_by     text        NOT NULL
);

-- An issued invoice: a month of one subscription, immutable once written.
CREATE TABLE invoice (
    subscription_id text          NOT NULL,
    month           date          NOT NULL, -- the first day of the billed month
    issued_at       timestamptz   NOT NULL,
    currency        text          NOT NULL,
    total           numeric(20, 2) NOT NULL,
    PRIMARY KEY (subscription_id, month)
);

-- The lines of an issued invoice. service_period is the month the usage happened in: the invoice's own month for
-- Usage lines, an earlier month for Adjustment lines (usage metered after that month was invoiced).
CREATE TABLE invoice_line (
    subscription_id  text           NOT NULL,
    month            date           NOT NULL,
    line_no          integer        NOT NULL,
    line_type        text           NOT NULL,
    service_period   date           NOT NULL,
    meter_category   text           NOT NULL,
    meter_sub_category text         NOT NULL,
    meter_name       text           NOT NULL,
    region           text           NOT NULL,
    unit_of_measure  text           NOT NULL,
    quantity         numeric(38, 12) NOT NULL,
    unit_price       numeric(38, 12) NOT NULL,
    -- the exact price the cost was computed with (per GiB-month for storage, per GiB for egress)
    rate             numeric(38, 12) NOT NULL,
    cost             numeric(20, 2)  NOT NULL,
    PRIMARY KEY (subscription_id, month, line_no),
    FOREIGN KEY (subscription_id, month) REFERENCES invoice (subscription_id, month)
);
CREATE INDEX invoice_line_period ON invoice_line (subscription_id, service_period);

ALTER TABLE storage_meter ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE egress_record ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX storage_meter_recorded ON storage_meter (subscription_id, recorded_at);
CREATE INDEX egress_record_recorded ON egress_record (subscription_id, recorded_at);
