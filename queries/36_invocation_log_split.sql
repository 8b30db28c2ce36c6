-- 36 only with invocation logs: 32's groups attributed by invocation_logs, split over their
-- callers by share of 29's matching log tokens (a caller: the requestMetadata cost center,
-- else its identity ARN through the principal map (rule_mappings, the ARN or its role),
-- else none: UNATTRIBUTED with reason log_untagged). A value is checked against the
-- cost-center master like any rule's (cc_lookup: invalid_cost_center, inactive_cost_center).
-- Splits are exact: each amount in units of 1e-12 (usage 1e-10) is divided by largest
-- remainder, so a group's parts add up to it exactly; the group's line items go with its
-- largest part. The statement tags come from the logs' metadata, else the line's tags.
-- Each part keeps its evidence: log_via (metadata, principal_map, untagged), log_tokens
-- (its callers' tokens) and log_key_tokens (all matching tokens).
-- Parameters: $unattributed, $has_master.
CREATE OR REPLACE TEMP TABLE allocated AS
WITH callers AS (
    SELECT
        m.group_no,
        coalesce(m.cost_center, pm_exact.cost_center, pm_role.cost_center, '') AS value,
        CASE
            WHEN m.cost_center IS NOT NULL THEN 'metadata'
            WHEN coalesce(pm_exact.cost_center, pm_role.cost_center) IS NOT NULL THEN 'principal_map'
            ELSE 'untagged'
        END AS via,
        m.application AS log_application,
        m.environment AS log_environment,
        m.team AS log_team,
        m.owner AS log_owner,
        sum(m.tokens) AS tokens
    FROM log_matches AS m
    LEFT JOIN rule_mappings AS pm_exact
        ON pm_exact.kind = 'principal' AND pm_exact.key = lower(m.principal)
    LEFT JOIN rule_mappings AS pm_role
        ON pm_role.kind = 'principal' AND pm_role.key = lower(role_arn_of(m.principal))
    GROUP BY ALL
),
logged AS (
    SELECT
        a.*,
        c.value, c.via, c.log_application, c.log_environment, c.log_team, c.log_owner,
        c.tokens AS caller_tokens,
        sum(c.tokens) OVER (PARTITION BY a.group_no) AS key_tokens,
        sign(a.amount) AS amount_sign,
        CAST(abs(a.amount) * 1000000000000 AS HUGEINT) AS amount_units,
        sign(a.usage_amount) AS usage_sign,
        CAST(abs(a.usage_amount) * 10000000000 AS HUGEINT) AS usage_units
    FROM allocated AS a
    JOIN callers AS c ON c.group_no = a.group_no
    WHERE a.attribution_source = 'invocation_logs'
),
floored AS (
    SELECT
        *,
        amount_units * caller_tokens // key_tokens AS amount_floor,
        usage_units * caller_tokens // key_tokens AS usage_floor,
        row_number() OVER (
            PARTITION BY group_no
            ORDER BY amount_units * caller_tokens % key_tokens DESC, caller_tokens DESC, value,
                     via, log_application, log_environment, log_team, log_owner
        ) AS amount_rank,
        row_number() OVER (
            PARTITION BY group_no
            ORDER BY usage_units * caller_tokens % key_tokens DESC, caller_tokens DESC, value,
                     via, log_application, log_environment, log_team, log_owner
        ) AS usage_rank,
        row_number() OVER (
            PARTITION BY group_no ORDER BY caller_tokens DESC, value, via, log_application,
                     log_environment, log_team, log_owner
        ) AS size_rank
    FROM logged
),
parts AS (
    SELECT
        *,
        amount_floor + CASE WHEN amount_rank <= amount_units
            - sum(amount_floor) OVER (PARTITION BY group_no) THEN 1 ELSE 0 END AS amount_part,
        usage_floor + CASE WHEN usage_rank <= usage_units
            - sum(usage_floor) OVER (PARTITION BY group_no) THEN 1 ELSE 0 END AS usage_part
    FROM floored
),
checked AS (
    SELECT p.*, lk.code AS master_code, lk.active AS master_active
    FROM parts AS p
    LEFT JOIN cc_lookup AS lk ON lk.key = lower(trim(p.value))
)
SELECT * FROM allocated WHERE attribution_source <> 'invocation_logs'
UNION ALL BY NAME
SELECT
    * EXCLUDE (
        cost_center, unattributed_reason, attribution_value, amount, usage_amount, line_items,
        application, environment, team, owner, log_via, log_tokens, log_key_tokens,
        value, via, log_application, log_environment, log_team, log_owner, caller_tokens,
        key_tokens, amount_sign, amount_units, usage_sign, usage_units, amount_floor,
        usage_floor, amount_rank, usage_rank, size_rank, amount_part, usage_part, master_code,
        master_active
    ),
    CASE
        WHEN value = '' THEN $unattributed
        WHEN master_code IS NULL AND $has_master THEN $unattributed
        WHEN master_code IS NOT NULL AND NOT master_active THEN $unattributed
        ELSE coalesce(master_code, value)
    END AS cost_center,
    CASE
        WHEN value = '' THEN 'log_untagged'
        WHEN master_code IS NULL AND $has_master THEN 'invalid_cost_center'
        WHEN master_code IS NOT NULL AND NOT master_active THEN 'inactive_cost_center'
        ELSE ''
    END AS unattributed_reason,
    value AS attribution_value,
    amount_sign * CAST(amount_part AS DECIMAL(38, 0)) * 0.000000000001 AS amount,
    usage_sign * CAST(usage_part AS DECIMAL(38, 0)) * 0.0000000001 AS usage_amount,
    CASE WHEN size_rank = 1 THEN line_items ELSE 0 END AS line_items,
    coalesce(log_application, application) AS application,
    coalesce(log_environment, environment) AS environment,
    coalesce(log_team, team) AS team,
    coalesce(log_owner, owner) AS owner,
    via AS log_via,
    caller_tokens AS log_tokens,
    key_tokens AS log_key_tokens
FROM checked;
