-- 09 bedrock_rows: the rows of some input files that are Bedrock line items of one billing
-- period, with only the columns later steps read. The filter is all this step does,
-- so the scan hands few rows on, and the per-row work of 10 (map lookups, model, usage kind)
-- runs over these compact rows rather than over the scan's sparse batches, which measured
-- several times slower at 10M rows. Rows are selected by bill_billing_period_start_date,
-- never by folder; list_contains on the file name prunes the scan to the files given.
-- Parameters: $source_files (a list of input files), $period_start, $period_end.
-- TODO(issue 6): resolve the tag keys here with direct map lookups into fixed key slots
-- instead of copying the maps to 10 (measured 14% less for 09+10 at 10M rows); see
-- benchmarks/RESULTS.md, "What bounds the run now".
CREATE OR REPLACE TEMP TABLE bedrock_rows AS
SELECT
    source_file, line_item_id, time_interval, invoice_id, billing_entity, line_item_type, usage_account_id,
    resource_id, iam_principal, usage_type, operation, pricing_unit, currency, usage_amount,
    unblended_cost, net_unblended_cost, resource_tags, tags, product
FROM cur
WHERE list_contains($source_files, source_file)
  AND billing_period_start >= $period_start
  AND billing_period_start < $period_end
  AND is_bedrock(coalesce(product_family, product['product_family']), product_code,
                 billing_entity, product['product_name']);
