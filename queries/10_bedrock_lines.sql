-- 10 bedrock_lines: the groups of 09, normalized: tags trimmed, '' as missing, the first
-- candidate key with a value wins; model and usage kind named. One row per group of line
-- items (line_items says how many). The tag values are worked out once per distinct set of
-- tag entries and the model and usage kind once per distinct product, then joined back:
-- a month has a few hundred of each, against hundreds of thousands of groups.
-- Parameters: for each statement tag the candidate keys in resource_tags ($*_keys) and in
-- the tags map ($*_tags_keys); $cc_principal_keys: where the calling IAM principal's
-- cost-center tag sits in the tags map (iamPrincipal/...).
CREATE OR REPLACE TEMP TABLE bedrock_lines AS
WITH tag_sets AS (
    SELECT DISTINCT resource_tag_entries, tag_entries FROM bedrock_groups
),
tag_maps AS (  -- maps only for the distinct sets (building one per group measured 0.9 s)
    SELECT
        resource_tag_entries,
        tag_entries,
        map_from_entries(resource_tag_entries) AS resource_tags,
        map_from_entries(tag_entries) AS tags
    FROM tag_sets
),
tag_values AS (
    SELECT
        resource_tag_entries,
        tag_entries,
        coalesce(first_value_of(resource_tags, $cc_keys), first_value_of(tags, $cc_tags_keys)) AS cost_center_tag,
        first_value_of(tags, $cc_principal_keys) AS principal_cost_center_tag,
        coalesce(first_value_of(resource_tags, $application_keys), first_value_of(tags, $application_tags_keys)) AS application,
        coalesce(first_value_of(resource_tags, $environment_keys), first_value_of(tags, $environment_tags_keys)) AS environment,
        coalesce(first_value_of(resource_tags, $team_keys), first_value_of(tags, $team_tags_keys)) AS team,
        coalesce(first_value_of(resource_tags, $owner_keys), first_value_of(tags, $owner_tags_keys)) AS owner
    FROM tag_maps
),
products AS (
    SELECT DISTINCT
        line_item_type, usage_type, billing_entity, product_model, inference_type, feature,
        product_name
    FROM bedrock_groups
),
product_values AS (
    SELECT
        *,
        coalesce(bedrock_model(product_model, usage_type, billing_entity, product_name), '') AS model,
        usage_kind(line_item_type, usage_type, inference_type, feature) AS usage_kind
    FROM products
)
SELECT
    g.* EXCLUDE (resource_tag_entries, tag_entries, product_model, inference_type, feature,
                 product_name, line_keys),
    t.* EXCLUDE (resource_tag_entries, tag_entries),
    p.model,
    p.usage_kind
FROM bedrock_groups AS g
JOIN tag_values AS t
    ON g.resource_tag_entries IS NOT DISTINCT FROM t.resource_tag_entries
   AND g.tag_entries IS NOT DISTINCT FROM t.tag_entries
JOIN product_values AS p
    ON g.line_item_type = p.line_item_type
   AND g.usage_type = p.usage_type
   AND g.billing_entity = p.billing_entity
   AND g.product_model IS NOT DISTINCT FROM p.product_model
   AND g.inference_type IS NOT DISTINCT FROM p.inference_type
   AND g.feature IS NOT DISTINCT FROM p.feature
   AND g.product_name IS NOT DISTINCT FROM p.product_name;
