-- Ubiquiti UniFi APs' syslog: EVENT_STA_JOIN / EVENT_STA_LEAVE, one row per line. The host field
-- is the AP's name and the tag holds its MAC (<model>,<ap mac>,<firmware>):
--   Apr  1 08:12:41 OITA-001-AP01 U7PG2,0c8ddba08c03,v4.3.28.11361: wevent[2042]:
--   wevent.ubnt_custom_event(): EVENT_STA_JOIN ath0: 80:d6:05:12:34:56 / 1
create or replace temp view parsed as
with fields as (
    select
        record,
        line,
        regexp_extract(line, 'EVENT_STA_(JOIN|LEAVE)\s+\S+:?\s+(\S+)', ['event', 'mac_text']) as ev,
        nullif(regexp_extract(line, '\s\w+,([0-9A-Fa-f]{12}),v[\w.\-]+:', 1), '') as ap_mac
    from raw_lines
),
typed as (
    select
        record,
        line,
        syslog_ts(line, getvariable('year_hint'), getvariable('tz')) as ts,
        syslog_host(line) as ap_name,
        ap_mac,
        mac_hex(nullif(ev.mac_text, '')) as mac,
        case ev.event when 'JOIN' then 'assoc' when 'LEAVE' then 'disassoc' end as kind,
        cast(null as smallint) as rssi,
        cast(null as integer) as duration_s
    from fields
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when kind is null and line like '%EVENT_%' then 'ignored'
            when kind is null then 'not_unifi_event'
            when ts is null then 'bad_time'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason from judged;
