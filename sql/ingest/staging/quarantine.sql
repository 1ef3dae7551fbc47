-- Records of one file that cannot be used, kept with why and an allow-list of fields that cannot
-- identify anyone: file, record (line number), reason, format, program, event type, AP name (as
-- logged, MACs masked) and time. Never the line. One row per quarantined record.
-- reads: resolved
-- params: file_id
with rejected as (
    select record, reason, source, program, event, ap_label, ts
    from resolved
    where reason not in ('ignored', 'empty_line', 'opted_out')
),
quarantine as (
    select
        cast(getvariable('file_id') as varchar) as file_id,
        record,
        reason,
        source as format,
        program,
        event,
        ap_label as ap_name,
        ts
    from rejected
)
select * from quarantine order by record
