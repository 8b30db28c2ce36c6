-- 45 daily spend: only when the daily anomaly check is on (alerts.day_ratio > 0). Each cost
-- center's spend per usage day: each group's days (18, by its key) go where the rules put
-- the group (32); a group the invocation-log split (36) shared between cost centers shares
-- each of its days in the same proportions (a log-matched group is one time interval of
-- the export, so one day, unless the export is monthly). Exact sums; Python rounds them to
-- the cent. Only usage lines count (Usage, DiscountedUsage, SavingsPlanCoveredUsage): tax,
-- fees, credits and refunds are dated to the month, not to the day they were used, and
-- would look like a spike on its first day. Spread by policies (chargeback.toml [policies])
-- happens later, in Python, over the month: it is not per day.
-- The key is 64 bits: should two groups of a month share one (about once in 10^7 months of
-- two million groups), their days are spread over both groups' cost centers by amount, as
-- a split group's are; the statements never read the days. No parameters.
WITH parts AS (
    SELECT group_key, currency, cost_center, sum(amount) AS amount
    FROM allocated
    WHERE line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
    GROUP BY ALL
),
shared AS (
    SELECT group_key, count(*) AS parts, sum(amount) AS total
    FROM parts
    GROUP BY group_key
)
SELECT
    p.currency,
    p.cost_center,
    d.day,
    sum(
        CASE
            WHEN s.parts = 1 THEN d.amount
            ELSE coalesce(CAST(CAST(d.amount AS DOUBLE) * CAST(p.amount AS DOUBLE)
                               / nullif(CAST(s.total AS DOUBLE), 0) AS DECIMAL(38, 12)), 0)
        END
    ) AS amount
FROM parts AS p
JOIN shared AS s ON s.group_key = p.group_key
JOIN bedrock_days AS d ON d.group_key = p.group_key
GROUP BY ALL
ORDER BY currency, cost_center, day;
