-- The data plane's committed blobs, from replication-service's BlobCommitted / BlobDeleted events: a managed image
-- may only be created from a blob that exists (issue 12 #11).
CREATE TABLE blob_view (
    blob_key     text PRIMARY KEY,
    digest       text,
    size_bytes   bigint,
    committed_at timestamptz
);
