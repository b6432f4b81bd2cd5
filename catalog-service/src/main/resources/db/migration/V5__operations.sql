-- Long-running operations (ARM's Azure-AsyncOperation status resources): one row per version PUT, PATCH or DELETE
-- that answered before its replication (or the removal of its replicas) ended. The row is updated in the transaction
-- of the replication event that ends it, so its status survives a restart and never disagrees with the version's.
CREATE TABLE operation (
    id               text PRIMARY KEY,
    kind             text        NOT NULL,  -- Create, Update, Delete
    version_key      text        NOT NULL,
    resource_id      text        NOT NULL,  -- as the client spelled it
    subscription_id  text        NOT NULL,  -- lower case
    location         text        NOT NULL,  -- lower case: the version's location
    status           text        NOT NULL,  -- InProgress, Succeeded, Failed, Canceled
    start_time       timestamptz NOT NULL,
    end_time         timestamptz,
    error_code       text,
    error_message    text,
    pending_regions  text                    -- Delete: the regions whose ReplicaDeleted is awaited, comma-separated
);
CREATE INDEX operation_in_progress ON operation (version_key) WHERE status = 'InProgress';
