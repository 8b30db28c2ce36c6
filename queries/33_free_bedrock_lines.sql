-- 33 free bedrock_lines: `allocated` holds every normalized line with its allocation, so the
-- normalized lines themselves are not needed any more; dropping them keeps one copy of the
-- period's Bedrock lines in memory instead of two. No parameters.
DROP TABLE IF EXISTS bedrock_lines;
