-- A role assignment's description (Azure's properties.description): it was taken and not kept.
ALTER TABLE role_assignment ADD COLUMN description text;
