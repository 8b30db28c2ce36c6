-- 37 only with invocation logs: how much of the token usage the logs explain, for the
-- coverage view (chargeback/allocate/invocation_logs.py). Rows by side:
--   'export': the token usage the rule tried to explain (no earlier rule attributed it:
--     attributed by invocation_logs, or left with no_log_match) per model, kind, pricing
--     unit and currency, in tokens (the taxonomy's tokens per unit; unsized counts the
--     groups whose unit it cannot size), with
--     whether its usage account and region delivered logs ($log_accounts, $log_regions:
--     pairs from the log objects' keys), its amount, and the amount the logs attributed
--     (a cost center found) or left unattributed (log_untagged, no_log_match);
--   'log': log tokens per model (the CUR model their key names, or the model of the
--     application inference profile's lines; else the log's modelId) and kind;
--   'gap': per usage account and region that delivered logs, the days with token usage
--     in the export and no log tokens.
-- Parameters: $log_accounts, $log_regions (lists of the same length); $sides, $names, $keys,
-- $profiles: the model keys 29 matched by.
WITH model_keys AS (
    SELECT * FROM log_model_keys($sides, $names, $keys, $profiles)
),
logged AS (
    SELECT unnest($log_accounts::VARCHAR[]) AS account_id, unnest($log_regions::VARCHAR[]) AS region
),
tokens AS (
    SELECT
        a.*,
        EXISTS (
            SELECT 1 FROM logged AS l
            WHERE l.account_id = a.usage_account_id AND l.region = coalesce(a.log_region, l.region)
        ) AS has_logs,
        CAST(try_cast(split_part(a.log_interval, '/', 1) AS TIMESTAMPTZ) AS DATE) AS day
    FROM allocated AS a
    WHERE a.usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
      AND (a.attribution_source = 'invocation_logs' OR a.unattributed_reason = 'no_log_match')
),
cur_names AS (
    SELECT model_key, min(name) AS model FROM model_keys WHERE side = 'cur' GROUP BY model_key
),
profile_models AS (
    SELECT lower(resource_id) AS resource, min(model) AS model
    FROM tokens WHERE resource_id IS NOT NULL GROUP BY ALL
)
SELECT
    'export' AS side, model, usage_kind AS token_kind, pricing_unit, currency, has_logs,
    '' AS account_id, '' AS region,
    sum(usage_amount * tokens_per_unit) AS usage,
    count(*) FILTER (WHERE tokens_per_unit IS NULL) AS unsized,
    sum(amount) AS amount,
    coalesce(sum(amount) FILTER (WHERE attribution_source = 'invocation_logs'
                                  AND unattributed_reason = ''), 0) AS explained,
    coalesce(sum(amount) FILTER (WHERE unattributed_reason = 'log_untagged'), 0) AS untagged,
    coalesce(sum(amount) FILTER (WHERE unattributed_reason = 'no_log_match'), 0) AS unmatched,
    CAST(0 AS HUGEINT) AS tokens, 0 AS days
FROM tokens
GROUP BY ALL
UNION ALL
SELECT
    'log', coalesce(pm.model, cn.model, t.model_id), t.token_kind, '', '', true, '', '',
    0, 0, 0, 0, 0, 0, sum(t.tokens), 0
FROM log_tokens AS t
JOIN (SELECT name AS model_id, model_key, profile FROM model_keys WHERE side = 'log') AS k ON k.model_id = t.model_id
LEFT JOIN cur_names AS cn ON cn.model_key = k.model_key AND k.profile IS NULL
LEFT JOIN profile_models AS pm ON pm.resource = k.profile
WHERE NOT t.bad
GROUP BY ALL
UNION ALL
SELECT
    'gap', '', '', '', '', true, e.usage_account_id, coalesce(e.log_region, ''),
    0, 0, 0, 0, 0, 0, 0, count(DISTINCT e.day)
FROM tokens AS e
WHERE e.has_logs AND e.day IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM log_tokens AS t
      WHERE NOT t.bad AND t.account_id = e.usage_account_id
        AND t.region = coalesce(e.log_region, t.region) AND CAST(t.hour AS DATE) = e.day
  )
GROUP BY ALL
ORDER BY 1, 2, 3, 4, 5, 6, 7, 8;
