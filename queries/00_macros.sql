-- 00 macros: the one definition of a Bedrock line, and the small functions every later
-- query shares (tag lookup, exact amounts, ids). No parameters, no user values.
-- What a line charges for (model, token kind, charge kind, kind of usage) is not written in
-- SQL: chargeback/bedrock_taxonomy.py names each product once, and 25 joins the names in.

-- One tag's value: the first non-empty, trimmed value under resource-tag keys r1, r2 (in
-- map rt) or tags-map keys t1..t5 (in map tg), best first; '' pads unused key slots (AWS
-- allows no empty tag key). Direct lookups, so the scan never copies a map.
CREATE OR REPLACE TEMP MACRO tag_value(rt, tg, r1, r2, t1, t2, t3, t4, t5) AS
    coalesce(
        nullif(trim(rt[r1]), ''), nullif(trim(rt[r2]), ''),
        nullif(trim(tg[t1]), ''), nullif(trim(tg[t2]), ''), nullif(trim(tg[t3]), ''),
        nullif(trim(tg[t4]), ''), nullif(trim(tg[t5]), '')
    );

-- Which part of the Bedrock rule selects a line item, or NULL when none does. Every line
-- item type counts: usage, credit, tax, fee, discounts...
--   'service': AWS says it is Bedrock, by product family or product code;
--   'marketplace_name': a model sold through AWS Marketplace for Bedrock (opaque product
--     code; product name "... (Amazon Bedrock Edition)" or "... (Bedrock Edition)");
--   'marketplace_code': any other AWS Marketplace line, a candidate only: it is Bedrock when
--     its product code is on a 'marketplace_name' line of the same period (its tax, credit or
--     discount lines carry no product name). 12_bedrock_period_lines and
--     15_marketplace_lines keep the candidates that qualify and drop the rest.
CREATE OR REPLACE TEMP MACRO bedrock_selected_by(product_family, product_code, billing_entity, product_name) AS
    CASE
        WHEN coalesce(product_family = 'Amazon Bedrock', false)
          OR coalesce(product_code IN (
                'AmazonBedrock',
                'AmazonBedrockService',
                'AmazonBedrockFoundationModels',
                'AmazonBedrockAgentCore'
             ), false)
        THEN 'service'
        WHEN coalesce(billing_entity = 'AWS Marketplace', false)
         AND coalesce(contains(lower(product_name), 'amazon bedrock')
                      OR contains(lower(product_name), '(bedrock edition)'), false)
        THEN 'marketplace_name'
        WHEN coalesce(billing_entity = 'AWS Marketplace', false) THEN 'marketplace_code'
    END;

-- An amount as an exact DECIMAL from the double's shortest decimal form (its VARCHAR:
-- 1e15 -> '1000000000000000.0'), so no digits are invented: a straight CAST of the double
-- gives 1000000000000000.013287555072. NULL for NULL, NaN, infinite, and a magnitude beyond
-- what the DECIMAL holds (26 digits before the point for costs, 28 for usage amounts): 13
-- counts such a line as bad and the run stops on it (21 names it), it is never summed.
CREATE OR REPLACE TEMP MACRO exact_cost(x) AS
    CASE WHEN isfinite(x) AND abs(x) < 1e26 THEN CAST(CAST(x AS VARCHAR) AS DECIMAL(38, 12)) END;
CREATE OR REPLACE TEMP MACRO exact_quantity(x) AS
    CASE WHEN isfinite(x) AND abs(x) < 1e28 THEN CAST(CAST(x AS VARCHAR) AS DECIMAL(38, 10)) END;

-- The project (or application inference profile) id in a resource ARN, else NULL.
CREATE OR REPLACE TEMP MACRO project_id_of(resource_id) AS
    nullif(regexp_extract(resource_id, '(?:project|application-inference-profile)/([^/]+)$', 1), '');

-- The IAM role behind an assumed-role session ARN (arn:aws:sts::A:assumed-role/ROLE/SESSION
-- -> arn:aws:iam::A:role/ROLE), so a mapping table can name the role once; else NULL.
CREATE OR REPLACE TEMP MACRO role_arn_of(principal) AS
    CASE
        WHEN regexp_matches(principal, '^arn:[^:]+:sts::[0-9]+:assumed-role/[^/]+/')
        THEN regexp_replace(principal, '^arn:([^:]+):sts::([0-9]+):assumed-role/([^/]+)/.*$', 'arn:\1:iam::\2:role/\3')
    END;

-- The model keys invocation-log records are matched by (29) and counted under (37): one row
-- per key, from four lists of the same length (allocate/log_models.py makes them).
CREATE OR REPLACE TEMP MACRO log_model_keys(sides, names, keys, profiles) AS TABLE
SELECT
    unnest(sides::VARCHAR[]) AS side,
    unnest(names::VARCHAR[]) AS name,
    unnest(keys::VARCHAR[]) AS model_key,
    unnest(profiles::VARCHAR[]) AS profile;
