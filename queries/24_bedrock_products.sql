-- 24 bedrock products: the distinct products of 13's groups (the fields a line says what it
-- is by), for chargeback/bedrock_taxonomy.py to name once each: a month has a few hundred,
-- against up to millions of groups. 26 joins the names back. With each product, the line
-- item descriptions 13 kept for Marketplace lines priced in "Units" (unit_descriptions), and
-- whether a group's lines said more than those (unit_descriptions_partial: then 25 reads
-- them all from the export). No parameters.
SELECT
    line_item_type,
    usage_type,
    billing_entity,
    product_code,
    product_model,
    inference_type,
    feature,
    product_name,
    pricing_unit,
    list(DISTINCT unit_description_min) FILTER (WHERE unit_description_min IS NOT NULL)
        AS unit_descriptions,
    coalesce(bool_or(unit_description_min <> unit_description_max), false)
        AS unit_descriptions_partial
FROM bedrock_groups
WHERE NOT day_row
GROUP BY ALL
ORDER BY
    line_item_type, usage_type, billing_entity, product_code, product_model, inference_type,
    feature, product_name, pricing_unit;
