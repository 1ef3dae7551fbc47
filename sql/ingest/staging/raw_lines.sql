-- The lines of the block being read (the registered Arrow table raw_block: record, bytes), numbered
-- across the file. Lines that are not UTF-8, or longer than 1 MB, are not parsed: they are the
-- view raw_rejects, quarantined by reason only (no text of them is kept).
-- reads: raw_block
-- params: none
create or replace temp view raw_decoded as
select
    record,
    bytes,
    case when octet_length(bytes) <= 1048576 then try(decode(bytes)) end as line
from raw_block;

create or replace temp view raw_lines as
select record, line from raw_decoded where line is not null;

create or replace temp view raw_rejects as
select
    record,
    case when octet_length(bytes) > 1048576 then 'line_size_over_maximum'
         else 'invalid_encoding' end as reason
from raw_decoded
where line is null;
