-- Cisco Meraki syslog "events" (MR access points), one row per line of raw_lines.
-- Every format builds the view `parsed`: record, line, ts, ap_name, ap_mac, mac (12 hex digits),
-- kind, rssi, duration_s, reason (NULL when usable).
-- Epoch timestamps are UTC; the AP is the device-name field before "events".
-- Sessions: association opens, disassociation closes with duration='<seconds>';
-- wpa_auth / 8021x_auth / splash_auth show the client is there (kind 'seen').
-- String functions find the leading fields, patterns with a literal first the last ones (strpos and
-- substr count characters from the line's start): this is the hot path of every night.
-- reads: raw_lines
-- params: none
create or replace temp view parsed as
with located as (
    select
        record,
        line,
        strpos(line, ' events type=') as header_end,
        strpos(line, 'client_mac=''') as client_at,
        strpos(line, ' mac=''') as mac_at
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
        -- the last fields: a pattern with its literal first, not strpos and substr, which count
        -- the characters of all the line before them (the same value: up to 12 / 24 characters,
        -- cut at the quote; '' where there is none, which casts to NULL)
        try_cast(regexp_extract(line, 'rssi=''([^'']{0,12})', 1) as smallint) as rssi,
        try_cast(regexp_extract(line, 'duration=''([^'']{0,24})', 1) as double) as duration
    from located
),
words as (
    select
        * exclude (header),
        -- the header's last two words: the epoch time (seconds and fraction apart: a double would
        -- round the microseconds) and the AP name
        split_part(split_part(header, ' ', -2), '.', 1) as epoch_s,
        split_part(split_part(header, ' ', -2), '.', 2) as epoch_frac,
        split_part(header, ' ', -1) as ap_word,
        -- mac_hex(mac_text) as a column first: inside its CASE the digits would be made twice
        mac_digits(mac_text) as mac_digits
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
        case when regexp_full_match(mac_digits, '[0-9a-f]{12}') then mac_digits end as mac,
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
            -- a blank line has no type: the regex of blank_line runs on those lines only
            when type is null or type = ''
                then case when blank_line(line) then 'empty_line' else 'not_meraki_event' end
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
