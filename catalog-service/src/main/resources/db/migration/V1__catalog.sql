-- catalog-service owns galleries, image definitions, image versions, managed images and replication status.
-- Keys are lower-case resource ids (ARM ids are case-insensitive); names keep the client's casing.
CREATE TABLE managed_image (
    key                text PRIMARY KEY,
    subscription_id    text        NOT NULL,
    resource_group     text        NOT NULL,
    name               text        NOT NULL,
    location           text        NOT NULL,
    os_type            text        NOT NULL,
    os_state           text        NOT NULL,
    blob_uri           text        NOT NULL,
    tags               text,
    provisioning_state text        NOT NULL,
    created_at         timestamptz NOT NULL
);
CREATE INDEX managed_image_rg ON managed_image (subscription_id, resource_group);

CREATE TABLE gallery (
    key                text PRIMARY KEY,
    subscription_id    text        NOT NULL,
    resource_group     text        NOT NULL,
    name               text        NOT NULL,
    location           text        NOT NULL,
    description        text,
    tags               text,
    unique_name        text        NOT NULL,
    soft_delete        boolean     NOT NULL DEFAULT false,
    provisioning_state text        NOT NULL,
    created_at         timestamptz NOT NULL
);
CREATE INDEX gallery_rg ON gallery (subscription_id, resource_group);

CREATE TABLE image_definition (
    key                text PRIMARY KEY,
    gallery_key        text        NOT NULL REFERENCES gallery (key),
    name               text        NOT NULL,
    location           text        NOT NULL,
    tags               text,
    os_type            text        NOT NULL,
    os_state           text        NOT NULL,
    hyper_v_generation text        NOT NULL,
    architecture       text        NOT NULL,
    publisher          text        NOT NULL,
    offer              text        NOT NULL,
    sku                text        NOT NULL,
    description        text,
    eula               text,
    recommended        text,
    end_of_life_date   timestamptz,
    provisioning_state text        NOT NULL,
    created_at         timestamptz NOT NULL,
    UNIQUE (gallery_key, publisher, offer, sku)
);

CREATE TABLE image_version (
    key                  text PRIMARY KEY,
    definition_key       text        NOT NULL REFERENCES image_definition (key),
    name                 text        NOT NULL,
    major                bigint      NOT NULL,
    minor                bigint      NOT NULL,
    patch                bigint      NOT NULL,
    location             text        NOT NULL,
    tags                 text,
    source_id            text        NOT NULL,
    source_blob_uri      text        NOT NULL,
    replica_count        int         NOT NULL,
    storage_account_type text        NOT NULL,
    exclude_from_latest  boolean     NOT NULL,
    end_of_life_date     timestamptz,
    provisioning_state   text        NOT NULL,
    digest               text,
    size_bytes           bigint,
    published_at         timestamptz NOT NULL
);
CREATE INDEX image_version_order ON image_version (definition_key, major DESC, minor DESC, patch DESC);

CREATE TABLE version_region (
    id                   text PRIMARY KEY,
    version_key          text    NOT NULL REFERENCES image_version (key) ON DELETE CASCADE,
    region               text    NOT NULL,
    replica_count        int     NOT NULL,
    storage_account_type text    NOT NULL,
    exclude_from_latest  boolean NOT NULL,
    state                text    NOT NULL,
    progress             int     NOT NULL,
    details              text,
    UNIQUE (version_key, region)
);
