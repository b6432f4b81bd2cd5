-- Sharing (issue 5): the galleries catalog-service reports, direct shares with their acceptance state, community
-- publication; and the audit log of grant changes and denied requests.
CREATE TABLE gallery_view (
    gallery_key     text PRIMARY KEY,
    gallery_id      text NOT NULL,
    subscription_id text NOT NULL,
    tenant_id       text NOT NULL,
    unique_name     text NOT NULL,
    location        text NOT NULL
);

CREATE TABLE gallery_share (
    id          text PRIMARY KEY,
    gallery_key text        NOT NULL,
    target_type text        NOT NULL, -- Subscriptions | AADTenants
    target_id   text        NOT NULL,
    tenant_id   text        NOT NULL, -- the recipient tenant
    state       text        NOT NULL, -- Pending | Accepted | Rejected
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    decided_at  timestamptz,
    decided_by  text,
    UNIQUE (gallery_key, target_type, target_id)
);
CREATE INDEX gallery_share_recipient ON gallery_share (tenant_id, state);

CREATE TABLE gallery_community (
    gallery_key         text PRIMARY KEY,
    public_gallery_name text NOT NULL UNIQUE,
    public_name_prefix  text NOT NULL,
    publisher_uri       text,
    publisher_contact   text NOT NULL,
    eula                text NOT NULL,
    enabled             boolean NOT NULL
);

CREATE TABLE audit_log (
    id           text PRIMARY KEY,
    tenant_id    text        NOT NULL,
    principal_id text,
    action       text        NOT NULL,
    scope        text        NOT NULL,
    outcome      text        NOT NULL,
    service      text        NOT NULL,
    detail       text,
    at           timestamptz NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, at DESC);
