-- 08 bedrock_lines table: the normalized Bedrock lines of the period, filled by 09 and 10 a
-- few input files at a time, so that raw rows (with their maps) are only held for those.
CREATE OR REPLACE TEMP TABLE bedrock_lines (
    source_file VARCHAR,
    line_item_id VARCHAR,
    time_interval VARCHAR,
    invoice_id VARCHAR,
    billing_entity VARCHAR,
    line_item_type VARCHAR,
    usage_account_id VARCHAR,
    resource_id VARCHAR,
    iam_principal VARCHAR,
    usage_type VARCHAR,
    operation VARCHAR,
    pricing_unit VARCHAR,
    currency VARCHAR,
    cost_center_tag VARCHAR,
    principal_cost_center_tag VARCHAR,
    application VARCHAR,
    environment VARCHAR,
    team VARCHAR,
    owner VARCHAR,
    model VARCHAR,
    usage_kind VARCHAR,
    usage_amount DOUBLE,
    cost DOUBLE,
    measure_fallback BOOLEAN
);
