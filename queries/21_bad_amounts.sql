-- 21 bad amounts: Bedrock lines of the period whose cost (as measured) is NULL, NaN or
-- infinite. Runs only when 13 counted such lines (bad_lines), to name the file and line
-- item in the error: a chargeback never guesses a dollar. Reads the export again.
-- Parameters: $period_start, $period_end, $measure.
SELECT source_file, line_item_id, CAST(cost AS VARCHAR) AS cost
FROM bedrock_period_lines($period_start, $period_end, $measure)
WHERE cost IS NULL OR NOT isfinite(cost)
ORDER BY source_file, line_item_id
LIMIT 5;
