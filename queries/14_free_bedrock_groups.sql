-- 14 free bedrock_groups: once 10 has normalized the groups and 12 has checked their keys,
-- the raw groups (with their line keys) are not needed. No parameters.
DROP TABLE IF EXISTS bedrock_groups;
