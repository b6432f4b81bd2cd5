-- Late usage is found by knowledge time now (V4); recorded_at is kept for the record only and needs no index (each
-- index costs every metered row a write).
DROP INDEX IF EXISTS storage_meter_recorded;
DROP INDEX IF EXISTS egress_record_recorded;
