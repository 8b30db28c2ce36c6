-- 13 free bedrock_rows: the raw Bedrock rows (with their maps) are not needed once 10 has
-- normalized them; dropping them keeps the run's memory to one copy of the lines.
DROP TABLE IF EXISTS bedrock_rows;
