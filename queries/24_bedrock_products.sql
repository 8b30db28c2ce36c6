-- 24 bedrock products: the distinct products of 13's groups (the fields a line says what it
-- is by), for chargeback/bedrock_taxonomy.py to name once each: a month has a few hundred,
-- against up to millions of groups. 26 joins the names back. No parameters.
SELECT DISTINCT
    line_item_type,
    usage_type,
    billing_entity,
    product_code,
    product_model,
    inference_type,
    feature,
    product_name,
    pricing_unit
FROM bedrock_groups
ORDER BY ALL;
