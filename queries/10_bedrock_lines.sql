-- 10 bedrock_lines: every Bedrock line item of one billing period, one row per export row,
-- normalized (tags trimmed, '' as missing; model and usage kind named; cost as measured).
-- Reads the canonical view `cur`. Rows are selected by bill_billing_period_start_date,
-- never by folder. Parameters: $period_start, $period_end (dates), $measure
-- ('net_unblended' | 'unblended'), and for each statement tag the candidate keys in
-- resource_tags ($*_keys) and in the tags map ($*_tags_keys); $cc_principal_keys: where the
-- calling IAM principal's cost-center tag sits in the tags map (iamPrincipal/...).
CREATE OR REPLACE TEMP TABLE bedrock_lines AS
SELECT
    source_file,
    line_item_id,
    time_interval,
    coalesce(invoice_id, '') AS invoice_id,
    coalesce(billing_entity, '') AS billing_entity,
    coalesce(line_item_type, '') AS line_item_type,
    coalesce(usage_account_id, '') AS usage_account_id,
    nullif(trim(resource_id), '') AS resource_id,
    nullif(trim(iam_principal), '') AS iam_principal,
    coalesce(usage_type, '') AS usage_type,
    coalesce(operation, '') AS operation,
    coalesce(pricing_unit, '') AS pricing_unit,
    coalesce(currency, '') AS currency,
    coalesce(first_value_of(resource_tags, $cc_keys), first_value_of(tags, $cc_tags_keys)) AS cost_center_tag,
    first_value_of(tags, $cc_principal_keys) AS principal_cost_center_tag,
    coalesce(first_value_of(resource_tags, $application_keys), first_value_of(tags, $application_tags_keys)) AS application,
    coalesce(first_value_of(resource_tags, $environment_keys), first_value_of(tags, $environment_tags_keys)) AS environment,
    coalesce(first_value_of(resource_tags, $team_keys), first_value_of(tags, $team_tags_keys)) AS team,
    coalesce(first_value_of(resource_tags, $owner_keys), first_value_of(tags, $owner_tags_keys)) AS owner,
    coalesce(bedrock_model(product['model'], usage_type, billing_entity, product['product_name']), '') AS model,
    usage_kind(line_item_type, usage_type, product['inference_type'], product['feature']) AS usage_kind,
    coalesce(usage_amount, 0) AS usage_amount,
    CASE WHEN $measure = 'unblended' THEN unblended_cost
         ELSE coalesce(net_unblended_cost, unblended_cost) END AS cost,
    ($measure <> 'unblended' AND net_unblended_cost IS NULL) AS measure_fallback
FROM cur
WHERE billing_period_start >= $period_start
  AND billing_period_start < $period_end
  AND is_bedrock(coalesce(product_family, product['product_family']), product_code,
                 billing_entity, product['product_name']);
