-- 00 line_item_types: the CUR line item types the pipeline knows, with their Summary column
-- and whether they are usage, as chargeback/taxonomy.py defines them (the one definition:
-- SQL and Python read the same table). The engine runs this before 00_macros, whose
-- usage_kind reads it; a type missing here is never usage. Values are data, bound as
-- parameters. Parameters: $names, $categories, $is_usage (lists of the same length).
CREATE OR REPLACE TEMP TABLE line_item_types AS
SELECT
    unnest($names::VARCHAR[]) AS name,
    unnest($categories::VARCHAR[]) AS category,
    unnest($is_usage::BOOLEAN[]) AS is_usage;
