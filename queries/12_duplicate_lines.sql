-- 12 duplicate lines: the same line item (identity_line_item_id and time interval) found in
-- more than one input file, as when a folder holds two deliveries of a refreshed export.
-- AWS keeps the id unique within a delivery; counting both copies would invent spend.
WITH repeated AS (
    SELECT line_item_id, time_interval, min(source_file) AS first_file,
           max(source_file) AS second_file
    FROM bedrock_lines
    WHERE line_item_id IS NOT NULL AND line_item_id <> ''
    GROUP BY line_item_id, time_interval
    HAVING count(DISTINCT source_file) > 1
)
SELECT line_item_id, first_file, second_file, count(*) OVER () AS repeated
FROM repeated
ORDER BY line_item_id
LIMIT 1;
