-- 40 statement lines: allocated lines grouped to what a statement shows, one row per cost
-- center, project, tags, account, model, usage type, line item type, unit and currency, and
-- the rule that attributed it (attribution_source) with the value it found, and what the
-- Bedrock taxonomy names it (25): tokens are the usage in tokens (NULL when the line is not
-- tokens, or its unit is unsized).
-- Amounts are exact sums; Python rounds them (largest remainder) for output.
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
    coalesce(provider, '') AS provider,
    coalesce(token_kind, '') AS token_kind,
    coalesce(charge_kind, '') AS charge_kind,
    coalesce(service_tier, '') AS service_tier,
    coalesce(cross_region, '') AS cross_region,
    sum(usage_amount) AS usage_amount,
    sum(usage_amount * tokens_per_unit) AS tokens,
    sum(amount) AS amount,
    sum(line_items) AS line_items
FROM allocated
GROUP BY ALL
ORDER BY currency, cost_center, unattributed_reason, project_id, model, usage_type,
         line_item_type, usage_account_id, application, environment, team, owner,
         pricing_unit, resource_id, usage_kind, attribution_source, attribution_value,
         provider, token_kind, charge_kind, service_tier, cross_region;
