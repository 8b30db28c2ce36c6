-- 34 rule matches: how many Bedrock line items each rule finds a value for, whether or not
-- an earlier rule in the order won them, so a cost-center tag or a mapping table that
-- matches nothing is reported (chargeback/allocate/matching.py). Reads 32's `allocated`.
-- No parameters.
SELECT
    coalesce(sum(line_items), 0) AS line_items,
    coalesce(sum(line_items) FILTER (WHERE cost_center_tag IS NOT NULL), 0) AS resource_tag,
    coalesce(sum(line_items) FILTER (WHERE principal_cost_center_tag IS NOT NULL), 0)
        AS principal_tag,
    coalesce(sum(line_items) FILTER (WHERE account_cost_center_tag IS NOT NULL), 0)
        AS account_tag,
    coalesce(sum(line_items) FILTER (WHERE resource_map_value IS NOT NULL), 0) AS resource_map,
    coalesce(sum(line_items) FILTER (WHERE principal_map_value IS NOT NULL), 0)
        AS principal_map,
    coalesce(sum(line_items) FILTER (WHERE account_map_value IS NOT NULL), 0) AS account_map
FROM allocated;
