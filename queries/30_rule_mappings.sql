-- 30 rule_mappings: the mapping tables of chargeback.toml (resource_map, principal_map,
-- account_map) as one table of (kind, key, cost_center) rows, for 32 to join. Keys arrive
-- normalized (lower case). Values are data, bound as parameters.
-- Parameters: $kinds, $keys, $cost_centers (lists of the same length).
CREATE OR REPLACE TEMP TABLE rule_mappings AS
SELECT
    unnest($kinds::VARCHAR[]) AS kind,
    unnest($keys::VARCHAR[]) AS key,
    unnest($cost_centers::VARCHAR[]) AS cost_center;
