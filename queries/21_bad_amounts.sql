-- 21 bad amounts: Bedrock lines of the period whose cost (as measured) is NULL, NaN,
-- infinite or beyond DECIMAL(38, 12), or whose usage amount is NaN, infinite or out of range
-- (exact_cost, exact_quantity). Runs only when 13 counted such lines (bad_lines), to name
-- the file and line item in the error: a chargeback never guesses a dollar. Reads the
-- export again. Parameters: $period_start, $period_end, $measure.
SELECT source_file, line_item_id, CAST(cost AS VARCHAR) AS cost,
       CAST(usage_amount AS VARCHAR) AS usage_amount
FROM bedrock_period_lines($period_start, $period_end, $measure)
WHERE exact_cost(cost) IS NULL OR exact_quantity(coalesce(usage_amount, 0)) IS NULL
ORDER BY source_file, line_item_id
LIMIT 5;
