-- Image definitions and versions as catalog-service reported them (ImageDefinitionChanged, VersionPublished,
-- VersionDeleted): a role assignment's scope below a gallery must name one that exists.
CREATE TABLE scope_view (
    scope_key       text PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('definition', 'version')),
    subscription_id text NOT NULL
);

-- The principals each tenant's verified tokens have shown (the token's sub, and each of its groups): a role
-- assignment may not name a principal known to belong to another tenant.
CREATE TABLE principal_directory (
    tenant_id      text        NOT NULL,
    principal_id   text        NOT NULL,
    principal_type text        NOT NULL,
    first_seen     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, principal_id)
);
CREATE INDEX principal_directory_principal ON principal_directory (lower(principal_id));
