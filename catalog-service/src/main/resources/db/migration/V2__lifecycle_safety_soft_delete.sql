-- Issue 3: lifecycle beyond Azure (Deprecated, Disabled, replacement), safety profile, soft delete, more definition
-- properties, and the index that answers "latest in a location".
ALTER TABLE image_version ADD COLUMN lifecycle_state text NOT NULL DEFAULT 'Active';
ALTER TABLE image_version ADD COLUMN replacement_version text;
ALTER TABLE image_version ADD COLUMN allow_deletion_of_replicated_locations boolean NOT NULL DEFAULT false;
ALTER TABLE image_version ADD COLUMN block_deletion_before_end_of_life boolean NOT NULL DEFAULT false;
ALTER TABLE image_version ADD COLUMN deleted_at timestamptz;
ALTER TABLE image_version ADD COLUMN subscription_id text;
UPDATE image_version SET subscription_id = split_part(key, '/', 3);
ALTER TABLE image_version ALTER COLUMN subscription_id SET NOT NULL;
CREATE INDEX image_version_subscription ON image_version (subscription_id, location);

ALTER TABLE version_region ADD COLUMN definition_key text;
UPDATE version_region r SET definition_key = v.definition_key FROM image_version v WHERE v.key = r.version_key;
CREATE INDEX version_region_latest ON version_region (definition_key, region, state);

ALTER TABLE image_definition ADD COLUMN privacy_statement_uri text;
ALTER TABLE image_definition ADD COLUMN release_note_uri text;
ALTER TABLE image_definition ADD COLUMN disallowed_disk_types text;
ALTER TABLE image_definition ADD COLUMN features text;
ALTER TABLE image_definition ADD COLUMN subscription_id text;
UPDATE image_definition SET subscription_id = split_part(key, '/', 3);
CREATE INDEX image_definition_subscription ON image_definition (subscription_id, location);

-- The version's resource id as the client spelled it (keys are lower-case), for events sent later (purge).
ALTER TABLE image_version ADD COLUMN resource_id text;
UPDATE image_version SET resource_id = key;
