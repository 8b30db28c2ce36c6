-- 23 duplicate lines: the Bedrock line items behind the candidate keys of 22 that really
-- repeat across input files (same identity_line_item_id and time interval), for the error
-- message. Runs only when 22 found a candidate; reads the export again.
-- Parameters: $period_start, $period_end, $keys (list of keys from 22).
WITH repeated AS (
    SELECT line_item_id, time_interval, min(source_file) AS first_file,
           max(source_file) AS second_file
    FROM bedrock_period_lines($period_start, $period_end, 'unblended')
    WHERE list_contains($keys, hash(line_item_id, time_interval))
    GROUP BY line_item_id, time_interval
    HAVING count(DISTINCT source_file) > 1
)
SELECT line_item_id, first_file, second_file, count(*) OVER () AS repeated
FROM repeated
ORDER BY line_item_id
LIMIT 1;
