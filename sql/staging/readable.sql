-- The readable lines of one landed file (plain or gzip), numbered in the order read; lines DuckDB
-- cannot read (invalid UTF-8, too long) go to the temp table raw_rejects with their line number.
create or replace temp table readable as
select row_number() over () as record, line
from read_csv(
    $path, columns = {'line': 'VARCHAR'}, header = false, delim = E'\x1f', quote = '',
    escape = '', auto_detect = false, compression = 'auto', strict_mode = false,
    ignore_errors = true, store_rejects = true,
    rejects_scan = 'raw_rejects_scan', rejects_table = 'raw_rejects'
);
