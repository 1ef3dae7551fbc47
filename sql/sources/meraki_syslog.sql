-- Cisco Meraki syslog "events" (MR access points), one row per line of raw_lines.
-- Every format builds the view `parsed`: record, line, ts, ap_name, ap_mac, mac (12 hex digits),
-- kind, rssi, duration_s, reason (NULL when usable).
-- Epoch timestamps are UTC; the AP is the device-name field before "events".
-- Sessions: association opens, disassociation closes with duration='<seconds>';
-- wpa_auth / 8021x_auth / splash_auth show the client is there (kind 'seen').
-- String functions, not regexes, find the fields: this is the hot path of every night.
create or replace temp view parsed as
with located as (
    select record, line, strpos(line, ' events type=') as header_end from raw_lines
),
fields as (
    select
        record,
        line,
        case when header_end > 0 then string_split(left(line, header_end - 1), ' ') end as words,
        case when header_end > 0 then split_part(substr(line, header_end + 13), ' ', 1) end as type,
        case
            when strpos(line, 'client_mac=''') > 0
                then split_part(split_part(line, 'client_mac=''', 2), '''', 1)
            when strpos(line, ' mac=''') > 0 then split_part(split_part(line, ' mac=''', 2), '''', 1)
        end as mac_text,
        case when strpos(line, 'rssi=''') > 0
             then try_cast(split_part(split_part(line, 'rssi=''', 2), '''', 1) as smallint) end as rssi,
        case when strpos(line, 'duration=''') > 0
             then try_cast(split_part(split_part(line, 'duration=''', 2), '''', 1) as double)
        end as duration
    from located
),
typed as (
    select
        record,
        line,
        -- seconds and fraction apart: a double would round the microseconds
        to_timestamp(try_cast(split_part(words[-2], '.', 1) as bigint))
            + to_microseconds(coalesce(try_cast(rpad(left(split_part(words[-2], '.', 2), 6), 6, '0')
                                                as bigint), 0)) as ts,
        nullif(words[-1], '') as ap_name,
        cast(null as varchar) as ap_mac,
        mac_hex(mac_text) as mac,
        case type
            when 'association' then 'assoc'
            when 'disassociation' then 'disassoc'
            when 'wpa_auth' then 'seen'
            when '8021x_auth' then 'seen'
            when 'splash_auth' then 'seen'
        end as kind,
        rssi,
        cast(round(duration) as integer) as duration_s,
        type,
        length(split_part(words[-2], '.', 1)) between 9 and 10 as epoch_shaped,
        mac_text
    from fields
),
judged as (
    select
        *,
        case
            when line is null or trim(line) = '' then 'empty_line'
            when type is null or type = '' then 'not_meraki_event'
            when kind is null then 'ignored'
            when ts is null or not epoch_shaped then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason from judged;
