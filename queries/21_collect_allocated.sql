-- 21 collect allocated: keep the first chunk's allocated lines (20) as allocated_all; 22
-- appends the next chunks'. With 20 run per chunk of files, each line is held once (in
-- allocated_all) plus one chunk's worth, instead of twice over. No parameters.
CREATE OR REPLACE TEMP TABLE allocated_all AS SELECT * FROM allocated;
