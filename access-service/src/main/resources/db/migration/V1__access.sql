-- access-service owns tenants, subscriptions and role assignments.
CREATE TABLE tenant (
    id           text PRIMARY KEY,
    display_name text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscription (
    id           text PRIMARY KEY,
    tenant_id    text        NOT NULL REFERENCES tenant (id),
    display_name text        NOT NULL,
    state        text        NOT NULL DEFAULT 'Enabled',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_tenant ON subscription (tenant_id);

CREATE TABLE role_assignment (
    id                 text PRIMARY KEY,
    tenant_id          text        NOT NULL REFERENCES tenant (id),
    scope              text        NOT NULL,
    scope_key          text        NOT NULL,
    principal_id       text        NOT NULL,
    principal_type     text        NOT NULL,
    role_definition_id text        NOT NULL,
    created_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (scope_key, principal_id, role_definition_id)
);
CREATE INDEX role_assignment_principal ON role_assignment (tenant_id, principal_id);
CREATE INDEX role_assignment_scope ON role_assignment (scope_key);
