-- A grant's principal type (User, Group, ServicePrincipal), so that a group named like a user's id does not carry
-- that user's roles (a hostile probe: a token whose groups claim held alice's id had alice's rights). Grants written
-- before: a principal id that is a GUID was a user's (Keycloak's subject ids are), any other a group's name; a group
-- named as a GUID is taken for a user, the safe way round, until its assignment is written again.
ALTER TABLE grant_view ADD COLUMN principal_type text;
UPDATE grant_view SET principal_type = CASE
    WHEN principal_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN 'User' ELSE 'Group' END;
