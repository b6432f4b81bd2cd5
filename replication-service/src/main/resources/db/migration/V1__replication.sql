-- replication-service owns the blobs uploaded into regional stores and the replication jobs.
CREATE TABLE blob (
    key             text PRIMARY KEY, -- {region}/{subscriptionId}/{name}, lower-case region and subscription
    region          text        NOT NULL,
    subscription_id text        NOT NULL,
    name            text        NOT NULL,
    digest          text        NOT NULL,
    size_bytes      bigint      NOT NULL,
    used_bytes      bigint      NOT NULL,
    format          text        NOT NULL,
    created_at      timestamptz NOT NULL
);

-- One job per version and target region: copy the content into each replica store of the region.
CREATE TABLE replica_job (
    id                   text PRIMARY KEY,
    version_id           text        NOT NULL,
    subscription_id      text        NOT NULL,
    region               text        NOT NULL,
    replica_count        int         NOT NULL,
    storage_account_type text        NOT NULL,
    source_region        text        NOT NULL,
    digest               text,
    size_bytes           bigint,
    used_bytes           bigint,
    state                text        NOT NULL,
    attempts             int         NOT NULL DEFAULT 0,
    last_error           text,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX replica_job_state ON replica_job (state, updated_at);
CREATE INDEX replica_job_version ON replica_job (version_id);
