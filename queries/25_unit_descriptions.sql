-- 25 unit descriptions: what the line item descriptions of AWS Marketplace lines priced in
-- "Units" say, per product code and usage type, for chargeback/bedrock_taxonomy.py to size
-- the unit in tokens ("per 1,000 tokens"). It reads the export again, so it runs only when
-- 24 found such Bedrock products ($codes: their product codes); the wide description column
-- is never read otherwise. Parameters: $period_start, $period_end, $codes.
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
