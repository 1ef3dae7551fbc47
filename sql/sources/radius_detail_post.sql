-- After `resolved` of a block of a RADIUS detail file: the text of its quarantined records, their
-- lines joined with ' | ', MACs masked, cut at 500 characters. Built for them only: an ordered
-- aggregate of every record's lines cost 40 % of this format's time.
update resolved as r
set masked_line = left(mask_macs(q.line), 500)
from (
    select t.record, string_agg(l.line, ' | ' order by l.record) as line
    from resolved as k
    join radius_typed as t on t.record = k.record
    join raw_lines as l on l.record between t.record and t.last_line
    where k.masked_line is not null
    group by t.record
) as q
where r.record = q.record;
