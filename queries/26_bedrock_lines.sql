-- 26 bedrock_lines: the groups of 13 with what the Bedrock taxonomy names them
-- (chargeback/bedrock_taxonomy.py, the one definition: model, provider, token kind, charge
-- kind, service tier, cross-region scope, tokens per unit, and the statements' usage kind),
-- for each of 24's products. One row per group of line items (line_items says how many);
-- group_no numbers the groups (the table's row id: no window over every group), for the
-- invocation-log matches (29).
-- Parameters: one list per column of bedrock_products, the same length, in 24's order: the
-- product fields ($line_item_types ... $pricing_units) and their names ($models ...).
CREATE OR REPLACE TEMP TABLE bedrock_lines AS
WITH bedrock_products AS (
    SELECT
        unnest($line_item_types::VARCHAR[]) AS line_item_type,
        unnest($usage_types::VARCHAR[]) AS usage_type,
        unnest($billing_entities::VARCHAR[]) AS billing_entity,
        unnest($product_codes::VARCHAR[]) AS product_code,
        unnest($product_models::VARCHAR[]) AS product_model,
        unnest($inference_types::VARCHAR[]) AS inference_type,
        unnest($features::VARCHAR[]) AS feature,
        unnest($product_names::VARCHAR[]) AS product_name,
        unnest($pricing_units::VARCHAR[]) AS pricing_unit,
        unnest($models::VARCHAR[]) AS model,
        unnest($providers::VARCHAR[]) AS provider,
        unnest($token_kinds::VARCHAR[]) AS token_kind,
        unnest($charge_kinds::VARCHAR[]) AS charge_kind,
        unnest($service_tiers::VARCHAR[]) AS service_tier,
        unnest($cross_regions::VARCHAR[]) AS cross_region,
        unnest($tokens_per_unit::BIGINT[]) AS tokens_per_unit,
        unnest($usage_kinds::VARCHAR[]) AS usage_kind
)
SELECT
    g.* EXCLUDE (product_model, inference_type, feature, product_name, line_keys,
              unit_description_min, unit_description_max, usage_day, day_row),
    p.model,
    p.provider,
    p.token_kind,
    p.charge_kind,
    p.service_tier,
    p.cross_region,
    p.tokens_per_unit,
    nullif(p.usage_kind, '') AS usage_kind,
    g.rowid + 1 AS group_no  -- unique: each group matches one product (24 is distinct)
FROM bedrock_groups AS g
JOIN bedrock_products AS p
    ON g.line_item_type = p.line_item_type
   AND g.usage_type = p.usage_type
   AND g.billing_entity = p.billing_entity
   AND g.product_code = p.product_code
   AND g.pricing_unit = p.pricing_unit
   AND g.product_model IS NOT DISTINCT FROM p.product_model
   AND g.inference_type IS NOT DISTINCT FROM p.inference_type
   AND g.feature IS NOT DISTINCT FROM p.feature
   AND g.product_name IS NOT DISTINCT FROM p.product_name
WHERE NOT g.day_row;
