-- Every app in a tenant (issue 21, item 1). A connection with `all_apps`
-- is a *tenant*: discovery keeps one app connection per provisioning job
-- it finds, each a row here whose `tenant_connection_id` names the tenant
-- (sharing its sign-in and secrets, which stay keyed by the tenant's uuid —
-- nothing is copied). The tenant owns the one provisioning-log stream and
-- routes each event to the app it names. An app that disappears is
-- retired, not deleted: `retired_ms` and why, its history kept read-only.
ALTER TABLE connections ADD COLUMN all_apps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE connections ADD COLUMN tenant_connection_id INTEGER
    REFERENCES connections(id) ON DELETE CASCADE;
ALTER TABLE connections ADD COLUMN retired_ms INTEGER;
ALTER TABLE connections ADD COLUMN retired_reason TEXT;

-- One app connection per service principal and tenant.
CREATE UNIQUE INDEX connections_app_of_tenant
    ON connections (tenant_connection_id, service_principal_id)
    WHERE tenant_connection_id IS NOT NULL;
