-- The lines of the block being read (the registered Arrow table raw_block: record, bytes), numbered
-- across the file. Lines that are not UTF-8, or longer than max_line_bytes (1 MB; a JSON format's
-- 16 MB), are not parsed: they are the view raw_rejects, quarantined by reason only (no text kept).
-- reads: raw_block
-- params: max_line_bytes
create or replace temp view raw_decoded as
select
    record,
    bytes,
    case when octet_length(bytes) <= getvariable('max_line_bytes') then try(decode(bytes)) end as line
from raw_block;

create or replace temp view raw_lines as
select record, line from raw_decoded where line is not null;

create or replace temp view raw_rejects as
select
    record,
    case when octet_length(bytes) > getvariable('max_line_bytes') then 'line_size_over_maximum'
         else 'invalid_encoding' end as reason
from raw_decoded
where line is null;
