-- Parsed records of one file with their access point and service day resolved.
-- One row per record; reason is NULL for a usable event, else why it is dropped or quarantined.
-- The AP is found by BSSID first, then by the name the controller logs (AP名).
create or replace temp table resolved as
with by_mac as (
    select p.record, m.ap_id
    from parsed as p
    join ap_macs as m on m.mac = mac_hex(p.ap_mac)
),
by_name as (
    select p.record, a.ap_id
    from parsed as p
    join aps as a on a.ap_name = p.ap_name
),
located as (
    select p.*, coalesce(bm.ap_id, bn.ap_id) as ap_id, raw.reject
    from parsed as p
    join raw_lines as raw using (record)
    left join by_mac as bm using (record)
    left join by_name as bn using (record)
)
select
    record,
    line,
    ts,
    ap_id,
    mac,
    kind,
    rssi,
    duration_s,
    service_day(ts, $tz, $day_start_hour) as day,
    coalesce(reject, reason, case when ap_id is null then 'unknown_ap' end) as reason
from located;
