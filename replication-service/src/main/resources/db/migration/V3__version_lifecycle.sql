-- Versions catalog-service disabled (VersionLifecycleChanged): their content is not downloadable until re-enabled.
CREATE TABLE disabled_version (
    version_key         text PRIMARY KEY, -- lower-case version id
    replacement_version text,
    disabled_at         timestamptz NOT NULL
);
