-- 51 Bedrock rows by file: Bedrock line items of the period per input file, how many fell
-- back from net unblended to unblended cost, and how many have no usable cost (read from
-- 09's groups). No parameters.
SELECT
    source_file,
    sum(line_items) AS bedrock_rows,
    coalesce(sum(line_items) FILTER (WHERE measure_fallback), 0) AS measure_fallback_rows,
    sum(bad_lines) AS bad_lines
FROM bedrock_groups
GROUP BY source_file
ORDER BY source_file;
