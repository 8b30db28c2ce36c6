-- 32 allocated: each group of Bedrock lines with the cost center it is charged to, the rule that
-- decided it (attribution_source) and the value that rule found (attribution_value), or,
-- when it has none, why (default_project, untagged, no_resource, invalid_cost_center,
-- inactive_cost_center). Rules are tried in the order $order; the first that yields a value
-- wins. A value is matched to the cost-center master (trimmed, case folded, aliases) through
-- the table cc_lookup; with $has_master a value not in it is invalid, never a new cost center.
-- Mapping rows (30: rule_mappings, by kind resource, principal, account) hold normalized
-- keys (lower case).
-- Rows are 24's groups of line items (amount and line_items carried along), with what each
-- mapping table found for them (resource_map_value ...; 34 counts what every rule finds).
-- invocation_logs: a token usage group 29 found log tokens for gets the placeholder value
-- 'invocation logs' and stays UNATTRIBUTED here; 36 splits it over the callers. A token
-- usage group no earlier rule attributed and no log explains has the reason no_log_match
-- when the order holds invocation_logs. log_via, log_tokens and log_key_tokens (the split's
-- evidence, 36) are empty here.
-- Parameters: $unattributed, $order (list), $has_master.
CREATE OR REPLACE TEMP TABLE allocated AS
WITH map_resource AS (
    SELECT key, cost_center FROM rule_mappings WHERE kind = 'resource'
),
map_principal AS (
    SELECT key, cost_center FROM rule_mappings WHERE kind = 'principal'
),
map_account AS (
    SELECT key, cost_center FROM rule_mappings WHERE kind = 'account'
),
candidates AS (
    SELECT
        b.*,
        coalesce(project_id_of(b.resource_id), '') AS project_id,
        coalesce(rm_arn.cost_center, rm_id.cost_center) AS resource_map_value,
        coalesce(pm_exact.cost_center, pm_role.cost_center) AS principal_map_value,
        am.cost_center AS account_map_value,
        CASE WHEN lm.group_no IS NOT NULL THEN 'invocation logs' END AS invocation_logs_value
    FROM bedrock_lines AS b
    LEFT JOIN map_resource AS rm_arn ON rm_arn.key = lower(b.resource_id)
    LEFT JOIN map_resource AS rm_id ON rm_id.key = lower(project_id_of(b.resource_id))
    LEFT JOIN map_principal AS pm_exact ON pm_exact.key = lower(b.iam_principal)
    LEFT JOIN map_principal AS pm_role ON pm_role.key = lower(role_arn_of(b.iam_principal))
    LEFT JOIN map_account AS am ON am.key = lower(trim(b.usage_account_id))
    LEFT JOIN (SELECT DISTINCT group_no FROM log_matches) AS lm ON lm.group_no = b.group_no
),
picked AS (
    SELECT
        *,
        list_filter(
            list_transform($order, lambda r: {
                'source': r,
                'value': CASE r
                    WHEN 'resource_tag' THEN cost_center_tag
                    WHEN 'principal_tag' THEN principal_cost_center_tag
                    WHEN 'account_tag' THEN account_cost_center_tag
                    WHEN 'resource_map' THEN resource_map_value
                    WHEN 'principal_map' THEN principal_map_value
                    WHEN 'account_map' THEN account_map_value
                    WHEN 'invocation_logs' THEN invocation_logs_value
                END
            }),
            lambda c: c.value IS NOT NULL
        )[1] AS pick
    FROM candidates
),
resolved AS (
    SELECT
        p.* EXCLUDE (pick),
        coalesce(p.pick.source, 'none') AS attribution_source,
        coalesce(p.pick.value, '') AS attribution_value,
        lk.code AS master_code,
        lk.active AS master_active
    FROM picked AS p
    LEFT JOIN cc_lookup AS lk ON lk.key = lower(trim(p.pick.value))
)
SELECT
    * EXCLUDE (master_code, master_active),
    CASE
        WHEN attribution_value = '' THEN $unattributed
        WHEN attribution_source = 'invocation_logs' THEN $unattributed
        WHEN master_code IS NULL AND $has_master THEN $unattributed
        WHEN master_code IS NOT NULL AND NOT master_active THEN $unattributed
        ELSE coalesce(master_code, attribution_value)
    END AS cost_center,
    CASE
        WHEN attribution_source = 'invocation_logs' THEN ''
        WHEN attribution_value = '' THEN
            CASE
                WHEN list_contains($order, 'invocation_logs')
                 AND usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
                THEN 'no_log_match'
                WHEN resource_id LIKE '%:project/default' OR resource_id = 'default' THEN 'default_project'
                WHEN resource_id IS NULL THEN 'no_resource'
                ELSE 'untagged'
            END
        WHEN master_code IS NULL AND $has_master THEN 'invalid_cost_center'
        WHEN master_code IS NOT NULL AND NOT master_active THEN 'inactive_cost_center'
        ELSE ''
    END AS unattributed_reason,
    CAST(NULL AS VARCHAR) AS log_via,
    CAST(0 AS HUGEINT) AS log_tokens,
    CAST(0 AS HUGEINT) AS log_key_tokens
FROM resolved;
