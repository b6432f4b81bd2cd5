-- Read models every enforcing service keeps from access-service's events: the sharing state of each gallery (a
-- snapshot) and the registered tenants (OIDC issuers).
CREATE TABLE share_view (
    gallery_key        text PRIMARY KEY,
    gallery_id         text NOT NULL,
    unique_name        text NOT NULL,
    owner_tenant       text NOT NULL,
    owner_subscription text NOT NULL,
    location           text,
    community_name     text,
    snapshot           text NOT NULL
);
CREATE INDEX share_view_unique_name ON share_view (lower(unique_name));
CREATE INDEX share_view_community ON share_view (lower(community_name));

CREATE TABLE tenant_view (
    tenant_id    text PRIMARY KEY,
    issuer       text NOT NULL UNIQUE,
    display_name text
);
