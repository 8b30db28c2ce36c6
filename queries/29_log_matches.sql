-- 29 log_matches: for each token usage group of 26 (group_no), the log tokens that explain
-- it: same usage account, region (when the line names one), kind of token, and model or
-- application inference profile (the log's modelId is the line's resource), in the same
-- $grain slot (hour, day or month: 28) of the line's time interval. One row per group and
-- caller (identity ARN and requestMetadata values); a line without a model is matched only
-- by its profile. Models are matched by their keys (chargeback/allocate/log_models.py,
-- bound as lists: side 'log' names a modelId and the application inference profile it
-- names, side 'cur' a CUR model). Without logs the lists are empty and log_tokens is made
-- empty, so 32 reads the same tables either way.
-- Parameters: $sides, $names, $keys, $profiles (lists of the same length), $grain,
-- $period_start.
CREATE TEMP TABLE IF NOT EXISTS log_tokens (
    account_id VARCHAR, region VARCHAR, model_id VARCHAR, hour TIMESTAMP, principal VARCHAR,
    cost_center VARCHAR, application VARCHAR, environment VARCHAR, team VARCHAR,
    owner VARCHAR, token_kind VARCHAR, bad BOOLEAN, tokens HUGEINT, records BIGINT,
    bad_file VARCHAR
);
CREATE OR REPLACE TEMP TABLE log_matches AS
WITH model_keys AS (
    SELECT * FROM log_model_keys($sides, $names, $keys, $profiles)
),
lines AS (
    SELECT
        b.group_no,
        b.usage_account_id AS account_id,
        b.log_region AS region,
        b.usage_kind AS token_kind,
        lower(b.resource_id) AS resource,
        coalesce(ck.model_key, '') AS model_key,
        coalesce(
            date_trunc($grain, CAST(try_cast(split_part(b.log_interval, '/', 1) AS TIMESTAMPTZ) AS TIMESTAMP)),
            date_trunc($grain, CAST($period_start AS TIMESTAMP))
        ) AS slot
    FROM bedrock_lines AS b
    LEFT JOIN (SELECT name AS model, model_key FROM model_keys WHERE side = 'cur') AS ck ON ck.model = b.model
    WHERE b.usage_kind IN ('input', 'output', 'cache_read', 'cache_write')
),
logs AS (
    SELECT t.*, k.model_key, k.profile, date_trunc($grain, t.hour) AS slot
    FROM log_tokens AS t
    JOIN (SELECT name AS model_id, model_key, profile FROM model_keys WHERE side = 'log') AS k ON k.model_id = t.model_id
    WHERE NOT t.bad
),
matched AS (
    SELECT l.group_no, g.*
    FROM lines AS l
    JOIN logs AS g
      ON g.profile IS NULL
     AND g.account_id = l.account_id
     AND g.token_kind = l.token_kind
     AND g.model_key = l.model_key
     AND g.slot = l.slot
    WHERE (l.region IS NULL OR l.region = g.region) AND l.model_key <> ''
    UNION ALL
    SELECT l.group_no, g.*
    FROM lines AS l
    JOIN logs AS g
      ON g.account_id = l.account_id
     AND g.token_kind = l.token_kind
     AND g.profile = l.resource
     AND g.slot = l.slot
    WHERE l.region IS NULL OR l.region = g.region
)
SELECT
    group_no, principal, cost_center, application, environment, team, owner,
    sum(tokens) AS tokens
FROM matched
GROUP BY ALL;
