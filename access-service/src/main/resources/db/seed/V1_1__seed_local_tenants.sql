-- The local tenants of the Keycloak realms in devstack: contoso (alice Owner of its subscription, carol no role)
-- and fabrikam (bob Owner of its subscription). Ids match devstack's Realms. The events go through the outbox, so
-- every enforcing service learns them like any other grant.
INSERT INTO tenant (id, display_name) VALUES ('contoso', 'Contoso'), ('fabrikam', 'Fabrikam');
INSERT INTO subscription (id, tenant_id, display_name) VALUES
    ('c0de0000-0000-4000-8000-00000000c001', 'contoso', 'Contoso Production'),
    ('fab00000-0000-4000-8000-00000000fab1', 'fabrikam', 'Fabrikam Production');
INSERT INTO role_assignment (id, tenant_id, scope, scope_key, principal_id, principal_type, role_definition_id, created_by)
VALUES
    ('5eed0000-0000-4000-8000-0000000a11ce', 'contoso', '/subscriptions/c0de0000-0000-4000-8000-00000000c001',
     '/subscriptions/c0de0000-0000-4000-8000-00000000c001', 'a11ce000-0000-4000-8000-000000000001', 'User',
     '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'seed'),
    ('5eed0000-0000-4000-8000-000000000b0b', 'fabrikam', '/subscriptions/fab00000-0000-4000-8000-00000000fab1',
     '/subscriptions/fab00000-0000-4000-8000-00000000fab1', 'b0b00000-0000-4000-8000-000000000002', 'User',
     '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'seed');

INSERT INTO outbox (id, topic, event_key, payload, created_at)
SELECT e.id::uuid, 'gallery.access.v1', e.subject,
       jsonb_build_object('specversion', '1.0', 'id', e.id, 'source', '/services/access-service', 'type', e.type,
                          'subject', e.subject,
                          'time', to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                          'datacontenttype', 'application/json', 'data', e.data)::text,
       now() + (e.seq || ' milliseconds')::interval
FROM (VALUES
    (1, '5eed0001-0000-4000-8000-000000000001', 'SubscriptionCreated', '/subscriptions/c0de0000-0000-4000-8000-00000000c001',
     jsonb_build_object('subscriptionId', 'c0de0000-0000-4000-8000-00000000c001', 'tenantId', 'contoso',
                        'displayName', 'Contoso Production')),
    (2, '5eed0001-0000-4000-8000-000000000002', 'SubscriptionCreated', '/subscriptions/fab00000-0000-4000-8000-00000000fab1',
     jsonb_build_object('subscriptionId', 'fab00000-0000-4000-8000-00000000fab1', 'tenantId', 'fabrikam',
                        'displayName', 'Fabrikam Production')),
    (3, '5eed0001-0000-4000-8000-000000000003', 'RoleAssignmentCreated',
     '/subscriptions/c0de0000-0000-4000-8000-00000000c001/providers/Microsoft.Authorization/roleAssignments/5eed0000-0000-4000-8000-0000000a11ce',
     jsonb_build_object('assignmentId', '5eed0000-0000-4000-8000-0000000a11ce', 'tenantId', 'contoso',
                        'scope', '/subscriptions/c0de0000-0000-4000-8000-00000000c001',
                        'principalId', 'a11ce000-0000-4000-8000-000000000001', 'principalType', 'User',
                        'roleDefinitionId', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'roleName', 'Owner')),
    (4, '5eed0001-0000-4000-8000-000000000004', 'RoleAssignmentCreated',
     '/subscriptions/fab00000-0000-4000-8000-00000000fab1/providers/Microsoft.Authorization/roleAssignments/5eed0000-0000-4000-8000-000000000b0b',
     jsonb_build_object('assignmentId', '5eed0000-0000-4000-8000-000000000b0b', 'tenantId', 'fabrikam',
                        'scope', '/subscriptions/fab00000-0000-4000-8000-00000000fab1',
                        'principalId', 'b0b00000-0000-4000-8000-000000000002', 'principalType', 'User',
                        'roleDefinitionId', '8e3af657-a8ff-443c-a75c-2fe8c4bcb635', 'roleName', 'Owner'))
) AS e(seq, id, type, subject, data);
