-- Bitemporal ledger: besides when usage happened, when the system knew of it (the CloudEvent time of the event that
-- wrote it, never before the cutoff of an invoice already issued for the subscription). An invoice is computed as of
-- its cutoff (the month's end plus close-after): the rows known before it, with the ends known before it. A row known
-- after a month's cutoff is an adjustment on the next invoice. Knowledge comes from the events, not from the clock of
-- the consumer, so replaying every topic into an empty database reproduces the invoices.
ALTER TABLE storage_meter ADD COLUMN known_at timestamptz;
ALTER TABLE storage_meter ADD COLUMN end_known_at timestamptz;
UPDATE storage_meter SET known_at = recorded_at, end_known_at = CASE WHEN ended_at IS NOT NULL THEN recorded_at END;
ALTER TABLE storage_meter ALTER COLUMN known_at SET NOT NULL;
ALTER TABLE storage_meter ADD CONSTRAINT storage_meter_end_known CHECK ((ended_at IS NULL) = (end_known_at IS NULL));
CREATE INDEX storage_meter_known ON storage_meter (subscription_id, known_at);
CREATE INDEX storage_meter_end_known ON storage_meter (subscription_id, end_known_at) WHERE end_known_at IS NOT NULL;

ALTER TABLE egress_record ADD COLUMN known_at timestamptz;
UPDATE egress_record SET known_at = recorded_at;
ALTER TABLE egress_record ALTER COLUMN known_at SET NOT NULL;
CREATE INDEX egress_record_known ON egress_record (subscription_id, known_at);

-- the knowledge cutoff each invoice was computed as of
ALTER TABLE invoice ADD COLUMN as_of timestamptz;
UPDATE invoice SET as_of = issued_at;
ALTER TABLE invoice ALTER COLUMN as_of SET NOT NULL;
