-- 27 free bedrock_groups: once 26 has named the groups and 22 has checked their keys, the
-- raw groups (with their line keys) are not needed. No parameters.
DROP TABLE IF EXISTS bedrock_groups;
