-- Cisco Meraki syslog "events" (MR access points), one row per line of raw_lines.
-- Every format builds the view `parsed`: record, line, ts, ap_name, ap_mac, mac (12 hex digits),
-- kind, rssi, duration_s, reason (NULL when usable).
-- Epoch timestamps are UTC; the AP is the device-name field before "events".
-- Sessions: association opens, disassociation closes with duration='<seconds>';
-- wpa_auth / 8021x_auth / splash_auth show the client is there (kind 'seen').
-- String functions, not regexes, find the fields: this is the hot path of every night.
-- reads: raw_lines
-- params: none
create or replace temp view parsed as
with located as (
    select
        record,
        line,
        strpos(line, ' events type=') as header_end,
        strpos(line, 'client_mac=''') as client_at,
        strpos(line, ' mac=''') as mac_at,
        strpos(line, 'rssi=''') as rssi_at,
        strpos(line, 'duration=''') as duration_at
    from raw_lines
),
fields as (
    -- values are cut from short substrings at the positions found: never a copy of the line
    select
        record,
        line,
        case when header_end > 0 then left(line, header_end - 1) end as header,
        case when header_end > 0 then split_part(substr(line, header_end + 13, 40), ' ', 1) end as type,
        case
            when client_at > 0 then split_part(substr(line, client_at + 12, 40), '''', 1)
            when mac_at > 0 then split_part(substr(line, mac_at + 6, 40), '''', 1)
        end as mac_text,
        case when rssi_at > 0
             then try_cast(split_part(substr(line, rssi_at + 6, 12), '''', 1) as smallint) end as rssi,
        case when duration_at > 0
             then try_cast(split_part(substr(line, duration_at + 10, 24), '''', 1) as double)
        end as duration
    from located
),
words as (
    select
        * exclude (header),
        -- the header's last two words: the epoch time (seconds and fraction apart: a double would
        -- round the microseconds) and the AP name
        split_part(split_part(header, ' ', -2), '.', 1) as epoch_s,
        split_part(split_part(header, ' ', -2), '.', 2) as epoch_frac,
        split_part(header, ' ', -1) as ap_word
    from fields
),
typed as (
    select
        record,
        line,
        to_timestamp(try_cast(epoch_s as bigint))
            + to_microseconds(coalesce(try_cast(rpad(left(epoch_frac, 6), 6, '0') as bigint), 0)) as ts,
        nullif(ap_word, '') as ap_name,
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
        length(epoch_s) between 9 and 10 as epoch_shaped,
        mac_text
    from words
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when type is null or type = '' then 'not_meraki_event'
            when kind is null then 'ignored'
            when ts is null or not epoch_shaped then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, 'events' as program,
       type as event, cast(null as varchar) as host, false as naive
from judged;
