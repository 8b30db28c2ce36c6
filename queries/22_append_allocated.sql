-- 22 append allocated: add this chunk's allocated lines (20) to allocated_all. No parameters.
INSERT INTO allocated_all SELECT * FROM allocated;
