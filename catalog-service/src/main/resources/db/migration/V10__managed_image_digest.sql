-- The digest of the content a managed image was created from (its blob's, as replication-service's BlobCommitted
-- announced it when the image was created). A blob uploaded again under the same name has other content: a version
-- of the image must not get it (it did, the image naming only its blob). Null for an image created before this column:
-- its versions take the blob's content as before.
ALTER TABLE managed_image ADD COLUMN source_digest text;
