-- License packs (issue 25): declarations gain what some licenses ask for. Both are
-- NULL for "not declared", which is what every earlier declaration says.
-- The territories where the licensee will use or deploy models: comma-separated ISO
-- 3166-1 alpha-2 codes, sorted (a territory-of-use clause decides on them).
ALTER TABLE attestations ADD COLUMN deployment_territories TEXT;
-- The declared band of monthly active users (`up_to_1m` … `over_1b`), for licenses with
-- a monthly-active-users limit.
ALTER TABLE attestations ADD COLUMN monthly_active_users TEXT;
