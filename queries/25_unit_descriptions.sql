-- 25 unit descriptions: what the line item descriptions of AWS Marketplace lines priced in
-- "Units" say, per product code and usage type, for chargeback/bedrock_taxonomy.py to size
-- the unit in tokens ("per 1,000 tokens"). 13 keeps each group's least and greatest
-- description and 24 lists them; this reads the export again only when a group's lines
-- disagree (24's unit_descriptions_partial), so the wide description column is scanned once
-- in a normal month. Parameters: $period_start, $period_end, $codes (the Marketplace Units
-- products' product codes).
SELECT DISTINCT
    product_code,
    usage_type,
    line_item_description
FROM cur
WHERE billing_period_start >= $period_start
  AND billing_period_start < $period_end
  AND billing_entity = 'AWS Marketplace'
  AND pricing_unit = 'Units'
  AND list_contains($codes::VARCHAR[], product_code)
  AND line_item_description IS NOT NULL
ORDER BY ALL;
