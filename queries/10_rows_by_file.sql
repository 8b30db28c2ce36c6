-- 10 rows by file: how many rows of the period, and how many Bedrock rows, each input file
-- contributed, and how many rows have no billing period at all (undated_rows: 14 looks
-- for Bedrock lines among them), and how many of the period's rows are AWS Marketplace lines
-- priced in "Units" (unit_lines: only then does 13 read the line item descriptions, which
-- size such units). Parameters: $period_start, $period_end.
SELECT
    source_file,
    count(*) FILTER (WHERE billing_period_start >= $period_start
                       AND billing_period_start < $period_end) AS period_rows,
    count(*) AS all_rows,
    count(*) FILTER (WHERE billing_period_start IS NULL) AS undated_rows,
    count(*) FILTER (WHERE billing_period_start >= $period_start
                       AND billing_period_start < $period_end
                       AND billing_entity = 'AWS Marketplace'
                       AND pricing_unit = 'Units') AS unit_lines
FROM cur
GROUP BY source_file
ORDER BY source_file;
