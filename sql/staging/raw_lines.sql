-- The lines of one landed file (plain or gzip), numbered from 1 in file order.
-- One row per line; an empty line is NULL and keeps its number so records point at real lines.
create or replace temp table raw_lines as
select row_number() over () as record, line
from read_csv(
    $path, columns = {'line': 'VARCHAR'}, header = false, delim = E'\x1f', quote = '',
    escape = '', auto_detect = false, compression = 'auto', strict_mode = false
);
