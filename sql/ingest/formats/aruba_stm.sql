-- Aruba controller `stm` syslog, one row per line. 501100 "Assoc success" opens a session;
-- 501080 / 501105 / 501106 / 501114 (deauth to / from the station, 501114 as the controller logs
-- it), 501098 (moved out) and 501102 (disassoc from the station) close it. The AP is written
-- <ip>-<bssid>-<ap name>, so it is found by BSSID, else by name:
--   Apr  1 08:12:41 2024 10.20.0.2 stm[3345]: <501100> <NOTI> |AP OITA-001-AP01@10.20.1.11 stm|
--   Assoc success @ 08:12:41.123456: 80:d6:05:12:34:56: AP 10.20.1.11-0c:8d:db:a0:8c:03-OITA-001-AP01
-- reads: raw_lines
-- params: clocks, tz, year_hint
create or replace temp view parsed as
with fields as (
    select
        record,
        line,
        nullif(regexp_extract(line, 'stm\[\d+\]:\s*<(\d{6})>', 1), '') as code,
        -- the word where the station's MAC stands, whatever it holds (a redacted MAC is bad_mac,
        -- none missing_mac, whatever the message id): after "Assoc success @ <time>:", else after
        -- "sta:" (every deauth and disassoc id)
        nullif(regexp_extract(line, '(?:success @ [\d:.]+|sta):\s*(\S+)', 1), '') as mac_text,
        -- the AP at the first " AP " (where it stands in every message id), read from there on:
        -- an anchored pattern on a short text costs 40 % of a search of the line
        regexp_extract(substr(line, greatest(strpos(line, ' AP '), 1)),
                       '^\sAP (\d{1,3}(?:\.\d{1,3}){3})-([0-9A-Fa-f:]{17})-(\S+)',
                       ['ip', 'bssid', 'name']) as ap_first,
        bsd_stamp(line) as bsd
    from raw_lines
),
stamped as (
    -- the stamp's naive time as a column: bsd_instant uses it several times inside a CASE
    select
        * exclude (ap_first),
        bsd_naive(bsd, getvariable('year_hint')) as local_time,
        -- else the first " AP <ip>-<bssid>-<name>" anywhere in the line
        case when ap_first.name <> '' then ap_first
             else regexp_extract(line, '\sAP (\d{1,3}(?:\.\d{1,3}){3})-([0-9A-Fa-f:]{17})-(\S+)',
                                 ['ip', 'bssid', 'name']) end as ap
    from fields
),
typed as (
    select
        record,
        line,
        syslog_ts(line, bsd, local_time, getvariable('year_hint'), getvariable('tz')) as ts,
        nullif(ap.name, '') as ap_name,
        nullif(ap.bssid, '') as ap_mac,
        mac_hex(mac_text) as mac,
        case when code = '501100' then 'assoc'
             when code in ('501080', '501098', '501102', '501105', '501106', '501114') then 'disassoc' end as kind,
        cast(null as smallint) as rssi,
        cast(null as integer) as duration_s,
        code,
        mac_text,
        'stm' as program,
        code as event,
        -- the controller (AOS 8: `<NOTI> <wcp2>`), else the syslog host before `stm[` (an AOS 6
        -- AP logging itself, `... 2014 10.192.18.109 stm[681]: <501100> <NOTI> |AP ...`, even behind
        -- a receiver's prefix): wanted only for an AP-less line or a clock
        case when ap.name = '' or getvariable('clocks')
             then coalesce(nullif(regexp_extract(line, '<[A-Z]{4}> <([\w.\-]+)', 1), ''),
                           nullif(regexp_extract(line, ':\d{2}(?:\s+\d{4})?\s+([^\s\[]+)\s+stm\[', 1), ''))
        end as host,
        -- only a source with a clock of its own needs to know (a regex it would cost every line)
        getvariable('clocks') and naive_stamp(line) as naive
    from stamped
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when code is null then 'not_aruba_stm'
            when kind is null then 'ignored'
            when ts is null then 'bad_time'
            when mac_text is null then 'missing_mac'
            -- the message's next word (no separator: no MAC was written there), not a redacted MAC
            when mac is null and not regexp_matches(mac_text, '[:.\-]') then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, program, event, host,
       naive
from judged;
