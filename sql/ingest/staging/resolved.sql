-- Parsed records of one block with access point, service day and fate resolved. One row per
-- record: reason is NULL for a usable event, else why it is dropped ('ignored', 'empty_line') or
-- quarantined (anything else). Unreadable lines (raw_rejects) are records too, quarantined, but
-- in a syslog feed (routed_feed) one whose readable beginning names another program and routes to
-- no format read here is that program's line: ignored and counted, as any other of its lines.
-- No text of a line is kept: a record is described by the allow-listed fields that cannot
-- identify anyone (format, program, event type, AP name, time), for the quarantine.
-- The AP is found by BSSID / radio MAC first, then by the name the controller logs (AP名), then
-- by AP_ID (the generic layouts), then by the source (syslog host, controller) when the registry's
-- sources serve one site; a client event that names no AP at all is `no_ap_in_message`.
-- reads: ap_macs, aps, parsed_out, raw_rejects, source_aps
-- params: day_start_hour, file_fmt, newest_ts, oldest_ts, routed_feed, routes, tz
create or replace temp table resolved as
with parsed as (
    select * from parsed_out
),
located as (
    -- a naive local time of a source with a clock of its own is moved from the city's zone to it
    select
        p.* replace (case when p.naive and s.tz is not null
                          then timezone(s.tz, timezone(getvariable('tz'), p.ts)) else p.ts end as ts),
        coalesce(m.ap_id, a.ap_id, i.ap_id, s.ap_id) as ap_id
    from parsed as p
    left join ap_macs as m on m.mac = mac_hex(p.ap_mac)
    left join aps as a on a.ap_name = p.ap_name
    left join aps as i on i.ap_id = p.ap_name
    left join source_aps as s on s.source = p.host
),
judged as (
    select
        *,
        coalesce(reason, case
            when ts is null then 'bad_time'
            when mac in ('000000000000', 'ffffffffffff') then 'bad_mac'
            when ap_id is null and ap_name is null and ap_mac is null then 'no_ap_in_message'
            when ap_id is null then 'unknown_ap'
            when ts < getvariable('oldest_ts') or ts > getvariable('newest_ts') then 'time_out_of_range'
        end) as fate
    from located
)
select
    record,
    source,
    ts,
    ap_id,
    cast(('0x' || mac) as ubigint) as mac,
    kind,
    rssi,
    duration_s,
    service_day(ts, getvariable('tz'), getvariable('day_start_hour')) as day,
    fate as reason,
    program,
    event,
    -- an AP's name as logged, for the operator who must add it to the registry; made safe on its
    -- way out (pipeline/ingest/reader.py, masking.safe_ap_name): kept in an AP name's shape, else a
    -- keyed digest
    case when fate not in ('ignored', 'empty_line') then left(coalesce(ap_name, ap_mac), 256) end as ap_label,
    -- the line routes to the format that parsed it (false: a syslog block read straight holds a
    -- line of another format or program, and is routed after all)
    own
from judged
union all
select
    record, cast(null as varchar), cast(null as timestamptz), cast(null as varchar),
    cast(null as ubigint), cast(null as varchar), cast(null as smallint), cast(null as integer),
    cast(null as date), case when other_program then 'ignored' else reason end,
    case when other_program then label end, cast(null as varchar), cast(null as varchar),
    not other_program
from (
    -- another program: one named, that is none of the programs whose lines are read here (their
    -- unreadable lines stay quarantined: an event may stand beyond the readable beginning)
    select
        record,
        reason,
        label,
        getvariable('routed_feed') and label is not null
        and label not in ('hostapd', 'stm', 'wevent', 'stahtd', 'events')
        and not regexp_matches(label, '^(CLIENT_ORCH_LOG|APF|DOT11)-')
        and not coalesce(list_contains(getvariable('routes'), syslog_route(head, getvariable('file_fmt'))), false)
            as other_program
    from (select *, program_label(head) as label from raw_rejects) as labelled
) as rejects;
