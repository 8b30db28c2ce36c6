-- 11 bad amounts: Bedrock lines whose cost is NULL, NaN or infinite. Any row here stops the
-- run with an error naming the file and line item: a chargeback never guesses a dollar.
SELECT source_file, line_item_id, CAST(cost AS VARCHAR) AS cost
FROM bedrock_lines
WHERE cost IS NULL OR isnan(cost) OR isinf(cost)
ORDER BY source_file, line_item_id
LIMIT 5;
