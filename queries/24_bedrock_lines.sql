-- 24 bedrock_lines: the groups of 13 with their model and usage kind named. One row per
-- group of line items (line_items says how many). Model and usage kind (regular
-- expressions) are worked out once per distinct product, then joined back: a month has a
-- few hundred products, against up to millions of groups. group_no numbers the groups, for
-- the invocation-log matches (28). No parameters.
CREATE OR REPLACE TEMP TABLE bedrock_lines AS
WITH products AS (
    SELECT DISTINCT
        line_item_type, usage_type, billing_entity, product_model, inference_type, feature,
        product_name
    FROM bedrock_groups
),
product_values AS (
    SELECT
        *,
        coalesce(bedrock_model(product_model, usage_type, billing_entity, product_name), '') AS model,
        usage_kind(line_item_type, usage_type, inference_type, feature) AS usage_kind
    FROM products
)
SELECT
    g.* EXCLUDE (product_model, inference_type, feature, product_name, line_keys),
    p.model,
    p.usage_kind,
    row_number() OVER () AS group_no
FROM bedrock_groups AS g
JOIN product_values AS p
    ON g.line_item_type = p.line_item_type
   AND g.usage_type = p.usage_type
   AND g.billing_entity = p.billing_entity
   AND g.product_model IS NOT DISTINCT FROM p.product_model
   AND g.inference_type IS NOT DISTINCT FROM p.inference_type
   AND g.feature IS NOT DISTINCT FROM p.feature
   AND g.product_name IS NOT DISTINCT FROM p.product_name;
