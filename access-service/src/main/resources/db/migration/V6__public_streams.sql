-- Issue 13: the public per-tenant streams (gallery.public.<tenant>.v1).
-- The forwarder's inbox: an internal event id is recorded in the transaction that writes its public events to the
-- outbox, so a redelivery or a replay from offset zero forwards nothing twice. Its own table, because access-service's
-- other consumers record the same event ids in processed_event.
CREATE TABLE forwarded_event (
    event_id     text PRIMARY KEY,
    forwarded_at timestamptz NOT NULL DEFAULT now()
);

-- What a tenant's subscriber would know after reading its whole stream, kept in the same transactions: the resync
-- snapshot answers from it (versions, their regions' replicas, the shares a tenant received).
CREATE TABLE public_version (
    version_key         text PRIMARY KEY,
    version_id          text        NOT NULL,
    tenant_id           text        NOT NULL,
    subscription_id     text        NOT NULL,
    size_bytes          bigint,
    target_regions      text,
    lifecycle_state     text        NOT NULL DEFAULT 'Active',
    replacement_version text,
    deleted             boolean     NOT NULL DEFAULT false,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX public_version_tenant ON public_version (tenant_id) WHERE NOT deleted;

CREATE TABLE public_replica (
    version_key          text        NOT NULL,
    region               text        NOT NULL,
    replica_count        int         NOT NULL,
    storage_account_type text,
    digest               text,
    completed_at         timestamptz,
    PRIMARY KEY (version_key, region)
);

-- The last sharing state forwarded per gallery (its sequence) and its recipients, to tell each recipient what changed.
CREATE TABLE public_share_state (
    gallery_key text PRIMARY KEY,
    sequence    bigint NOT NULL
);
CREATE TABLE public_share (
    gallery_key         text NOT NULL,
    shared_with_type    text NOT NULL,
    shared_with         text NOT NULL,
    recipient_tenant_id text NOT NULL,
    owner_tenant_id     text NOT NULL,
    gallery_unique_name text NOT NULL,
    location            text,
    state               text NOT NULL,
    PRIMARY KEY (gallery_key, shared_with_type, shared_with)
);
CREATE INDEX public_share_recipient ON public_share (recipient_tenant_id);

-- Registered subscribers: a confidential client in the tenant's realm with Kafka ACLs on the tenant's stream.
CREATE TABLE event_subscriber (
    tenant_id   text        NOT NULL REFERENCES tenant (id),
    name        text        NOT NULL,
    client_id   text        NOT NULL,
    description text,
    state       text        NOT NULL,
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
