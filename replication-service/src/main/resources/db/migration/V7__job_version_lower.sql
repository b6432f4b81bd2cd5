-- Jobs are found by their version's id without its case (ARM ids are case-insensitive, and a PATCH may spell the
-- version's id otherwise than its PUT): planning a region added later reads the content the version already holds,
-- and a version's deletion finds all its jobs, in one index lookup each.
CREATE INDEX replica_job_version_lower ON replica_job (lower(version_id));
