-- Ubiquiti UniFi APs' syslog, one row per line: wevent EVENT_STA_JOIN / EVENT_STA_LEAVE, and
-- stahtd's STA_ASSOC_TRACKER JSON (event_type association / sta_join, disassociation / sta_leave).
-- The host field is the AP's name; the tag holds the AP's MAC, written three ways:
--   Apr  1 08:12:41 OITA-001-AP01 U7PG2,0c8ddba08c03,v4.3.28.11361: wevent[2042]:
--   wevent.ubnt_custom_event(): EVENT_STA_JOIN ath0: 80:d6:05:12:34:56 / 1
--   Dec 12 15:15:20 host ("U7LT,802aa843ac1d,v3.7.21.5389 libubnt[1441]: ...   (older firmware)
--   Aug 20 09:11:17 APU7ProOH31 9041b214d6bb,U7-Pro-Outdoor-8.6.11+18870: stahtd[8523]: ...  (newer)
-- UniFi Network (9.x and later) consoles send client events as CEF: `CEF:0|Ubiquiti|UniFi Network|
-- <version>|400|WiFi Client Connected|...` (and 401 `WiFi Client Disconnected`), naming the AP in
-- UNIFI[last]ConnectedToDeviceMac / ...DeviceName, the client in UNIFIclientMac and the time in
-- UNIFIutcTime (the syslog host is the console, not the AP); other WiFi Client events are ignored.
-- An AP's own log (`logread`, no host field) names no AP: the file is named after it (<AP名>.log),
-- as for hostapd:
--   Wed Sep  9 20:08:12 2026 user.info stahtd[6930]: [STA-TRACKER].stahtd_dump_event(): {...}
-- reads: raw_lines
-- params: clocks, file_stem, tz, year_hint
create or replace temp view parsed as
with fields as (
    select
        record,
        line,
        -- read from the event's name on (a short text, the pattern anchored: 30 % cheaper)
        case when contains(line, 'EVENT_STA_')
             then regexp_extract(substr(line, strpos(line, 'EVENT_STA_'), 80),
                                 '^EVENT_STA_(JOIN|LEAVE)(?:\s+\S+:?\s+(\S+))?', ['event', 'mac_text'])
        end as ev,
        case when contains(line, 'STA_ASSOC_TRACKER')
             then try(json(regexp_extract(line, '(\{.*\})', 1))) end as tracker,
        -- a console's CEF client event (each field read only on such a line)
        case when contains(line, '|WiFi Client ')
             then nullif(regexp_extract(line, '\|WiFi Client (\w+)\|', 1), '') end as cef_event,
        -- the newer spelling only where the older is absent (a CASE: coalesce() would compute both)
        case when nullif(regexp_extract(line, '\w+,([0-9A-Fa-f]{12}),v[\w.\-]+:?', 1), '') is not null
             then nullif(regexp_extract(line, '\w+,([0-9A-Fa-f]{12}),v[\w.\-]+:?', 1), '')
             else nullif(regexp_extract(line, '\s([0-9A-Fa-f]{12}),[\w.\-+]+:', 1), '') end as ap_mac
    from raw_lines
),
cef as (
    select
        *,
        case when cef_event is not null
             then nullif(regexp_extract(line, ' UNIFIclientMac=(\S+)', 1), '') end as cef_mac,
        case when cef_event is not null
             then nullif(regexp_extract(line, ' UNIFI(?:last)?[Cc]onnectedToDeviceMac=(\S+)', 1), '') end
            as cef_ap_mac,
        case when cef_event is not null
             then nullif(regexp_extract(line, ' UNIFI(?:last)?[Cc]onnectedToDeviceName=(.+?) \w+=', 1), '') end
            as cef_ap_name,
        case when cef_event is not null
             then try_cast(nullif(regexp_extract(line, ' UNIFIutcTime=(\S+)', 1), '') as timestamptz) end
            as cef_ts
    from fields
),
events as (
    select
        *,
        coalesce(nullif(ev.event, ''), json_extract_string(tracker, '$.event_type'), cef_event) as event,
        coalesce(nullif(ev.mac_text, ''), json_extract_string(tracker, '$.mac'), cef_mac) as mac_text,
        bsd_stamp(line) as bsd
    from cef
),
stamped as (
    -- the stamp's naive time as a column: bsd_instant uses it several times inside a CASE
    select *, bsd_naive(bsd, getvariable('year_hint')) as local_time
    from events
),
typed as (
    select
        record,
        line,
        -- coalesce(), not a CASE: the stamp and the host are read on every other line all the same,
        -- and syslog_host() inside a CASE would be read twice (for ap_name and for host)
        coalesce(cef_ts, syslog_ts(line, bsd, local_time, getvariable('year_hint'), getvariable('tz'))) as ts,
        coalesce(cef_ap_name, syslog_host(line), getvariable('file_stem')) as ap_name,
        coalesce(cef_ap_mac, ap_mac) as ap_mac,
        mac_hex(mac_text) as mac,
        case event
            when 'JOIN' then 'assoc' when 'association' then 'assoc' when 'sta_join' then 'assoc'
            when 'LEAVE' then 'disassoc' when 'disassociation' then 'disassoc'
            when 'sta_leave' then 'disassoc'
            when 'Connected' then 'assoc' when 'Disconnected' then 'disassoc'
        end as kind,
        cast(null as smallint) as rssi,
        cast(null as integer) as duration_s,
        case when tracker is not null then 'stahtd' when cef_event is not null then 'cef'
             else 'wevent' end as program,
        event,
        -- only a source with a clock of its own needs to know (a regex it would cost every line)
        getvariable('clocks') and cef_ts is null and naive_stamp(line) as naive,
        mac_text,
        cef_event
    from stamped
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when kind is null and (line like '%EVENT_%' or line like '%STA_ASSOC_TRACKER%'
                                   or cef_event is not null) then 'ignored'
            when kind is null then 'not_unifi_event'
            when ts is null then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, program, event,
       ap_name as host, naive
from judged;
