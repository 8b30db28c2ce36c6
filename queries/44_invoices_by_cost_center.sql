-- 44 invoices by cost center: the invoice ids each cost center's lines are billed on, for
-- the header of its statement.
SELECT DISTINCT cost_center, currency, invoice_id
FROM allocated
WHERE invoice_id <> ''
ORDER BY cost_center, currency, invoice_id;
