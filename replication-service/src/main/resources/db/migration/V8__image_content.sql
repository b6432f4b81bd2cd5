-- The content of each managed image (catalog-service's ManagedImageChanged): its blob's content when the image was
-- created, kept in the blob's region (a ref image:{key} in the tenant's first replica store there) for as long as the
-- image exists, whatever happens to the blob. A version of the image (VersionPublished.sourceDigest) copies it from
-- here when the blob holds other content by then (uploaded again) or none (deleted).
CREATE TABLE image_content (
    image_key  text PRIMARY KEY, -- the image's ARM id, lower case
    tenant_id  text        NOT NULL,
    region     text        NOT NULL,
    digest     text        NOT NULL,
    size_bytes bigint      NOT NULL,
    used_bytes bigint      NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX image_content_digest ON image_content (tenant_id, digest);
