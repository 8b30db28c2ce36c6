-- 09 bedrock_groups: the Bedrock line items of one billing period, summed in the scan itself
-- by everything a later step reads from a line (file, invoice, account, resource, principal,
-- usage type, the tag entries the run looks for, the product fields model and usage kind
-- come from). Nothing per line is kept but a 64-bit key for the duplicate check (12), so the
-- run holds a few hundred bytes per group, not the lines with their maps; an hourly export
-- repeats each group for every hour of the month. The tag maps are cut down here to the
-- entries under the candidate keys ($resource_keys, $tags_keys); 10 picks values from them.
-- Rows are selected by bill_billing_period_start_date, never by folder.
-- Cost is the measure ($measure: 'net_unblended' | 'unblended') summed as exact DECIMAL;
-- a NULL, NaN or infinite cost is not summed but counted in bad_lines, which stops the run.
-- Parameters: $period_start, $period_end, $measure, $resource_keys, $tags_keys.
CREATE OR REPLACE TEMP TABLE bedrock_groups AS
WITH lines AS (
    SELECT
        *,
        CASE WHEN $measure = 'unblended' THEN unblended_cost
             ELSE coalesce(net_unblended_cost, unblended_cost) END AS cost
    FROM cur
    WHERE billing_period_start >= $period_start
      AND billing_period_start < $period_end
      AND is_bedrock(coalesce(product_family, product['product_family']), product_code,
                     billing_entity, product['product_name'])
)
SELECT
    source_file,
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
    list_filter(map_entries(resource_tags), lambda e: list_contains($resource_keys, e.key))
        AS resource_tag_entries,
    list_filter(map_entries(tags), lambda e: list_contains($tags_keys, e.key)) AS tag_entries,
    product['model'] AS product_model,
    product['inference_type'] AS inference_type,
    product['feature'] AS feature,
    product['product_name'] AS product_name,
    ($measure <> 'unblended' AND net_unblended_cost IS NULL) AS measure_fallback,
    sum(CAST(CASE WHEN isfinite(cost) THEN cost END AS DECIMAL(38, 12))) AS amount,
    sum(CAST(coalesce(usage_amount, 0) AS DECIMAL(38, 10))) AS usage_amount,
    count(*) AS line_items,
    count(*) FILTER (WHERE cost IS NULL OR NOT isfinite(cost)) AS bad_lines,
    list(hash(line_item_id, time_interval)) FILTER (WHERE line_item_id <> '') AS line_keys
FROM lines
GROUP BY ALL;
