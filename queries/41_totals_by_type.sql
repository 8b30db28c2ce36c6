-- 41 totals by line item type: the export's Bedrock total per currency and line item type,
-- split into attributed and unattributed, for the Reconciliation sheet.
SELECT
    currency,
    line_item_type,
    sum(amount) AS amount,
    coalesce(sum(amount) FILTER (WHERE unattributed_reason = ''), 0) AS attributed,
    coalesce(sum(amount) FILTER (WHERE unattributed_reason <> ''), 0) AS unattributed,
    sum(line_items) AS line_items
FROM allocated
GROUP BY ALL
ORDER BY currency, line_item_type;
