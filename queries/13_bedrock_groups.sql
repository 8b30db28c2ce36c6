-- 13 bedrock_groups: the Bedrock line items of one billing period, summed in the scan itself
-- by everything a later step reads from a line (file, invoice, account, resource, principal,
-- usage type, the statement tags, the product fields the taxonomy names lines from).
-- Nothing per line is kept but a 64-bit key for the duplicate check (22), so the run holds
-- one group's worth of memory where an hourly export repeats it every hour of the month.
-- Group keys are kept narrow, since the aggregate's memory decides whether it spills: the
-- file as its position in $source_files, the tags as their values (tag_value: direct map
-- lookups, trimmed, '' as missing), never the maps. The position is joined from the list of
-- files, not looked up per line: list_position per line cost ~0.7 s of CPU with 3,000
-- files and 50k Bedrock lines, growing with both (benchmarks/RESULTS.md). The unnest reads
-- FROM range(1), a one-row table: without a FROM, DuckDB reported no progress for 13.
-- The lines are 12's candidates (bill_billing_period_start_date, never the folder), with
-- the part of the Bedrock rule that selected them and their product code, by which 15 drops
-- the Marketplace candidates that are not Bedrock.
-- Cost is the measure ($measure: 'net_unblended' | 'unblended') summed as exact DECIMAL
-- (exact_cost: from the double's shortest form, so no digits are invented); a NULL, NaN,
-- infinite or out-of-range cost, or a usage amount that is NaN, infinite or out of range,
-- is not summed but counted in bad_lines, which stops the run.
-- For AWS Marketplace lines priced in "Units", the least and greatest of their line item
-- descriptions (unit_description_min, _max; NULL for every other line), which size the unit
-- in tokens: 24 lists them per product, and only when a group's lines disagree (min <> max)
-- does 25 read the export again for all of them. A group's lines normally say the same, and
-- min/max cost the scan almost nothing where list(DISTINCT ...) cost more than 25's second
-- scan (benchmarks/RESULTS.md). $unit_descriptions: whether 10 counted such lines; when
-- false the wide description column is not read at all (DuckDB folds the bound value).
-- The usage day, for the daily anomaly check (45), never enters these groups: the lines
-- (keyed, which DuckDB streams to both sides of the UNION ALL, reading the export once)
-- are also summed by their group's key (group_key, a 64-bit hash of the group's columns,
-- which the groups keep too) and usage day (the date its time interval starts, the day of
-- line_item_usage_start_date, UTC: 'YYYY-MM-DD'): narrow rows of the amount alone, marked
-- day_row, which 18 copies to bedrock_days and every other query leaves out (NOT day_row).
-- With the day in the wide groups, an hourly export's groups repeated per day (up to ~31
-- times) and every later step (26, 32, 36, 40) worked on them: the 50M-row month took 32 s
-- and 1.7 GB, now 21 s and 1.5 GB (benchmarks/RESULTS.md, "The daily check's day out of
-- the groups"). GROUPING SETS, which compute every aggregate for both sets, cost 1.5 s more.
-- Parameters: $period_start, $period_end, $measure, $source_files (every input file), and
-- for each statement tag (cc, application, environment, team, owner) its candidate keys in
-- resource_tags ($<tag>_r1, $<tag>_r2) and in the tags map ($<tag>_t1 .. $<tag>_t5), and
-- where the calling IAM principal's and the usage account's cost-center tags sit in the tags
-- map ($cc_p1 .. $cc_p3, $cc_a1 .. $cc_a3); $log_match: keep each line's time interval and
-- region in the groups, which matching invocation logs needs (29), NULL otherwise; $by_day:
-- make the day rows above, false otherwise; $unit_descriptions: see above.
-- TODO(speed): this query costs more than the floor's (41 map lookups and a 28-column
-- group per line): "Next steps for speed" in benchmarks/RESULTS.md.
-- Ordering the Bedrock rule's tests (flat columns first) does not help: DuckDB decodes a map
-- column for every row of each vector it reads, and Bedrock lines sit in every vector
-- (RESULTS.md, "Issue 19: what changed, measured", item 4).
-- Keep each lookup's nullif(trim(...)) as it is: forms that avoid evaluating all 41 and keep
-- the rule were slower there ("Tried and dropped").
CREATE OR REPLACE TEMP TABLE bedrock_groups AS
WITH keyed AS (
    SELECT
        *,
        CASE WHEN $by_day THEN hash(
                file_no, invoice_id, billing_entity, line_item_type, usage_account_id,
                resource_id, iam_principal, usage_type, operation, pricing_unit,
                currency, selected_by, product_code, cost_center_tag,
                principal_cost_center_tag, account_cost_center_tag, application,
                environment, team, owner, product_model, inference_type, feature,
                product_name, log_interval, log_region, measure_fallback
        ) END AS group_key  -- the wide groups' columns, all of them
    FROM (
        SELECT
            files.file_no,
            coalesce(invoice_id, '') AS invoice_id,
            coalesce(billing_entity, '') AS billing_entity,
            coalesce(line_item_type, '') AS line_item_type,
            coalesce(usage_account_id, '') AS usage_account_id,
            nullif(trim(resource_id), '') AS resource_id,
            nullif(trim(iam_principal), '') AS iam_principal,
            coalesce(usage_type, '') AS usage_type,
            coalesce(operation, '') AS operation,
            coalesce(pricing_unit, '') AS pricing_unit,
            coalesce(currency, '') AS currency,
            selected_by,
            coalesce(product_code, '') AS product_code,
            tag_value(resource_tags, tags, $cc_r1, $cc_r2, $cc_t1, $cc_t2, $cc_t3, $cc_t4, $cc_t5)
                AS cost_center_tag,
            tag_value(tags, tags, '', '', $cc_p1, $cc_p2, $cc_p3, '', '')
                AS principal_cost_center_tag,
            tag_value(tags, tags, '', '', $cc_a1, $cc_a2, $cc_a3, '', '')
                AS account_cost_center_tag,
            tag_value(resource_tags, tags, $application_r1, $application_r2, $application_t1,
                      $application_t2, $application_t3, $application_t4, $application_t5)
                AS application,
            tag_value(resource_tags, tags, $environment_r1, $environment_r2, $environment_t1,
                      $environment_t2, $environment_t3, $environment_t4, $environment_t5)
                AS environment,
            tag_value(resource_tags, tags, $team_r1, $team_r2, $team_t1, $team_t2, $team_t3,
                      $team_t4, $team_t5) AS team,
            tag_value(resource_tags, tags, $owner_r1, $owner_r2, $owner_t1, $owner_t2, $owner_t3,
                      $owner_t4, $owner_t5) AS owner,
            product['model'] AS product_model,
            product['inference_type'] AS inference_type,
            product['feature'] AS feature,
            product['product_name'] AS product_name,
            CASE WHEN $log_match THEN time_interval END AS log_interval,
            CASE WHEN $log_match THEN product['region'] END AS log_region,
            ($measure <> 'unblended' AND net_unblended_cost IS NULL) AS measure_fallback,
            CASE WHEN $by_day THEN substr(time_interval, 1, 10) END AS usage_day,
            exact_amount,
            exact_usage,
            CASE WHEN line_item_id <> '' THEN hash(line_item_id, time_interval) END AS line_key,
            CASE
                WHEN $unit_descriptions AND billing_entity = 'AWS Marketplace'
                 AND pricing_unit = 'Units' AND product_code IS NOT NULL
                 AND usage_type IS NOT NULL
                THEN line_item_description
            END AS unit_description
        FROM (
            SELECT
                * EXCLUDE (usage_amount),
                exact_cost(cost) AS exact_amount,
                exact_quantity(coalesce(usage_amount, 0)) AS exact_usage
            FROM bedrock_candidate_lines($period_start, $period_end, $measure)
        ) AS lines
        LEFT JOIN (
            SELECT uri, CAST(list_position($source_files, uri) AS INTEGER) AS file_no
            FROM (SELECT unnest($source_files) AS uri FROM range(1))
        ) AS files ON files.uri = lines.source_file
    ) AS keyed
)
SELECT
    file_no,
    invoice_id,
    billing_entity,
    line_item_type,
    usage_account_id,
    resource_id,
    iam_principal,
    usage_type,
    operation,
    pricing_unit,
    currency,
    selected_by,
    product_code,
    cost_center_tag,
    principal_cost_center_tag,
    account_cost_center_tag,
    application,
    environment,
    team,
    owner,
    product_model,
    inference_type,
    feature,
    product_name,
    log_interval,
    log_region,
    measure_fallback,
    group_key,
    NULL AS usage_day,
    false AS day_row,
    sum(exact_amount) AS amount,
    sum(exact_usage) AS usage_amount,
    count(*) AS line_items,
    count(*) FILTER (WHERE exact_amount IS NULL OR exact_usage IS NULL) AS bad_lines,
    list(line_key) FILTER (WHERE line_key IS NOT NULL) AS line_keys,
    min(unit_description) AS unit_description_min,
    max(unit_description) AS unit_description_max
FROM keyed
GROUP BY ALL
UNION ALL  -- the day rows: the wide groups' columns NULL (Spark SQL has no BY NAME)
SELECT
    NULL AS file_no, NULL AS invoice_id, NULL AS billing_entity, NULL AS line_item_type,
    NULL AS usage_account_id, NULL AS resource_id, NULL AS iam_principal,
    NULL AS usage_type, NULL AS operation, NULL AS pricing_unit, NULL AS currency,
    NULL AS selected_by, NULL AS product_code, NULL AS cost_center_tag,
    NULL AS principal_cost_center_tag, NULL AS account_cost_center_tag, NULL AS application,
    NULL AS environment, NULL AS team, NULL AS owner, NULL AS product_model,
    NULL AS inference_type, NULL AS feature, NULL AS product_name, NULL AS log_interval,
    NULL AS log_region, NULL AS measure_fallback,
    group_key,
    usage_day,
    true AS day_row,
    sum(exact_amount) AS amount,
    NULL AS usage_amount, NULL AS line_items, NULL AS bad_lines, NULL AS line_keys,
    NULL AS unit_description_min, NULL AS unit_description_max
FROM keyed
WHERE $by_day
GROUP BY group_key, usage_day;
