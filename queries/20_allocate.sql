-- 20 allocated: each Bedrock line with the cost center it is charged to and, when it has
-- none, why (default_project, untagged, no_resource). Cost becomes exact DECIMAL here.
-- A view, not a table: 30, 40 and 41 each read it once, and the lines are not held twice in
-- memory (a copy of 2.5M lines at 50M input rows). A view takes no parameters, so the
-- bucket's name is written here; it must equal statements.UNATTRIBUTED (a test checks).
CREATE OR REPLACE TEMP VIEW allocated AS
SELECT
    *,
    coalesce(cost_center_tag, 'UNATTRIBUTED') AS cost_center,
    CASE
        WHEN cost_center_tag IS NOT NULL THEN ''
        WHEN resource_id LIKE '%:project/default' OR resource_id = 'default' THEN 'default_project'
        WHEN resource_id IS NULL THEN 'no_resource'
        ELSE 'untagged'
    END AS unattributed_reason,
    coalesce(project_id_of(resource_id), '') AS project_id,
    CAST(cost AS DECIMAL(38, 12)) AS amount
FROM bedrock_lines;
