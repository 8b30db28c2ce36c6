-- 18 bedrock_days: each group's spend by usage day, for the daily anomaly check (45), out
-- of the rows 13 made for it (day_row: a group's key, a day and their sum), which every
-- other reader of bedrock_groups leaves out. Empty when the check is off. No parameters.
CREATE OR REPLACE TEMP TABLE bedrock_days AS
SELECT group_key, usage_day AS day, amount
FROM bedrock_groups
WHERE day_row AND group_key IS NOT NULL AND usage_day IS NOT NULL;
