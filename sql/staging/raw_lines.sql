-- The lines of the file being read (variable ingest_path, plain or gzip), numbered from 1 in the
-- order read. A view: the file streams once through whatever reads it, never held whole. Lines
-- DuckDB cannot read (invalid UTF-8, longer than 1 MB) are left out here and recorded in the temp
-- table raw_rejects with their line number (see staging/renumbered).
create or replace temp view raw_lines as
select row_number() over () as record, line
from read_csv(
    getvariable('ingest_path'), columns = {'line': 'VARCHAR'}, header = false,
    delim = E'\x1f', quote = '', escape = '', auto_detect = false, compression = 'auto',
    strict_mode = false, max_line_size = 1048576, ignore_errors = true, store_rejects = true,
    rejects_scan = 'raw_rejects_scan', rejects_table = 'raw_rejects'
);
