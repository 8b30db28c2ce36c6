-- 19 spark groups: only with --engine spark. The groups Spark made of the period's Bedrock
-- lines (13, completed by 15, both run on Spark) and their spend by usage day (18), handed
-- over as the Arrow tables spark_groups and spark_days, become DuckDB's bedrock_groups,
-- which everything from 20 on reads, and bedrock_days (45). Their line keys stayed on
-- Spark, which ran the duplicate check (22, 23) there: line_keys is empty here. No
-- parameters.
CREATE OR REPLACE TEMP TABLE bedrock_groups AS
SELECT *, CAST(NULL AS UBIGINT[]) AS line_keys
FROM spark_groups;
CREATE OR REPLACE TEMP TABLE bedrock_days AS
SELECT * FROM spark_days;
