-- When a role assignment was last written and by whom (Azure's properties.updatedOn and updatedBy): a PUT of the same
-- assignment changes its description. Earlier rows were last written when made.
ALTER TABLE role_assignment ADD COLUMN updated_by text;
ALTER TABLE role_assignment ADD COLUMN updated_at timestamptz;
UPDATE role_assignment SET updated_by = created_by, updated_at = created_at;
ALTER TABLE role_assignment ALTER COLUMN updated_at SET NOT NULL;
ALTER TABLE role_assignment ALTER COLUMN updated_at SET DEFAULT now();
