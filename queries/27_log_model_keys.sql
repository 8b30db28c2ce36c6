-- 27 the model keys of 26's names (log model id -> key, or the application inference
-- profile it names; CUR model -> key), computed in chargeback/allocate/log_models.py and
-- bound as lists. Without invocation logs the lists are empty and log_tokens is made empty,
-- so 28 and 32 read the same tables either way.
-- One table, model_keys (side 'log': name is a modelId, profile the application inference
-- profile it names; side 'cur': name is a CUR model).
-- Parameters: $sides, $names, $keys, $profiles (lists of the same length).
CREATE TEMP TABLE IF NOT EXISTS log_tokens (
    account_id VARCHAR, region VARCHAR, model_id VARCHAR, hour TIMESTAMP, principal VARCHAR,
    cost_center VARCHAR, application VARCHAR, environment VARCHAR, team VARCHAR,
    owner VARCHAR, token_kind VARCHAR, bad BOOLEAN, tokens HUGEINT, records BIGINT,
    bad_file VARCHAR
);
CREATE OR REPLACE TEMP TABLE model_keys AS
SELECT
    unnest($sides::VARCHAR[]) AS side,
    unnest($names::VARCHAR[]) AS name,
    unnest($keys::VARCHAR[]) AS model_key,
    unnest($profiles::VARCHAR[]) AS profile;
