-- The lines of the block being read (the registered Arrow table raw_block: record, bytes), numbered
-- across the file. Lines that are not UTF-8, or longer than max_line_bytes (1 MB; a JSON format's
-- 16 MB), are not parsed: they are the view raw_rejects, quarantined by reason only (no text kept),
-- unless their ASCII beginning (head, at most 256 bytes, never stored) shows another program's line
-- of a syslog feed: then they are ignored and counted by program, as its readable lines are
-- (sql/ingest/staging/resolved.sql).
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
         else 'invalid_encoding' end as reason,
    decode(unhex(regexp_extract(left(hex(bytes), 512), '^((?:[0-7][0-9A-F])*)', 1))) as head
from raw_decoded
where line is null;
