-- hostapd (OpenWrt and other Linux APs): AP-STA-CONNECTED / AP-STA-DISCONNECTED, one row per line.
-- As forwarded syslog the AP is the host field:
--   Apr  1 08:12:41 OITA-001-AP01 hostapd: phy0-ap0: AP-STA-CONNECTED 80:d6:05:12:34:56 auth_alg=open
-- OpenWrt `logread` lines carry no host, so the file is named after the AP (<AP名>.log):
--   Mon Apr  1 08:12:41 2024 daemon.info hostapd: phy0-ap0: AP-STA-DISCONNECTED 80:d6:05:12:34:56
-- UniFi APs write hostapd's lines with their MAC in the tag, resolved by the registry's AP_MAC:
--   Jun 30 18:00:00 1c0b8bc42f58,U7-Lite-8.6.11+18870: hostapd: wifi0ap5: STA <mac> IEEE 802.11: ...
-- reads: raw_lines
-- params: clocks, file_stem, tz, year_hint
create or replace temp view parsed as
with fields as (
    select
        record,
        line,
        -- a string test first: the regex with its captures runs only on the lines that can match
        -- read from the event's name on (a short text, the pattern anchored)
        case when contains(line, 'AP-STA-')
             then regexp_extract(substr(line, strpos(line, 'AP-STA-'), 64),
                                 '^AP-STA-(CONNECTED|DISCONNECTED)(?:\s+(\S+))?', ['event', 'after'])
        end as ev,
        case when contains(line, 'IEEE 802.11: ')
             then regexp_extract(line, 'STA (\S+) IEEE 802\.11: (associated|disassociated)(?: |$)',
                                 ['sta', 'ieee'])
        end as ieee,
        regexp_matches(line, '^\w{3} \w{3}\s+\d{1,2} \d{2}:\d{2}:\d{2} \d{4} ') as logread,
        -- a UniFi AP writes hostapd's lines too, its MAC in the tag "<ap mac>,<model>-<firmware>:"
        -- after its name or in the host's place; a comma near the start is the cheap test first
        case when contains(substr(line, 1, 80), ',')
             then nullif(regexp_extract(line, '\s([0-9A-Fa-f]{12}),[\w.\-+]+:\s', 1), '') end as ap_mac,
        bsd_stamp(line) as bsd
    from raw_lines
),
stamped as (
    -- the stamp's naive time as a column: bsd_instant uses it several times inside a CASE
    select *, bsd_naive(bsd, getvariable('year_hint')) as local_time
    from fields
),
typed as (
    select
        record,
        line,
        -- logread's "Mon Apr  1 08:12:41 2024" is a BSD stamp with its year too
        syslog_ts(line, bsd, local_time, getvariable('year_hint'), getvariable('tz')) as ts,
        -- no host field (logread, or a forwarded line whose first word is the tag "hostapd:"):
        -- the file is named after its AP
        case when logread then getvariable('file_stem')
             else coalesce(syslog_host(line), getvariable('file_stem')) end as ap_name,
        ap_mac,
        mac_hex(coalesce(nullif(ev.after, ''), nullif(ieee.sta, ''))) as mac,
        coalesce(nullif(ev.after, ''), nullif(ieee.sta, '')) as mac_text,
        case coalesce(nullif(ev.event, ''), nullif(ieee.ieee, ''))
            when 'CONNECTED' then 'assoc' when 'associated' then 'assoc'
            when 'DISCONNECTED' then 'disassoc' when 'disassociated' then 'disassoc' end as kind,
        cast(null as smallint) as rssi,
        cast(null as integer) as duration_s,
        coalesce(nullif(ev.event, ''), nullif(ieee.ieee, '')) as event,
        -- only a source with a clock of its own needs to know (a regex it would cost every line)
        getvariable('clocks') and naive_stamp(line) as naive
    from stamped
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when kind is null and line like '%hostapd%' then 'ignored'
            when kind is null then 'not_hostapd'
            when ts is null then 'bad_time'
            -- a station event with no word where the MAC stands: missing; one not a MAC: bad
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, 'hostapd' as program,
       event, ap_name as host, naive
from judged;
