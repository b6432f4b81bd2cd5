-- Issue 17: a job of a Shallow version (VersionPublished.replicationMode) references the source content in its region
-- instead of copying it. Jobs from before are Full.
ALTER TABLE replica_job ADD COLUMN replication_mode text NOT NULL DEFAULT 'Full';
