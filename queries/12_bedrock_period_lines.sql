-- 12 the one selection of a billing period's Bedrock line items, as two table macros over
-- the canonical view `cur` (created once `cur` exists), with `cost` as measured
-- ('net_unblended' falls back to unblended where the net column is NULL: 13 flags those
-- lines, and the run accepts the fallback only when it holds for every Bedrock line of the
-- period, chargeback/allocate/allocation.py applied_measure; 'unblended'). Rows are selected
-- by bill_billing_period_start_date, never by folder. No parameters (the macros take them).
--
-- bedrock_candidate_lines(period_start, period_end, measure): the lines some part of the
-- Bedrock rule selects (bedrock_selected_by, 00), Marketplace candidates included. 13 sums
-- these in its one scan of the files; 15 then drops the candidates whose product code is on
-- no Marketplace line named for Bedrock.
CREATE OR REPLACE TEMP MACRO bedrock_candidate_lines(period_start, period_end, measure) AS TABLE
SELECT
    *,
    CASE WHEN measure = 'unblended' THEN unblended_cost
         ELSE coalesce(net_unblended_cost, unblended_cost) END AS cost,
    bedrock_selected_by(coalesce(product_family, product['product_family']), product_code,
                        billing_entity, product['product_name']) AS selected_by
FROM cur
WHERE billing_period_start >= period_start
  AND billing_period_start < period_end
  AND bedrock_selected_by(coalesce(product_family, product['product_family']), product_code,
                          billing_entity, product['product_name']) IS NOT NULL;

-- bedrock_period_lines(period_start, period_end, measure): the period's Bedrock lines, the
-- same lines as 13 and 15 keep, line by line. 21, 23 and 35 read them again (to name a bad
-- amount or a repeated line, or to list tag keys), which reads the export twice: they run
-- only when a run stops or warns. (list_contains over a scalar subquery, not IN: with IN,
-- DuckDB 2.0 dropped the lines a later filter on `cost` should have kept, so 21 found no
-- bad amount.)
CREATE OR REPLACE TEMP MACRO bedrock_period_lines(period_start, period_end, measure) AS TABLE
SELECT *
FROM bedrock_candidate_lines(period_start, period_end, measure)
WHERE selected_by <> 'marketplace_code'
   OR list_contains(
        (SELECT list(DISTINCT named.product_code)
         FROM bedrock_candidate_lines(period_start, period_end, measure) AS named
         WHERE named.selected_by = 'marketplace_name' AND named.product_code <> ''),
        product_code
   );
