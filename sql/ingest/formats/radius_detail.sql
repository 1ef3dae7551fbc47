-- FreeRADIUS `detail` accounting files: a date line, then `Name = value` lines, a blank line.
-- One row per record (its header's line number). Blocks end at a blank line, so no record is
-- split; radius_typed keeps the block's records for radius_detail_carry.sql, which keeps what the
-- stops implied by Accounting-On / -Off need (radius_detail_finish.sql). Time: the Timestamp
-- attribute (epoch), else the header read in the city's zone. Called-Station-Id is `AP-MAC:SSID` or a bare MAC;
-- the client is Calling-Station-Id.
--   Mon Apr  1 08:12:41 2024
--       Acct-Status-Type = Start
--       Calling-Station-Id = "80-D6-05-12-34-56"
--       Called-Station-Id = "0C-8D-DB-A0-8C-03:OITA_CITY_FREE_Wi-Fi"
--       NAS-IP-Address = 10.20.0.1
--       Timestamp = 1711926761
-- reads: raw_lines
-- params: ap_names, tz, year_hint
create or replace temp table radius_typed as
with lines as (
    select record as line_no, line, coalesce(regexp_matches(line, '^\S'), false) as is_header
    from raw_lines
),
grouped as (
    select *, sum(is_header::int) over (order by line_no rows unbounded preceding) as rec_no
    from lines
),
attrs as (
    -- `<white space>Name = value`, the value maybe in double quotes: string functions at the
    -- position of the first '=' (a regex per line cost half of this format's time)
    select
        rec_no,
        line_no,
        line,
        is_header,
        case when not is_header and strpos(line, '=') > 0 then {
            'name': trim(left(line, strpos(line, '=') - 1), E' \t'),
            'value': trim(trim(substr(line, strpos(line, '=') + 1), E' \t\r'), '"')
        } end as kv
    from grouped
),
records as (
    select
        min(line_no) as record,
        max(line) filter (where is_header) as header,
        -- Acct-Status-Type, else the Packet-Type of a record that has none (the auth_log and
        -- reply_log detail files beside the accounting ones: Access-Request, Access-Accept);
        -- FreeRADIUS 4 writes enumerated values after '::' (`Acct-Status-Type = ::Start`)
        ltrim(arg_max(kv.value, kv.name = 'Acct-Status-Type')
                  filter (where kv.name in ('Acct-Status-Type', 'Packet-Type')), ':') as status,
        max(kv.value) filter (where kv.name = 'Calling-Station-Id') as client,
        max(kv.value) filter (where kv.name = 'Called-Station-Id') as called,
        max(kv.value) filter (where kv.name = 'Acct-Session-Id') as session_id,
        coalesce(max(kv.value) filter (where kv.name = 'NAS-IP-Address'),
                 max(kv.value) filter (where kv.name = 'NAS-Identifier')) as nas,
        max(kv.value) filter (where kv.name = 'Acct-Session-Time') as session_time,
        max(kv.value) filter (where kv.name = 'Timestamp') as epoch,
        max(kv.value) filter (where kv.name = 'Event-Timestamp') as event_time,
        max(kv.value) filter (where kv.name = 'Acct-Delay-Time') as delay,
        max(kv.value) filter (where kv.name = 'NAS-Identifier') as nas_id,
        max(line_no) as last_line,  -- the record's text is joined only if it is quarantined
        count(*) filter (where not blank_line(line)) as filled
    from attrs
    group by rec_no
),
typed as (
    select
        record,
        last_line,
        -- when the server received it (Timestamp, else the header in the city's zone) less the
        -- NAS's Acct-Delay-Time; without either, the NAS's Event-Timestamp (epoch, or a date
        -- string with its zone word: "Feb 12 2025 21:40:03 JST")
        coalesce(
            coalesce(to_timestamp(try_cast(epoch as bigint)),
                     timezone(getvariable('tz'), try_strptime(trim(header), '%a %b %d %H:%M:%S %Y')))
                - to_seconds(coalesce(try_cast(delay as integer), 0)),
            to_timestamp(try_cast(event_time as bigint)),
            case when event_time is not null
                 then zoned_ts(zoned_stamp(event_time || ':'), getvariable('year_hint'), getvariable('tz')) end)
            as ts,
        -- the AP by name: a Called-Station-Id that is no MAC (an AP's name or IP), else the NAS;
        -- but a NAS-Identifier the registry knows (ap_names) wins over a Called-Station-Id name it
        -- does not (a MikroTik hotspot writes its hotspot server's name there, the AP's in the NAS's)
        coalesce(case when first_mac(called) is null
                           and not (nas_id is not null and list_contains(getvariable('ap_names'), nas_id)
                                    and not list_contains(getvariable('ap_names'), split_part(called, ':', 1)))
                      then nullif(split_part(called, ':', 1), '') end, nas_id) as ap_name,
        coalesce(first_mac(called), nullif(regexp_extract(called, '^([0-9A-Fa-f]{12})(?::|$)', 1), ''))
            as ap_mac,
        -- Cisco WLCs set to send the client's IP put its MAC in Acct-Session-Id (id/mac/number)
        coalesce(mac_hex(client), mac_hex(first_mac(session_id))) as mac,
        case status
            when 'Start' then 'start'
            when 'Interim-Update' then 'interim'
            when 'Alive' then 'interim'
            when 'Stop' then 'stop'
            when 'Accounting-On' then 'nas_reset'
            when 'Accounting-Off' then 'nas_reset'
        end as kind,
        cast(null as smallint) as rssi,
        try_cast(session_time as integer) as duration_s,
        header,
        status,
        client,
        nas,
        coalesce(session_id, client) as session,
        filled,
        'radius' as program,
        status as event,
        nas as host,
        epoch is null as naive
    from records
)
select * from typed;

create or replace temp view parsed as
with judged as (
    select
        record, cast(null as varchar) as line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, program,
        event, host, naive,
        case
            when filled = 0 then 'empty_line'
            when header is null or status is null then 'not_radius_detail'
            when kind = 'nas_reset' then 'ignored'
            when kind is null then 'ignored'
            when ts is null then 'bad_time'
            when client is null and mac is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from radius_typed
)
select * from judged;
