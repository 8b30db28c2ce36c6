-- 28 only with invocation logs: the names chargeback/allocate/log_models.py turns into model
-- keys (29): the models of the token usage lines ('cur') and the model ids of the logs
-- ('log'), and the matching grain ('grain'): hour when every token usage line covers at most
-- an hour (an hourly export), day when at most a day, else month. No parameters.
SELECT DISTINCT 'cur' AS side, model AS name
FROM bedrock_lines
WHERE usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
UNION ALL
SELECT DISTINCT 'log', model_id FROM log_tokens WHERE NOT bad
UNION ALL
SELECT 'grain', CASE
        WHEN max(span) <= INTERVAL 1 HOUR THEN 'hour'
        WHEN max(span) <= INTERVAL 1 DAY THEN 'day'
        ELSE 'month'
    END
FROM (
    SELECT coalesce(
        try_cast(split_part(log_interval, '/', 2) AS TIMESTAMPTZ)
            - try_cast(split_part(log_interval, '/', 1) AS TIMESTAMPTZ),
        INTERVAL 31 DAY
    ) AS span
    FROM bedrock_lines
    WHERE usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
);
