-- 23 all lines: after the last chunk, allocated_all becomes `allocated`, and `bedrock_lines`
-- a view of it (its columns are all there), so 12, 30-41 and 51 read every chunk's lines
-- from the one copy. No parameters.
DROP TABLE IF EXISTS allocated;
ALTER TABLE allocated_all RENAME TO allocated;
DROP TABLE IF EXISTS bedrock_lines;
CREATE OR REPLACE TEMP VIEW bedrock_lines AS SELECT * FROM allocated;
