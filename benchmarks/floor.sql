-- The floor: the least any tool must do to answer "Bedrock cost per cost center" over an
-- export. One query over the same files, reading the same columns the chargeback run reads,
-- selecting the period's Bedrock lines by the same rule, grouping by cost center, with no
-- outputs. The max()/sum() of the other columns only make the scan read them.
-- Parameters: $files (list of Parquet paths), $period_start, $period_end.
SELECT
    coalesce(
        nullif(trim(resource_tags['user_cost_center']), ''),
        nullif(trim(tags['resourceTags/CostCenter']), ''),
        'UNATTRIBUTED'
    ) AS cost_center,
    line_item_currency_code AS currency,
    sum(CAST(coalesce(line_item_net_unblended_cost, line_item_unblended_cost) AS DECIMAL(38, 12)))
        AS amount,
    count(*) AS line_items,
    sum(line_item_usage_amount) AS usage_amount,
    max(filename) AS any_file,
    max(identity_line_item_id) AS any_line_item,
    max(identity_time_interval) AS any_interval,
    max(bill_invoice_id) AS any_invoice,
    max(line_item_line_item_type) AS any_type,
    max(line_item_usage_account_id) AS any_account,
    max(line_item_resource_id) AS any_resource,
    max(line_item_iam_principal) AS any_principal,
    max(line_item_usage_type) AS any_usage_type,
    max(line_item_operation) AS any_operation,
    max(pricing_unit) AS any_unit,
    max(product['model']) AS any_model,
    max(product['inference_type']) AS any_inference_type,
    max(product['feature']) AS any_feature,
    max(resource_tags['user_team']) AS any_team,
    max(tags['resourceTags/Team']) AS any_tags_team
FROM read_parquet($files, filename = true)
WHERE bill_billing_period_start_date >= $period_start
  AND bill_billing_period_start_date < $period_end
  AND (
      coalesce(product_product_family, product['product_family']) = 'Amazon Bedrock'
      OR line_item_product_code IN (
          'AmazonBedrock', 'AmazonBedrockService',
          'AmazonBedrockFoundationModels', 'AmazonBedrockAgentCore'
      )
      OR (bill_billing_entity = 'AWS Marketplace'
          AND contains(lower(product['product_name']), 'amazon bedrock'))
  )
GROUP BY ALL
ORDER BY currency, cost_center;
