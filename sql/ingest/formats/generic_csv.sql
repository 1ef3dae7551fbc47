-- The documented CSV layout for any other controller (docs/formats.md), one row per line:
--   ts,ap,client_mac,kind,rssi,duration_s
--   2024-04-01T08:12:41+09:00,OITA-001-AP01,80:d6:05:12:34:56,assoc,-52,
-- ts: ISO-8601 (no zone: the city's zone) or epoch seconds; ap: AP_ID, AP名 or a BSSID;
-- kind: start, stop, interim, assoc, disassoc or seen; rssi and duration_s may be empty.
-- No field is quoted; the header line is required and skipped: it is no record (neither counted
-- as ignored nor quarantined), nor is the header of another file appended to this one.
-- reads: raw_lines
-- params: tz
create or replace temp view parsed as
with fields as (
    select record, line, string_split(line, ',') as f
    from raw_lines
    where not starts_with(lower(line), 'ts,ap,client_mac,kind')
),
typed as (
    select
        record,
        line,
        any_ts(f[1], getvariable('tz')) as ts,
        nullif(trim(f[2]), '') as ap_name,
        nullif(trim(f[2]), '') as ap_mac,
        mac_hex(f[3]) as mac,
        lower(trim(f[4])) as kind,
        try_cast(nullif(trim(f[5]), '') as smallint) as rssi,
        try_cast(nullif(trim(f[6]), '') as integer) as duration_s,
        f
    from fields
),
judged as (
    select
        record, line, ts, ap_name, ap_mac, mac,
        kind, rssi, duration_s,
        case
            when blank_line(line) then 'empty_line'
            when len(f) < 4 then 'too_few_fields'
            when kind not in ('start', 'stop', 'interim', 'assoc', 'disassoc', 'seen') then 'bad_kind'
            when ts is null then 'bad_time'
            when nullif(trim(f[3]), '') is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select *, 'csv' as program, kind as event, cast(null as varchar) as host, false as naive
from judged;
