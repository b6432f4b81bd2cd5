-- Microsoft.Resources/resourceGroups: the groups a subscription's users made with ARM's own API (Azure's SDKs and
-- quickstarts make one first). Elsewhere resource groups stay implicit: a gallery may be made in any group name.
CREATE TABLE resource_group (
    subscription_id text        NOT NULL,
    name_key        text        NOT NULL,
    name            text        NOT NULL,
    location        text        NOT NULL,
    tags            text,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (subscription_id, name_key)
);
