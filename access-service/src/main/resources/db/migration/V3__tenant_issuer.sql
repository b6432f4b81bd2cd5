-- Tenants registered at run time carry their OIDC issuer (the seeded ones are configured statically).
ALTER TABLE tenant ADD COLUMN issuer text UNIQUE;
