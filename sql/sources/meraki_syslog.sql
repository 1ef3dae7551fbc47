-- Cisco Meraki syslog "events" (MR access points), one row per line of raw_lines.
-- Epoch timestamps are UTC; the AP is the device-name field before "events".
-- Sessions: association opens, disassociation closes with duration='<seconds>';
-- wpa_auth / 8021x_auth / splash_auth show the client is there (kind 'seen').
create or replace temp table parsed as
with fields as (
    select
        record,
        line,
        regexp_extract(line, '\s(\d{9,10})(?:\.(\d+))?\s+(\S+)\s+events\s+type=(\w+)',
                       ['epoch', 'fraction', 'ap_name', 'type']) as head,
        coalesce(nullif(regexp_extract(line, 'client_mac=''([^'']*)''', 1), ''),
                 nullif(regexp_extract(line, '\smac=''([^'']*)''', 1), '')) as mac_text,
        try_cast(nullif(regexp_extract(line, 'rssi=''(-?\d+)''', 1), '') as smallint) as rssi,
        try_cast(nullif(regexp_extract(line, 'duration=''([\d.]+)''', 1), '') as double) as duration
    from raw_lines
),
typed as (
    select
        record,
        line,
        -- seconds and fraction apart: a double would round the microseconds
        to_timestamp(try_cast(head.epoch as bigint))
            + to_microseconds(coalesce(try_cast(rpad(left(head.fraction, 6), 6, '0') as bigint), 0))
            as ts,
        nullif(head.ap_name, '') as ap_name,
        cast(null as varchar) as ap_mac,
        mac_hex(mac_text) as mac,
        case head.type
            when 'association' then 'assoc'
            when 'disassociation' then 'disassoc'
            when 'wpa_auth' then 'seen'
            when '8021x_auth' then 'seen'
            when 'splash_auth' then 'seen'
        end as kind,
        rssi,
        cast(round(duration) as integer) as duration_s,
        head.type as type,
        mac_text
    from fields
),
judged as (
    select
        *,
        case
            when line is null or trim(line) = '' then 'empty_line'
            when type = '' then 'not_meraki_event'
            when kind is null then 'ignored'
            when ts is null then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason from judged;
