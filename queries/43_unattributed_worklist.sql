-- 43 unattributed worklist: the unattributed spend per currency, usage account, IAM
-- principal (when the export has line_item_iam_principal), resource, model, reason and the
-- value found (a code not in the master list), so someone can tag it. Exact sums; Python
-- rounds them to the UNATTRIBUTED lines' total before any policy moved spend out.
SELECT
    currency,
    usage_account_id,
    coalesce(iam_principal, '') AS iam_principal,
    coalesce(resource_id, '') AS resource_id,
    model,
    unattributed_reason,
    attribution_value,
    sum(amount) AS amount,
    sum(line_items) AS line_items
FROM allocated
WHERE unattributed_reason <> ''
GROUP BY ALL
ORDER BY currency, abs(sum(amount)) DESC, usage_account_id, iam_principal, resource_id, model,
         unattributed_reason, attribution_value;
