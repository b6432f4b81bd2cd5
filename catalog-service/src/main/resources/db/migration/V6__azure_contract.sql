-- Azure's request properties that are now kept rather than dropped (issue 17): a definition's purchase plan and its
-- allowUpdateImage flag, a version's OS disk host caching.
ALTER TABLE image_definition ADD COLUMN purchase_plan text;           -- JSON {name, publisher, product}
ALTER TABLE image_definition ADD COLUMN allow_update_image boolean;
ALTER TABLE image_version ADD COLUMN host_caching text NOT NULL DEFAULT 'ReadOnly';  -- None, ReadOnly, ReadWrite
