-- 45 daily spend: only when the daily anomaly check is on (alerts.day_ratio > 0, so 13 kept
-- each group's usage_day). Each cost center's spend per usage day, from the allocated groups
-- (after 32's rules and 36's invocation-log split, so a day's spend is charged where its
-- lines are), in exact sums; Python rounds them to the cent. Only usage lines count (Usage,
-- DiscountedUsage, SavingsPlanCoveredUsage): tax, fees, credits and refunds are dated to
-- the month, not to the day they were used, and would look like a spike on its first day.
-- Spread by policies (chargeback.toml [policies]) happens later, in Python, over the month:
-- it is not per day. No parameters.
SELECT
    currency,
    cost_center,
    usage_day AS day,
    sum(amount) AS amount
FROM allocated
WHERE usage_day IS NOT NULL
  AND line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
GROUP BY ALL
ORDER BY currency, cost_center, day;
