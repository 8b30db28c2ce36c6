-- 11 periods: the billing periods present in the export with their row counts, for the
-- message a user gets when the period asked for has no rows.
SELECT strftime(billing_period_start, '%Y-%m') AS period, count(*) AS rows
FROM cur
WHERE billing_period_start IS NOT NULL
GROUP BY 1
ORDER BY 1;
