-- 10 bedrock_lines: every Bedrock line item of one billing period, one row per export row,
-- normalized (tags trimmed, '' as missing; model and usage kind named; cost as measured).
-- Reads bedrock_rows (09: some files' Bedrock rows of the period), appends to bedrock_lines
-- (08). Parameters: $measure
-- ('net_unblended' | 'unblended'), and for each statement tag the candidate keys in
-- resource_tags ($*_keys) and in the tags map ($*_tags_keys); $cc_principal_keys: where the
-- calling IAM principal's cost-center tag sits in the tags map (iamPrincipal/...).
INSERT INTO bedrock_lines BY NAME
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
FROM bedrock_rows;
