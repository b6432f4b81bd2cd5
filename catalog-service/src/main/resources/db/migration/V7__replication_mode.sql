-- A version's publishingProfile.replicationMode (issue 17): Full (complete verified copies in every target region, what
-- every version was before) or Shallow (its one target region is its location, one replica that references the source
-- content there). Not updatable, as in Azure.
ALTER TABLE image_version ADD COLUMN replication_mode text NOT NULL DEFAULT 'Full';
