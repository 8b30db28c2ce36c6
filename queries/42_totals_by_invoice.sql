-- 42 totals by invoice: the export's Bedrock total per currency, invoice id and billing
-- entity (AWS or AWS Marketplace), so a statement set can be tied to the invoices it books.
SELECT
    currency,
    invoice_id,
    billing_entity,
    sum(amount) AS amount,
    sum(line_items) AS line_items
FROM allocated
GROUP BY ALL
ORDER BY currency, invoice_id, billing_entity;
