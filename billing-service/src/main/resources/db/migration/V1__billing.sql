-- billing-service owns metered usage: storage meters (time-weighted, from ReplicaCompleted) and egress records
-- (from EgressTransferred). Usage lines and their prices are computed on read from these facts and the price sheet.
-- version_key is the lower-case version id (ARM ids are case-insensitive); version_id keeps the producer's casing.

-- One meter per stretch of time in which a version's replicas in one region held the same bytes. A ReplicaCompleted
-- that changes the replica count, storage type or bytes closes the open meter and opens a new one, so the past stays
-- billed at what was stored then; VersionDeleted closes the open meters. At most one meter per (version, region) is
-- open at a time.
CREATE TABLE storage_meter (
    id                   uuid PRIMARY KEY,
    version_key          text        NOT NULL,
    version_id           text        NOT NULL,
    subscription_id      text        NOT NULL,
    region               text        NOT NULL,
    storage_account_type text        NOT NULL,
    replica_count        integer     NOT NULL CHECK (replica_count > 0),
    -- bytes held by all replicas in the region after deduplication (what is billed) and before it
    physical_bytes       bigint      NOT NULL CHECK (physical_bytes >= 0),
    logical_bytes        bigint      NOT NULL CHECK (logical_bytes >= 0),
    started_at           timestamptz NOT NULL,
    ended_at             timestamptz,
    CHECK (ended_at IS NULL OR ended_at >= started_at)
);
CREATE UNIQUE INDEX storage_meter_open ON storage_meter (version_key, region) WHERE ended_at IS NULL;
CREATE INDEX storage_meter_version ON storage_meter (version_key, region, started_at);
CREATE INDEX storage_meter_usage ON storage_meter (subscription_id, started_at);

-- Bytes moved between two regions for one version; one row per EgressTransferred event.
CREATE TABLE egress_record (
    event_id           text PRIMARY KEY,
    version_key        text        NOT NULL,
    version_id         text        NOT NULL,
    subscription_id    text        NOT NULL,
    source_region      text        NOT NULL,
    destination_region text        NOT NULL,
    bytes              bigint      NOT NULL CHECK (bytes >= 0),
    transferred_at     timestamptz NOT NULL
);
CREATE INDEX egress_record_usage ON egress_record (subscription_id, transferred_at);

-- When each version was (last) deleted: a ReplicaCompleted that arrives after the VersionDeleted of the same
-- incarnation (the two come on different topics) is metered up to the deletion only.
CREATE TABLE deleted_version (
    version_key text PRIMARY KEY,
    deleted_at  timestamptz NOT NULL
);
