-- 25 free bedrock_groups: once 24 has normalized the groups and 22 has checked their keys,
-- the raw groups (with their line keys) are not needed. No parameters.
DROP TABLE IF EXISTS bedrock_groups;
