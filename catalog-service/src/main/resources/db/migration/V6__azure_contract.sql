-- Azure's request properties that are now kept rather than dropped (issue 17): a definition's purchase plan and its
-- allowUpdateImage flag, a version's OS disk host caching.
ALTER TABLE image_definition ADD COLUMN purchase_plan text;           -- JSON {name, publisher, product}
ALTER TABLE image_definition ADD COLUMN allow_update_image boolean;
ALTER TABLE image_version ADD COLUMN host_caching text NOT NULL DEFAULT 'ReadOnly';  -- None, ReadOnly, ReadWrite
-- A gallery's sharingProfile as its PUT or PATCH asked for it: permissions (Private, Groups, Community) and, for
-- Community, the communityGalleryInfo that a later share action EnableCommunity publishes (access-service).
ALTER TABLE gallery ADD COLUMN sharing_permissions text;
ALTER TABLE gallery ADD COLUMN community_info text;                    -- JSON {publisherUri, publisherContact, eula, publicNamePrefix}
