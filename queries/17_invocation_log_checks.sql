-- 17 only with invocation logs: the first object 16 kept a record of that is not a
-- ModelInvocationLog or has no readable timestamp; the run stops naming it (and its line,
-- found by chargeback/read/invocation_logs.py). No parameters.
SELECT bad_file
FROM log_tokens
WHERE bad
ORDER BY bad_file
LIMIT 1;
