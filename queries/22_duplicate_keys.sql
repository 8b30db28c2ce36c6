-- 22 duplicate keys: line-item keys (a 64-bit hash of identity_line_item_id and the time
-- interval, kept by 13) found in more than one input file, as when a folder holds two
-- deliveries of a refreshed export. AWS keeps the id unique within a delivery; counting
-- both copies would invent spend. A key here is only a candidate (two different lines may
-- share a hash): 23 reads the export again to confirm and name the line; the first 1000
-- are enough for that, candidates says how many there are. No parameters.
SELECT key, count(*) OVER () AS candidates
FROM (
    SELECT file_no, unnest(line_keys) AS key
    FROM bedrock_groups
    WHERE NOT day_row
)
GROUP BY key
HAVING min(file_no) <> max(file_no)
ORDER BY key
LIMIT 1000;
