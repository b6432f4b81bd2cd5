-- ReplicaDeleted: a version's replicas in one region were removed (the region dropped from the version, or the
-- version deleted). The region's running meter ends at deleted_at. As with deleted_version, the latest deletion time
-- per (version, region) is kept, so that a ReplicaCompleted of the same incarnation consumed after its deletion is
-- metered up to the deletion only.
CREATE TABLE deleted_replica (
    version_key text        NOT NULL,
    region      text        NOT NULL,
    deleted_at  timestamptz NOT NULL,
    PRIMARY KEY (version_key, region)
);
