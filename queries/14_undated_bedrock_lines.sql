-- 14 undated Bedrock lines: Bedrock line items whose bill_billing_period_start_date is NULL.
-- A line without a billing period belongs to no month, so selecting by period (12) would
-- drop it without a word; the run stops and names it instead. Runs only when 10 counted
-- undated rows, after the scan (13); reads the export again. No parameters.
SELECT source_file, line_item_id, count(*) OVER () AS undated
FROM cur
WHERE billing_period_start IS NULL
  AND coalesce(bedrock_selected_by(coalesce(product_family, product['product_family']),
                                   product_code, billing_entity, product['product_name']),
               'marketplace_code') <> 'marketplace_code'
ORDER BY source_file, line_item_id
LIMIT 1;
