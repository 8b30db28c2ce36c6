-- 15 Marketplace lines: completes 13's selection. A Marketplace line that is not named for
-- Bedrock (a candidate, selected_by 'marketplace_code') stays only when its product code is
-- on a Marketplace line of the period that is ('marketplace_name'): the tax, credit and
-- discount lines of a Bedrock model sold through Marketplace carry its code, not its name.
-- The rest (other Marketplace products) is dropped before anything counts or checks it.
-- Same rule as 12's bedrock_period_lines. No parameters.
DELETE FROM bedrock_groups
WHERE selected_by = 'marketplace_code'
  AND product_code NOT IN (
        SELECT DISTINCT product_code
        FROM bedrock_groups
        WHERE selected_by = 'marketplace_name' AND product_code <> ''
  );
