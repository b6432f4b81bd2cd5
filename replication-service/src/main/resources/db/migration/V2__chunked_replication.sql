-- Chunked, resumable replication: where a job's copy stands (see Replicator.Checkpoint) and what it moved.
ALTER TABLE replica_job
    ADD COLUMN progress_replica int    NOT NULL DEFAULT 0, -- the replica being copied (replicas below it are done)
    ADD COLUMN verified_entries int    NOT NULL DEFAULT 0, -- manifest entries below this are committed in that store
    ADD COLUMN counted_entries  int    NOT NULL DEFAULT 0, -- egress of entries below this is already counted
    ADD COLUMN egress_by_source text,                      -- "westeurope=123,eastus=45": bytes moved in, by source
    ADD COLUMN copied_bytes     bigint NOT NULL DEFAULT 0, -- chunk bytes written into the region's stores
    ADD COLUMN progress         int    NOT NULL DEFAULT 0, -- percent, as last reported by ReplicaProgress
    ADD COLUMN physical_bytes   bigint,                    -- distinct non-zero chunk bytes of the content
    ADD COLUMN purged           boolean NOT NULL DEFAULT false; -- a Deleted job whose refs are gone from the stores
CREATE INDEX replica_job_purge ON replica_job (state, purged);
