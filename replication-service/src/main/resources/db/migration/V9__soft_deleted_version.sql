-- Versions soft-deleted in their gallery (catalog's VersionSoftDeleted): their content is kept for a restore and
-- served to nobody until then. The row goes with a restore and with the version's VersionDeleted.
CREATE TABLE soft_deleted_version (
    version_key text PRIMARY KEY,
    deleted_at  timestamptz NOT NULL
);
