-- Parsed records of one block with access point, service day and fate resolved. One row per
-- record: reason is NULL for a usable event, else why it is dropped ('ignored', 'empty_line') or
-- quarantined (anything else, with the line masked). Unreadable lines (raw_rejects) are records
-- too, quarantined.
-- The AP is found by BSSID / radio MAC first, then by the name the controller logs (AP名), then
-- by AP_ID (the generic layouts).
create or replace temp table resolved as
with located as (
    select
        p.record,
        p.ts,
        coalesce(m.ap_id, a.ap_id, i.ap_id) as ap_id,
        p.mac,
        p.kind,
        p.rssi,
        p.duration_s,
        p.reason,
        p.line
    from parsed as p
    left join ap_macs as m on m.mac = mac_hex(p.ap_mac)
    left join aps as a on a.ap_name = p.ap_name
    left join aps as i on i.ap_id = p.ap_name
),
judged as (
    select
        *,
        coalesce(reason, case
            when ts is null then 'bad_time'
            when ap_id is null then 'unknown_ap'
            when ts < getvariable('oldest_ts') or ts > getvariable('newest_ts') then 'time_out_of_range'
        end) as fate
    from located
)
select
    record,
    ts,
    ap_id,
    cast(('0x' || mac) as ubigint) as mac,
    kind,
    rssi,
    duration_s,
    service_day(ts, getvariable('tz'), getvariable('day_start_hour')) as day,
    fate as reason,
    case when fate not in ('ignored', 'empty_line')
         then left(mask_macs(coalesce(line, '')), 500) end as masked_line
from judged
union all
select
    record, cast(null as timestamptz), cast(null as varchar), cast(null as ubigint),
    cast(null as varchar), cast(null as smallint), cast(null as integer), cast(null as date),
    reason, masked_line
from raw_rejects;
