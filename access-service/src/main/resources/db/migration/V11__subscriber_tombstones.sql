-- A deleted subscriber's name, kept while a token of its client may still be valid (the broker checks a token's
-- signature and expiry, not whether its client still exists): registering the name again in that time gave the old
-- token the new registration's ACLs. A PUT of a name deleted less than a token's lifespan ago is 409.
CREATE TABLE event_subscriber_deleted (
    tenant_id  text        NOT NULL,
    name       text        NOT NULL,
    deleted_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
