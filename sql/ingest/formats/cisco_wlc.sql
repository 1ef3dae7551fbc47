-- Cisco wireless controllers' client messages, one row per line:
-- AireOS WLC:  ... Client Association: Client MAC:80:d6:05:12:34:56 Base Radio MAC:0c:8d:db:a0:8c:03
--              Slot: 1 ... (and Client Disassociation / Client Deauthenticated)
-- Catalyst 9800: ... %CLIENT_ORCH_LOG-6-CLIENT_ADDED_TO_RUN_STATE: ... for device with MAC:
--              80d6.0512.3456 ... AP Name: OITA-001-AP01 ... (and %CLIENT_ORCH_LOG-6-CLIENT_DELETED)
-- IOS APs:      ... %DOT11-6-ASSOC / %DOT11-6-DISASSOC: Interface Dot11Radio0, Station ... 80d6.0512.3456
--              (the AP is the syslog host)
-- reads: raw_lines
-- params: clocks, tz, year_hint
create or replace temp view parsed as
with fields as (
    select
        record,
        line,
        case
            when line like '%Client Association:%' or line like '%CLIENT_ADDED_TO_RUN_STATE%'
                 or line like '%DOT11-6-ASSOC%' then 'assoc'
            when line like '%Client Disassociation:%' or line like '%Client Deauthenticated:%'
                 or line like '%CLIENT_DELETED%' or line like '%DOT11-6-DISASSOC%' then 'disassoc'
        end as kind,
        -- the first spelling found (AireOS 8 writes "Client MAC: <mac>, AP Name: .."); a CASE, not coalesce(): DuckDB's coalesce computes every
        -- argument on every line, a CASE each one only where those before found nothing
        case
            when nullif(regexp_extract(line, 'Client MAC\s*:\s*([^\s,]+)', 1), '') is not null
                then nullif(regexp_extract(line, 'Client MAC\s*:\s*([^\s,]+)', 1), '')
            when nullif(regexp_extract(line, 'device with MAC:?\s*(\S+)', 1), '') is not null
                then nullif(regexp_extract(line, 'device with MAC:?\s*(\S+)', 1), '')
            when nullif(regexp_extract(line, 'Station\s+(?:\S+\s+)?([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})', 1), '') is not null
                then nullif(regexp_extract(line, 'Station\s+(?:\S+\s+)?([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})', 1), '')
            -- an IOS AP's station written otherwise (redacted): the word before the verb, a bad MAC
            when line like '%DOT11-%'
                 and regexp_matches(line, 'Station\s+(?:\S+\s+)?\S+\s+(?:Associated|Reassociated|Disassociated|Roamed)')
                then nullif(regexp_extract(line, 'Station\s+(?:\S+\s+)?(\S+)\s+(?:Associated|Reassociated|Disassociated|Roamed)', 1), '')
            -- any other "MAC: <mac>", never the AP's "Base Radio MAC" (a client event without its
            -- client's MAC is missing_mac, not the AP counted as a device)
            else nullif(regexp_extract(replace(line, 'Base Radio MAC', 'Base Radio'),
                                       '\bMAC:?\s*([0-9A-Fa-f.:\-]{12,17})', 1), '')
        end as mac_text,
        nullif(regexp_extract(line, 'Base Radio MAC\s*:\s*(\S+)', 1), '') as ap_mac,
        coalesce(nullif(regexp_extract(line, 'AP [Nn]ame\s*:?\s*\(?([\w.\-]+)', 1), ''),
                 case when line like '%DOT11-6-%' then syslog_host(line) end) as ap_name,
        line like '%CLIENT_ORCH_LOG%' or line like '%APF-%' or line like '%DOT11-%'
            or line like '%Client %:%' as is_wlc,
        bsd_stamp(line) as bsd
    from raw_lines
),
stamped as (
    -- the zoned stamp only where the BSD stamp may not say it all (9800's year and zone words)
    select *, case when needs_zoned(line, bsd) then zoned_stamp(line) end as zoned,
           bsd_naive(bsd, getvariable('year_hint')) as local_time
    from fields
),
zoned_local as (
    -- the zoned stamp's naive time as a column: zoned_instant uses it several times inside a CASE
    select *, zoned_naive(zoned, getvariable('year_hint')) as zoned_time
    from stamped
),
typed as (
    select
        record,
        line,
        zoned_syslog_ts(line, bsd, local_time, zoned, zoned_time, getvariable('year_hint'),
                        getvariable('tz')) as ts,
        ap_name,
        ap_mac,
        mac_hex(mac_text) as mac,
        kind,
        cast(null as smallint) as rssi,
        cast(null as integer) as duration_s,
        is_wlc,
        mac_text,
        -- the mnemonic names an ignored line's kind; the controller (`WLC001: `, else the syslog
        -- host) is wanted only for a line that names no AP, or a clock
        case when kind is null
             then coalesce(nullif(regexp_extract(line, '%([A-Z][A-Z0-9_]*-\d-[A-Z0-9_]+)', 1), ''), 'apf')
             else 'apf' end as program,
        kind as event,
        case when (ap_name is null and ap_mac is null) or getvariable('clocks')
             then coalesce(nullif(regexp_extract(line, '^(?:<\d+>)?(?:\d+: )?([A-Za-z][\w.\-]*): ', 1), ''),
                           syslog_host(line)) end as host,
        -- only a source with a clock of its own needs to know (a regex it would cost every line)
        getvariable('clocks') and naive_stamp(line) and zone_of(zoned.zone) is null
            as naive
    from zoned_local
),
judged as (
    select
        *,
        case
            when blank_line(line) then 'empty_line'
            when kind is null and is_wlc then 'ignored'
            when kind is null then 'not_cisco_wlc'
            when ts is null then 'bad_time'
            when mac_text is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s, reason, program, event, host,
       naive
from judged;
