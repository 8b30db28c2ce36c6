-- 18 bedrock_days: each group's spend by usage day, for the daily anomaly check (45), out
-- of the rows 13 made for it (day_row: its second grouping set, a group's key and a day),
-- before 15 deletes them. Empty when the check is off (13 made one row then, with no key).
-- No parameters.
CREATE OR REPLACE TEMP TABLE bedrock_days AS
SELECT group_key, usage_day AS day, amount
FROM bedrock_groups
WHERE day_row AND group_key IS NOT NULL AND usage_day IS NOT NULL;
