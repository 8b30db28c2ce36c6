-- 20 Bedrock rows by file: Bedrock line items of the period per input file, how many fell
-- back from net unblended to unblended cost, and how many have no usable cost (read from
-- 13's groups, after 15), and how many lines each part of the Bedrock rule selected
-- (bedrock_selected_by, 00). Parameters: $source_files (the list 13 numbered the files by).
SELECT
    $source_files[file_no] AS source_file,
    sum(line_items) AS bedrock_rows,
    coalesce(sum(line_items) FILTER (WHERE measure_fallback), 0) AS measure_fallback_rows,
    sum(bad_lines) AS bad_lines,
    coalesce(sum(line_items) FILTER (WHERE selected_by = 'service'), 0) AS service_rows,
    coalesce(sum(line_items) FILTER (WHERE selected_by = 'marketplace_name'), 0)
        AS marketplace_name_rows,
    coalesce(sum(line_items) FILTER (WHERE selected_by = 'marketplace_code'), 0)
        AS marketplace_code_rows
FROM bedrock_groups
WHERE NOT day_row
GROUP BY file_no
ORDER BY source_file;
