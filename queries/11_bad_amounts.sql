-- 11 bad amounts: Bedrock lines of the period whose cost (as measured) is NULL, NaN or
-- infinite. Runs only when 09 counted such lines (bad_lines), to name the file and line
-- item in the error: a chargeback never guesses a dollar. Reads the export again.
-- Parameters: $period_start, $period_end, $measure.
SELECT source_file, line_item_id, CAST(cost AS VARCHAR) AS cost
FROM (
    SELECT
        source_file,
        line_item_id,
        CASE WHEN $measure = 'unblended' THEN unblended_cost
             ELSE coalesce(net_unblended_cost, unblended_cost) END AS cost
    FROM cur
    WHERE billing_period_start >= $period_start
      AND billing_period_start < $period_end
      AND is_bedrock(coalesce(product_family, product['product_family']), product_code,
                     billing_entity, product['product_name'])
)
WHERE cost IS NULL OR NOT isfinite(cost)
ORDER BY source_file, line_item_id
LIMIT 5;
