-- Content is deduplicated inside a tenant only (stores under tenants/{namespace}/): a blob and a replica job name the
-- tenant whose stores hold their content. Rows from before are attributed through the subscription's tenant.
ALTER TABLE blob ADD COLUMN tenant_id text;
ALTER TABLE replica_job ADD COLUMN tenant_id text;
UPDATE blob b SET tenant_id = s.tenant_id FROM subscription_view s WHERE s.subscription_id = b.subscription_id;
UPDATE replica_job j SET tenant_id = s.tenant_id FROM subscription_view s WHERE s.subscription_id = j.subscription_id;
