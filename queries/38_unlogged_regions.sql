-- 38 only with invocation logs: usage accounts and regions with token usage the logs were
-- to explain (as 37's 'export' rows)
-- but no log object at all ($log_accounts, $log_regions: the pairs that delivered logs),
-- with the number of days they have usage on: model invocation logging looks off there.
-- Parameters: $log_accounts, $log_regions (lists of the same length).
WITH logged AS (
    SELECT unnest($log_accounts::VARCHAR[]) AS account_id, unnest($log_regions::VARCHAR[]) AS region
)
SELECT
    a.usage_account_id,
    coalesce(a.log_region, '') AS region,
    count(DISTINCT CAST(try_cast(split_part(a.log_interval, '/', 1) AS TIMESTAMPTZ) AS DATE))
        AS days
FROM allocated AS a
WHERE a.usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
  AND (a.attribution_source = 'invocation_logs' OR a.unattributed_reason = 'no_log_match')
  AND NOT EXISTS (
      SELECT 1 FROM logged AS l
      WHERE l.account_id = a.usage_account_id AND l.region = coalesce(a.log_region, l.region)
  )
GROUP BY ALL
ORDER BY 1, 2;
