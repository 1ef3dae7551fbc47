-- The documented JSON Lines layout for any other controller (docs/formats.md), one object a line:
--   {"ts": "2024-04-01T08:12:41+09:00", "ap": "OITA-001-AP01", "client_mac": "80:d6:05:12:34:56",
--    "kind": "assoc", "rssi": -52, "duration_s": null}
-- Same fields and rules as generic_csv.
-- reads: raw_lines
-- params: tz
create or replace temp view parsed as
with docs as (
    select record, line, try(json(line)) as doc from raw_lines
),
typed as (
    select
        record,
        line,
        doc,
        any_ts(json_extract_string(doc, '$.ts'), getvariable('tz')) as ts,
        json_extract_string(doc, '$.ap') as ap_name,
        json_extract_string(doc, '$.ap') as ap_mac,
        mac_hex(json_extract_string(doc, '$.client_mac')) as mac,
        lower(json_extract_string(doc, '$.kind')) as kind,
        try_cast(json_extract_string(doc, '$.rssi') as smallint) as rssi,
        try_cast(json_extract_string(doc, '$.duration_s') as integer) as duration_s
    from docs
),
judged as (
    select
        record, line, ts, ap_name, ap_mac, mac, kind, rssi, duration_s,
        case
            when blank_line(line) then 'empty_line'
            when doc is null then 'bad_json'
            when kind is null or kind not in ('start', 'stop', 'interim', 'assoc', 'disassoc', 'seen')
                then 'bad_kind'
            when ts is null then 'bad_time'
            when nullif(trim(json_extract_string(doc, '$.client_mac')), '') is null then 'missing_mac'
            when mac is null then 'bad_mac'
        end as reason
    from typed
)
select *, 'jsonl' as program, kind as event, cast(null as varchar) as host, false as naive
from judged;
