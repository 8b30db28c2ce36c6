-- 35 tag keys: only when the cost-center tag matched no Bedrock line (34): every tag key the
-- period's Bedrock lines do carry with a value (resource_tags and the tags map, prefixes such
-- as resourceTags/ or accountTag/ kept), per currency, with its line items, its spend and
-- its share of the currency's Bedrock spend, and how close its name is to the key asked for
-- (Jaro-Winkler, 0-1, on both names lower-cased without prefix, user_/aws_ and
-- punctuation), so the warning can name the key that was probably meant. Reads the export
-- again (12's bedrock_period_lines). Parameters: $period_start, $period_end, $measure, $key
-- (the cost-center tag as configured).
WITH lines AS (
    SELECT
        coalesce(currency, '') AS currency,
        CAST(CASE WHEN isfinite(cost) THEN cost END AS DECIMAL(38, 12)) AS amount,
        list_distinct(list_concat(
            coalesce(list_transform(
                list_filter(map_entries(resource_tags), lambda e: nullif(trim(e.value), '') IS NOT NULL),
                lambda e: e.key), []),
            coalesce(list_transform(
                list_filter(map_entries(tags), lambda e: nullif(trim(e.value), '') IS NOT NULL),
                lambda e: e.key), [])
        )) AS keys
    FROM bedrock_period_lines($period_start, $period_end, $measure)
),
totals AS (
    SELECT currency, sum(amount) AS total
    FROM lines
    GROUP BY currency
),
keyed AS (
    SELECT currency, amount, unnest(keys) AS key
    FROM lines
)
SELECT
    k.currency,
    k.key,
    count(*) AS line_items,
    sum(k.amount) AS amount,
    CASE WHEN t.total = 0 THEN 0
         ELSE CAST(100 * sum(k.amount) / t.total AS DECIMAL(18, 2)) END AS share_pct,
    jaro_winkler_similarity(
        lower(regexp_replace(k.key, '^[^/]*/|^(user|aws)[_:]|[^A-Za-z0-9]', '', 'g')),
        lower(regexp_replace($key, '^[^/]*/|^(user|aws)[_:]|[^A-Za-z0-9]', '', 'g'))
    ) AS closeness
FROM keyed AS k
JOIN totals AS t ON t.currency = k.currency
GROUP BY k.currency, k.key, t.total
ORDER BY k.currency, share_pct DESC, k.key;
