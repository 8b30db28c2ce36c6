-- 51 Bedrock rows by file: Bedrock line items of the period per input file (read from
-- `allocated`, which holds every Bedrock line once 20 has run).
SELECT
    source_file,
    count(*) AS bedrock_rows,
    sum(CASE WHEN measure_fallback THEN 1 ELSE 0 END) AS measure_fallback_rows
FROM allocated
GROUP BY source_file
ORDER BY source_file;
