-- 90 period totals: per billing period and currency, all rows, Bedrock rows and the Bedrock
-- total (net unblended, falling back to unblended; and unblended), for `chargeback periods`.
-- Same Bedrock rule as the run's selection (bedrock_selected_by, 00; 12 and 15), over every
-- period: a Marketplace line not named for Bedrock counts when its product code is on a
-- Marketplace line of the same period that is. A cost no exact sum can hold (NaN,
-- infinite, beyond DECIMAL(38, 12)) is left out here, and a run on its period stops on it
-- (13, 21). No parameters.
WITH rows_ AS (
    SELECT
        strftime(billing_period_start, '%Y-%m') AS period,
        coalesce(currency, '') AS currency,
        product_code,
        bedrock_selected_by(coalesce(product_family, product['product_family']), product_code,
                            billing_entity, product['product_name']) AS selected_by,
        exact_cost(coalesce(net_unblended_cost, unblended_cost)) AS net_cost,
        exact_cost(unblended_cost) AS unblended
    FROM cur
    WHERE billing_period_start IS NOT NULL
),
marketplace_codes AS (
    SELECT DISTINCT period, product_code
    FROM rows_
    WHERE selected_by = 'marketplace_name' AND product_code <> ''
),
flagged AS (
    SELECT
        r.*,
        coalesce(r.selected_by IN ('service', 'marketplace_name'), false)
            OR m.product_code IS NOT NULL AS bedrock
    FROM rows_ AS r
    LEFT JOIN marketplace_codes AS m
        ON r.selected_by = 'marketplace_code'
       AND m.period = r.period
       AND m.product_code = r.product_code
)
SELECT
    period,
    currency,
    count(*) AS rows,
    count(*) FILTER (WHERE bedrock) AS bedrock_rows,
    coalesce(sum(net_cost) FILTER (WHERE bedrock), 0) AS bedrock_net,
    coalesce(sum(unblended) FILTER (WHERE bedrock), 0) AS bedrock_unblended
FROM flagged
GROUP BY ALL
ORDER BY period, currency;
