-- The full compliance report of the latest discovery (findings with their
-- evidence, the checks that had nothing to look at, the discovery
-- endpoints and the /Schemas body read): the Inventory's SCIM compliance
-- tab and the Mappings screen both read it, so they never disagree. NULL
-- for crawl rows and for discover rows recorded before this migration.
ALTER TABLE scim_compliance ADD COLUMN report_json TEXT;
