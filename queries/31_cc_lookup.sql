-- 31 cc_lookup: every cost-center master code and alias (normalized key) with the code it
-- stands for and whether that code is active, for 20. Empty without a master list.
-- Parameters: $keys, $codes, $active (lists of the same length).
CREATE OR REPLACE TEMP TABLE cc_lookup AS
SELECT
    unnest($keys::VARCHAR[]) AS key,
    unnest($codes::VARCHAR[]) AS code,
    unnest($active::BOOLEAN[]) AS active;
