-- Tables every service has: the outbox it relays, the event ids it has consumed, and its read model of grants.
CREATE TABLE outbox (
    id         uuid PRIMARY KEY,
    topic      text        NOT NULL,
    event_key  text        NOT NULL,
    payload    text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_order ON outbox (created_at, id);

CREATE TABLE processed_event (
    event_id     text PRIMARY KEY,
    type         text        NOT NULL,
    processed_at timestamptz NOT NULL
);

CREATE TABLE subscription_view (
    subscription_id text PRIMARY KEY,
    tenant_id       text NOT NULL,
    display_name    text
);

CREATE TABLE grant_view (
    assignment_id      text PRIMARY KEY,
    tenant_id          text NOT NULL,
    scope              text NOT NULL,
    principal_id       text NOT NULL,
    role_definition_id text NOT NULL
);
CREATE INDEX grant_view_principal ON grant_view (tenant_id, principal_id);
