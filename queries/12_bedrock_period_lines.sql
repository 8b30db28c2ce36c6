-- 12 bedrock_period_lines(period_start, period_end, measure): the one selection of a billing
-- period's Bedrock line items, with `cost` as measured ('net_unblended' falls back to
-- unblended where the net column is NULL: 13 flags those lines, and the run accepts the
-- fallback only when it holds for every Bedrock line of the period, chargeback/allocate/
-- allocation.py applied_measure; 'unblended'). 13 sums these lines; 21 and 23 read
-- them again to name a bad amount or a repeated line. A table macro over the canonical view
-- `cur`, so it is created once `cur` exists. Rows are selected by
-- bill_billing_period_start_date, never by folder. No parameters (the macro takes them).
CREATE OR REPLACE TEMP MACRO bedrock_period_lines(period_start, period_end, measure) AS TABLE
SELECT
    *,
    CASE WHEN measure = 'unblended' THEN unblended_cost
         ELSE coalesce(net_unblended_cost, unblended_cost) END AS cost
FROM cur
WHERE billing_period_start >= period_start
  AND billing_period_start < period_end
  AND is_bedrock(coalesce(product_family, product['product_family']), product_code,
                 billing_entity, product['product_name']);
