-- 16 log_tokens: the Bedrock model invocation logs of the period (gzipped JSON Lines, the
-- objects chargeback/read/invocation_logs.py listed: $files), reading only the fields named
-- in `columns` (never the input or output bodies), summed per account, region, model id,
-- hour, caller (identity ARN), the requestMetadata values the settings name, and kind of
-- token: inputTokenCount (input, cached tokens excluded), cacheReadInputTokenCount
-- (cache_read), cacheWriteInputTokenCount (cache_write), outputTokenCount (output).
-- Failed calls (errorCode) are not billed and not counted. Records outside the period are
-- dropped; a record whose schemaType is not ModelInvocationLog or whose timestamp does not
-- read is kept aside with its object (bad_file), and 17 stops the run on it.
-- Records are summed per group first (four sums), and only the groups are unpivoted into
-- kinds of token, so the per-record work is the read and one aggregate.
-- Parameters: $files, $period_start, $period_end, $cc_key1 .. $cc_key3 (requestMetadata keys
-- of the cost center, best first; '' pads), $application_key, $environment_key, $team_key,
-- $owner_key ('' for a role not read from the logs).
CREATE OR REPLACE TEMP TABLE log_tokens AS
WITH records AS (
    SELECT
        schemaType AS schema_type,
        CAST(try_cast("timestamp" AS TIMESTAMPTZ) AS TIMESTAMP) AS ts,
        coalesce(accountId, '') AS account_id,
        coalesce(region, '') AS region,
        coalesce(modelId, '') AS model_id,
        nullif(trim(identity.arn), '') AS principal,
        coalesce(
            nullif(trim(requestMetadata[$cc_key1]), ''),
            nullif(trim(requestMetadata[$cc_key2]), ''),
            nullif(trim(requestMetadata[$cc_key3]), '')
        ) AS cost_center,
        nullif(trim(requestMetadata[$application_key]), '') AS application,
        nullif(trim(requestMetadata[$environment_key]), '') AS environment,
        nullif(trim(requestMetadata[$team_key]), '') AS team,
        nullif(trim(requestMetadata[$owner_key]), '') AS owner,
        "input".inputTokenCount AS input_tokens,
        "input".cacheReadInputTokenCount AS cache_read_tokens,
        "input".cacheWriteInputTokenCount AS cache_write_tokens,
        "output".outputTokenCount AS output_tokens,
        errorCode AS error_code,
        filename
    FROM read_json(
        $files,
        format = 'newline_delimited',
        compression = 'gzip',
        filename = true,
        columns = {
            schemaType: 'VARCHAR',
            "timestamp": 'VARCHAR',
            accountId: 'VARCHAR',
            region: 'VARCHAR',
            modelId: 'VARCHAR',
            identity: 'STRUCT(arn VARCHAR)',
            requestMetadata: 'MAP(VARCHAR, VARCHAR)',
            "input": 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)',
            "output": 'STRUCT(outputTokenCount BIGINT)',
            errorCode: 'VARCHAR'
        }
    )
),
grouped AS (
    SELECT
        account_id, region, model_id, date_trunc('hour', ts) AS hour, principal, cost_center,
        application, environment, team, owner,
        (schema_type IS DISTINCT FROM 'ModelInvocationLog' OR ts IS NULL) AS bad,
        sum(input_tokens) AS input,
        sum(cache_read_tokens) AS cache_read,
        sum(cache_write_tokens) AS cache_write,
        sum(output_tokens) AS output,
        count(*) AS records,
        min(filename) FILTER (WHERE schema_type IS DISTINCT FROM 'ModelInvocationLog' OR ts IS NULL)
            AS bad_file
    FROM records
    WHERE (schema_type IS DISTINCT FROM 'ModelInvocationLog' OR ts IS NULL)
       OR (ts >= $period_start AND ts < $period_end AND error_code IS NULL)
    GROUP BY ALL
)
SELECT
    account_id, region, model_id, hour, principal, cost_center, application, environment,
    team, owner, c.kind AS token_kind, bad, coalesce(c.tokens, 0) AS tokens, records, bad_file
FROM (
    SELECT
        * EXCLUDE (input, cache_read, cache_write, output),
        unnest([
            {'kind': 'input', 'tokens': input},
            {'kind': 'cache_read', 'tokens': cache_read},
            {'kind': 'cache_write', 'tokens': cache_write},
            {'kind': 'output', 'tokens': output}
        ]) AS c
    FROM grouped
)
WHERE bad OR coalesce(c.tokens, 0) <> 0;
