-- 90 period totals: per billing period and currency, all rows, Bedrock rows and the Bedrock
-- total (net unblended, falling back to unblended; and unblended), for `chargeback periods`.
-- Same Bedrock rule (is_bedrock) as the run's selection, 12_bedrock_period_lines, over
-- every period; a cost no exact sum can hold (NaN, infinite, beyond DECIMAL(38, 12)) is left
-- out here, and a run on its period stops on it (13, 21). No parameters.
WITH rows_ AS (
    SELECT
        strftime(billing_period_start, '%Y-%m') AS period,
        coalesce(currency, '') AS currency,
        is_bedrock(coalesce(product_family, product['product_family']), product_code,
                   billing_entity, product['product_name']) AS bedrock,
        exact_cost(coalesce(net_unblended_cost, unblended_cost)) AS net_cost,
        exact_cost(unblended_cost) AS unblended
    FROM cur
    WHERE billing_period_start IS NOT NULL
)
SELECT
    period,
    currency,
    count(*) AS rows,
    count(*) FILTER (WHERE bedrock) AS bedrock_rows,
    coalesce(sum(net_cost) FILTER (WHERE bedrock), 0) AS bedrock_net,
    coalesce(sum(unblended) FILTER (WHERE bedrock), 0) AS bedrock_unblended
FROM rows_
GROUP BY ALL
ORDER BY period, currency;
