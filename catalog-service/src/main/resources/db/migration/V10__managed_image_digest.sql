-- The content a managed image was created from: its blob's digest and size, as replication-service's BlobCommitted
-- announced them when the image was created. replication-service keeps that content while the image exists
-- (ManagedImageChanged), so a version of the image copies it whatever the blob holds by then; before, the image named
-- only its blob, and a blob uploaded again gave its versions the new bytes. Null for an image created before these
-- columns: its versions take the blob's content, as then.
ALTER TABLE managed_image ADD COLUMN source_digest text;
ALTER TABLE managed_image ADD COLUMN source_size_bytes bigint;
