-- 40 statement lines: allocated lines grouped to what a statement shows, one row per cost
-- center, project, tags, account, model, usage type, line item type, unit and currency, and
-- the rule that attributed it (attribution_source) with the value it found.
-- Amounts are exact sums; Python rounds them (largest remainder) for output. A part of an
-- invocation-log split (36) carries its evidence: log_via, and the sums of its callers'
-- tokens and of all matching tokens (its share is their ratio).
SELECT
    cost_center,
    unattributed_reason,
    project_id,
    coalesce(application, '') AS application,
    coalesce(environment, '') AS environment,
    coalesce(team, '') AS team,
    coalesce(owner, '') AS owner,
    usage_account_id,
    model,
    usage_type,
    coalesce(usage_kind, '') AS usage_kind,
    line_item_type,
    pricing_unit,
    currency,
    coalesce(resource_id, '') AS resource_id,
    attribution_source,
    attribution_value,
    coalesce(log_via, '') AS log_via,
    sum(usage_amount) AS usage_amount,
    sum(log_tokens) AS log_tokens,
    sum(log_key_tokens) AS log_key_tokens,
    sum(amount) AS amount,
    sum(line_items) AS line_items
FROM allocated
GROUP BY ALL
ORDER BY currency, cost_center, unattributed_reason, project_id, model, usage_type,
         line_item_type, usage_account_id, application, environment, team, owner,
         pricing_unit, resource_id, usage_kind, attribution_source, attribution_value, log_via;
